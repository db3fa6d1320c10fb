// Validate JSON files with ajv (strict mode, ajv-formats) against a danmodel schema,
// either edition: draft 2020-12 (Ajv2020) or draft-07 (Ajv), picked by its "$schema".
// Usage: node tests/js/ajv-validate.mjs SCHEMA FILE...
// Prints one JSON array: [{"file", "valid", "errors": [{"instancePath", "keyword", "params"}]}].
// Exit status: 0 when the schema compiled (whatever the verdicts), 2 otherwise.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;
const Ajv07 = require("ajv").default;
const addFormats = require("ajv-formats").default;

const [schemaFile, ...files] = process.argv.slice(2);
let validate;
try {
  const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
  const draft07 = schema.$schema === "http://json-schema.org/draft-07/schema#";
  const ajv = new (draft07 ? Ajv07 : Ajv2020)({ strict: true, allErrors: true });
  addFormats(ajv);
  validate = ajv.compile(schema);
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
