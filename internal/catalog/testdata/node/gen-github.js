// Builds internal/catalog/builtin/github.json from @octokit/webhooks-examples
// (GitHub's own example payloads, MIT): ids, node ids, SHAs and times become
// template calls with @names, so cross-references stay consistent. Each example
// is checked against @octokit/webhooks-schemas first. Regenerate with:
//   npm i @octokit/webhooks-examples @octokit/webhooks-schemas ajv ajv-formats
//   node gen-github.js > ../../builtin/github.json
const ex = require("@octokit/webhooks-examples/api.github.com/index.json");
const want = [
  ["ping", null, "GitHub checks a new webhook"],
  ["push", null, "Commits were pushed to a branch"],
  ["pull_request", "opened", "A pull request was opened"],
  ["pull_request", "closed", "A pull request was closed (merged)"],
  ["pull_request", "synchronize", "A pull request's head branch got new commits"],
  ["pull_request", "reopened", "A closed pull request was reopened"],
  ["pull_request", "edited", "A pull request's title or body changed"],
  ["issues", "opened", "An issue was opened"],
  ["issues", "closed", "An issue was closed"],
  ["issues", "edited", "An issue's title or body changed"],
  ["issues", "labeled", "A label was added to an issue"],
  ["issue_comment", "created", "A comment on an issue or pull request"],
  ["create", null, "A branch or tag was created"],
  ["delete", null, "A branch or tag was deleted"],
  ["release", "published", "A release was published"],
  ["workflow_run", "requested", "A GitHub Actions workflow run was requested"],
  ["workflow_run", "completed", "A GitHub Actions workflow run completed"],
  ["workflow_job", "queued", "A GitHub Actions job was queued"],
  ["workflow_job", "completed", "A GitHub Actions job completed"],
  ["check_suite", "completed", "A check suite completed"],
  ["check_run", "completed", "A check run completed"],
  ["star", "created", "Someone starred the repository"],
  ["fork", null, "Someone forked the repository"],
  ["installation", "created", "A GitHub App was installed"],
];
const byName = Object.fromEntries(ex.map(e => [e.name, e.examples]));
// A push with commits first: "Commits were pushed to a branch" (the first
// examples are tag pushes and deletions with none).
const score = x => (x.repository ? 1 : 0) + (x.organization ? 2 : 0) + (x.installation ? 2 : 0) +
  (x.commits && x.commits.length ? 8 : 0);
function pick(name, action) {
  let cands = byName[name].filter(x => (action ? x.action === action : true));
  if (cands.length === 0 && name === "issues" && action === "closed") {
    const x = structuredClone(pick("issues", "reopened"));
    x.action = "closed"; x.issue.state = "closed"; x.issue.state_reason = "completed"; x.issue.closed_at = x.issue.updated_at;
    return fix(x);
  }
  if (cands.length === 0 && name === "pull_request" && action === "edited") {
    const x = structuredClone(pick("pull_request", "opened"));
    x.action = "edited"; x.changes = { title: { from: x.pull_request.title + " (draft)" } };
    return fix(x);
  }
  if (cands.length === 0) throw new Error("no example for " + name + "." + action);
  cands = cands.slice().sort((a, b) => score(b) - score(a)).map(c => fix(structuredClone(c)));
  for (const c of cands) {
    if (valid(name, action, inject(name, action, structuredClone(c)))) return c;
  }
  return cands[0];
}
// An organization object, and installation, taken from the examples.
let org = null;
for (const e of ex) for (const x of e.examples) if (!org && x.organization) org = x.organization;

const ids = new Map(), nodes = new Map(), shas = new Map();
let n = 0;
const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const sha40 = /\b[0-9a-f]{40}\b/g;
const compare12 = /\/compare\/([0-9a-f]{12})\.\.\.([0-9a-f]{12})$/;
// short holds the SHAs a compare URL names by a 12-character prefix: they
// are templated in two parts, the prefix a value of its own.
const short = new Map();
function sha(s) {
  if (!shas.has(s)) {
    const n = shas.size;
    shas.set(s, short.has(s.slice(0, 12)) ? `{{hex 12 @sha${n}}}{{hex 28 @sha${n}rest}}` : `{{hex 40 @sha${n}}}`);
  }
  return shas.get(s);
}
function sha12(p) {
  if (!short.has(p)) throw new Error("compare URL names no SHA of the example: " + p);
  return sha(short.get(p)).replace(/\}\}.*/, "}}");
}
// collectShort finds the SHAs a compare URL names (12-character prefixes of
// SHAs in the example), before tmpl runs.
function collectShort(v) {
  const all = new Set();
  const walk = y => {
    if (Array.isArray(y)) return y.forEach(walk);
    if (y && typeof y === "object") return Object.values(y).forEach(walk);
    if (typeof y === "string") for (const m of y.matchAll(sha40)) all.add(m[0]);
  };
  walk(v);
  const find = y => {
    if (Array.isArray(y)) return y.forEach(find);
    if (y && typeof y === "object") return Object.values(y).forEach(find);
    const m = typeof y === "string" && y.match(compare12);
    if (m) for (const p of [m[1], m[2]]) for (const s of all) if (s.startsWith(p)) short.set(p, s);
  };
  find(v);
}
// pushToBranch makes GitHub's push example (a new branch: before the zero
// SHA, created, compare linking the one commit) a push of a commit onto an
// existing branch, as its description says and as most pushes are: before
// is the branch's previous head, and compare is GitHub's
// https://github.com/OWNER/REPO/compare/<before 12>...<after 12>.
function pushToBranch(x) {
  const before = "a10867b14bb761a232cd80139fbd4c0d33264240";
  x.before = before;
  x.created = false;
  x.compare = `${x.repository.html_url}/compare/${before.slice(0, 12)}...${x.after.slice(0, 12)}`;
  for (const c of [...x.commits, x.head_commit]) {
    c.message = "Update README.md"; c.added = []; c.modified = ["README.md"];
  }
}
function tmpl(v, key) {
  if (Array.isArray(v)) return v.map(x => tmpl(x, key));
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = tmpl(x, k);
    return o;
  }
  if (typeof v === "number" && Number.isInteger(v) && v > 1000 && key && (key === "id" || key.endsWith("_id"))) {
    if (!ids.has(v)) ids.set(v, `{{random_int 100000000 999999999 @id${ids.size}}}`);
    return ids.get(v);
  }
  if (typeof v === "number" && Number.isInteger(v) && (key === "created_at" || key === "pushed_at") && v > 1e9) return "{{now_unix}}";
  if (typeof v === "string") {
    if (iso.test(v)) return "{{now}}";
    if (key === "node_id" && v.length > 8) {
      if (!nodes.has(v)) {
        const p = v.includes("_") ? v.slice(0, v.indexOf("_") + 5) : v.slice(0, 4);
        nodes.set(v, `{{id ${p} ${Math.max(8, v.length - p.length)} @node${nodes.size}}}`);
      }
      return nodes.get(v);
    }
    // A user's id inside its avatar URL and noreply email is that id.
    v = v.replace(/(\/u\/|^)(\d{4,})(\?|\+[\w-]+@users\.noreply\.github\.com$)/, (m, a, id, b) =>
      ids.has(Number(id)) ? a + ids.get(Number(id)) + b : m);
    // A compare URL names its two commits by their first 12 characters.
    v = v.replace(compare12, (m, a, b) => `/compare/${sha12(a)}...${sha12(b)}`);
    return v.replace(sha40, s => {
      // The zero SHA is no commit: a deleted ref's "after", a new one's "before".
      if (/^0+$/.test(s)) return s;
      return sha(s);
    });
  }
  return v;
}
const Ajv = require("ajv"); const addFormats = require("ajv-formats");
const schema = require("@octokit/webhooks-schemas");
const ajv = new Ajv({ strict: false, allErrors: true }); addFormats(ajv); ajv.addSchema(schema, "webhooks");
function fix(x) {
  for (const r of [x.repository, x.forkee]) {
    if (!r) continue;
    r.is_template ??= false; r.web_commit_signoff_required ??= false; r.topics ??= [];
    r.visibility ??= r.private ? "private" : "public"; r.custom_properties ??= {};
  }
  if (x.release) { x.release.name ??= "v1.0.0"; x.release.body ??= "First stable release."; }
  return x;
}
function inject(name, action, y) {
  const props = schema.definitions[action ? name + "$" + action : name + "$event"].properties || {};
  if (!y.organization && org && props.organization) y.organization = org;
  if (!y.installation && props.installation) y.installation = { id: 4242424, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0MjQyNA==" };
  return y;
}
function valid(name, action, x) {
  const v = ajv.getSchema(`webhooks#/definitions/${action ? name + "$" + action : name + "$event"}`);
  const ok = v(x);
  if (!ok) console.error(name, action, JSON.stringify(v.errors.slice(0, 4)));
  return ok;
}
// collectIds numbers the ids as tmpl meets them, before tmpl runs, so an
// avatar URL or email that comes before its user's id refers to it.
function collectIds(v, key) {
  if (Array.isArray(v)) return v.forEach(x => collectIds(x, key));
  if (v && typeof v === "object") return Object.entries(v).forEach(([k, x]) => collectIds(x, k));
  if (typeof v === "number" && Number.isInteger(v) && v > 1000 && key && (key === "id" || key.endsWith("_id")) && !ids.has(v))
    ids.set(v, `{{random_int 100000000 999999999 @id${ids.size}}}`);
}
const out = [];
for (const [name, action, description] of want) {
  ids.clear(); nodes.clear(); shas.clear(); short.clear();
  const x = pick(name, action);
  if (name === "push") pushToBranch(x);
  inject(name, action, x);
  collectIds(x);
  collectShort(x);
  out.push({ type: action ? `${name}.${action}` : name, provider: "github", description, body: tmpl(x) });
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
