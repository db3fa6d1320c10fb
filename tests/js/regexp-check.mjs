// Compile JSON Schema patterns as ECMA-262 regular expressions with the "u" flag (what
// ajv and other JavaScript validators use) and search strings with them, as "pattern" does.
// Usage: node tests/js/regexp-check.mjs < request.json
// Input:  {"patterns": ["^a$", ...], "strings": ["a", ...]}
// Output: {"errors": ["" or the compile error, ...], "matches": [[bool per string] per pattern]}
import { readFileSync } from "node:fs";

const request = JSON.parse(readFileSync(0, "utf8"));
const errors = [];
const matches = request.patterns.map((pattern) => {
  let compiled;
  try {
    compiled = new RegExp(pattern, "u");
  } catch (error) {
    errors.push(error.message);
    return [];
  }
  errors.push("");
  return request.strings.map((text) => compiled.test(text));
});
process.stdout.write(JSON.stringify({ errors, matches }) + "\n");
