// Validates hookctl's GitHub event bodies against GitHub's published
// webhook JSON schemas (@octokit/webhooks-schemas). Usage:
//   node validate-github.js EVENTS.json
// where EVENTS.json is [{"type": "pull_request.opened", "body": {...}}, ...].
// Run by TestGitHubSchemas (internal/catalog) with the packages installed
// in a temporary directory (NODE_PATH).
const fs = require("fs");
const Ajv = require("ajv");
const addFormats = require("ajv-formats");
const schema = require("@octokit/webhooks-schemas");

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(schema, "webhooks");

const events = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let failed = 0;
for (const { type, body } of events) {
  const [name, action] = type.split(".");
  const def = action ? `${name}$${action}` : `${name}$event`;
  if (!schema.definitions[def]) {
    console.log(`FAIL ${type}: no schema definition ${def}`);
    failed++;
    continue;
  }
  const validate = ajv.getSchema(`webhooks#/definitions/${def}`);
  if (validate(body)) {
    console.log(`ok   ${type} (${def})`);
  } else {
    failed++;
    console.log(`FAIL ${type} (${def})`);
    for (const e of validate.errors.slice(0, 10)) console.log(`     ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
console.log(`${events.length - failed}/${events.length} valid`);
process.exit(failed ? 1 : 0);
