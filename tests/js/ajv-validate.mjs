// Validate JSON files with ajv (strict mode, ajv-formats) against a danmodel schema.
// Usage: node tests/js/ajv-validate.mjs SCHEMA FILE...
// Prints one JSON array: [{"file", "valid", "errors": [{"instancePath", "keyword", "params"}]}].
// Exit status: 0 when the schema compiled (whatever the verdicts), 2 otherwise.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const [schemaFile, ...files] = process.argv.slice(2);
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
} catch (error) {
  process.stderr.write(`${schemaFile}: ${error.message}\n`);
  process.exit(2);
}
const results = files.map((file) => {
  const document = JSON.parse(readFileSync(file, "utf8"));
  const valid = validate(document);
  const errors = (validate.errors ?? []).map(({ instancePath, keyword, params }) => ({
    instancePath,
    keyword,
    params,
  }));
  return { file, valid, errors };
});
process.stdout.write(JSON.stringify(results) + "\n");
