#!/usr/bin/env bash
# Runs `hookctl check` or `hookctl trigger` for the action, writes a Markdown
# table to the job summary ($GITHUB_STEP_SUMMARY) and the counts to the
# step's outputs ($GITHUB_OUTPUT). Exit status: hookctl's, or 0 when
# INPUT_FAIL_ON_FAILURE is false and hookctl exited 1.
set -uo pipefail
cmd="${INPUT_COMMAND:-check}"
hookctl="${HOOKCTL:-hookctl}"
if ! command -v "$hookctl" >/dev/null 2>&1; then
  bin="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/hookctl-bin/hookctl"
  [ -x "$bin" ] && hookctl="$bin"
fi
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
output="${GITHUB_OUTPUT:-/dev/null}"
json=$(mktemp)
trap 'rm -f "$json" "$json.args"' EXIT

# The args input is split as a shell would split it, quotes and all
# (--header 'X-Env: ci run' is one argument), over any number of lines, but
# nothing in it is run or expanded: $(…) and `…` stay text.
if ! command -v python3 >/dev/null 2>&1; then
  echo "hookctl: error: the action's run step needs python3 on the runner (to split args and write the summary)" >&2
  echo "exit-code=3" >> "$output"; exit 3
fi
# fail-on-failure is true or false (any case, as GitHub writes booleans);
# anything else ("flase", "no") was taken as true without a word.
fof=$(printf '%s' "${INPUT_FAIL_ON_FAILURE:-true}" | tr '[:upper:]' '[:lower:]' | tr -d '[:space:]')
case "$fof" in
  true|false) ;;
  *)
    echo "hookctl: error: the fail-on-failure input is \"${INPUT_FAIL_ON_FAILURE}\": want true or false" >&2
    echo "exit-code=2" >> "$output"; exit 2 ;;
esac
extra=()
if ! python3 - "${INPUT_ARGS:-}" > "$json.args" <<'PY'
import shlex, sys
try:
    words = shlex.split(sys.argv[1])
except ValueError as e:
    sys.stderr.write(f"hookctl: error: the args input cannot be split into arguments: {e}\n")
    sys.stderr.write("hookctl: hint: quote an argument holding spaces with '…' or \"…\", and close every quote\n")
    sys.exit(2)
sys.stdout.write("".join(w + "\0" for w in words))
PY
then
  echo "exit-code=2" >> "$output"; exit 2
fi
while IFS= read -r -d '' a; do extra+=("$a"); done < "$json.args"

case "$cmd" in
  check)
    if [ -z "${INPUT_URL:-}" ]; then
      echo "hookctl: error: the check command needs the 'url' input" >&2
      echo "exit-code=2" >> "$output"; exit 2
    fi
    junit="${INPUT_JUNIT:-hookctl-check.xml}"
    rm -f "$junit" # a report left by an earlier run is not this run's
    "$hookctl" check "$INPUT_URL" ${extra[@]+"${extra[@]}"} --junit "$junit" -o json > "$json"
    rc=$?
    # Only a report that was written: without one (the receiver unreachable,
    # bad usage) a later step given this path found no file.
    if [ -f "$junit" ]; then echo "junit=$junit" >> "$output"; fi
    ;;
  trigger)
    # The url input is the receiver for trigger too (its --url); it was
    # ignored, so trigger looked for subscriptions in an empty store.
    if [ -n "${INPUT_URL:-}" ]; then extra+=(--url "$INPUT_URL"); fi
    "$hookctl" trigger ${extra[@]+"${extra[@]}"} -o json > "$json"
    rc=$?
    ;;
  *)
    echo "hookctl: error: unknown command \"$cmd\" (want check or trigger)" >&2
    echo "exit-code=2" >> "$output"; exit 2 ;;
esac
echo "exit-code=$rc" >> "$output"

python3 - "$cmd" "$json" "$rc" "$summary" "$output" <<'PY'
import json, sys
cmd, path, rc, summary, output = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
try:
    doc = json.load(open(path))
except Exception:
    doc = None
# A run that failed before its report prints hookctl's JSON error document
# instead (error, hints, exit_code): no report, but its error.
failure = None
if isinstance(doc, dict) and "exit_code" in doc and "error" in doc and "summary" not in doc:
    failure, doc = doc, None
icons = {"PASS": "✅", "FAIL": "❌", "WARN": "⚠️", "SKIP": "⏭️"}
def cell(s):
    return str(s if s is not None else "").replace("|", "\\|").replace("\n", " ")[:200]
lines = []
counts = {}
if doc is None:
    meaning = {1: "it failed", 2: "bad usage or bad input: check the args input",
               3: "the receiver (or the store) could not be reached", 130: "it was interrupted"}.get(rc, "")
    lines += [f"### hookctl {cmd}", "",
              f"hookctl exited {rc}{' — ' + meaning if meaning else ''}, without a report; its error is in the step's log."]
    if failure:
        lines += ["", f"`hookctl: error: {cell(failure.get('error'))}`"]
        lines += [f"`hookctl: hint: {cell(h)}`" for h in failure.get("hints") or []]
elif cmd == "check":
    s = doc.get("summary", {})
    lines += [f"### hookctl check `{cell(doc.get('url'))}` ({cell(doc.get('scheme'))})", "",
              "| check | verdict | status | latency | detail |", "|---|---|---|---|---|"]
    for c in doc.get("checks", []):
        v = c.get("verdict", "")
        lat = c.get("latency_ms")
        lines.append(f"| `{cell(c.get('id'))}` | {icons.get(v, '')} {v} | {cell(c.get('status') or '')} | "
                     f"{'' if lat is None else f'{lat:.0f} ms' if isinstance(lat, (int, float)) else cell(lat)} | {cell(c.get('detail'))} |")
    counts = {k: s.get(k, 0) for k in ("passed", "failed", "warnings", "skipped")}
    lines += ["", f"**{counts['passed']} passed, {counts['failed']} failed, {counts['warnings']} warnings, {counts['skipped']} skipped**"]
else:
    ds = doc.get("deliveries", [])
    ok = sum(1 for d in ds if d.get("status") == "succeeded")
    bad = sum(1 for d in ds if d.get("status") == "failed")
    lines += ["### hookctl trigger", "", "| delivery | event | url | status | attempts |", "|---|---|---|---|---|"]
    for d in ds[:100]:
        lines.append(f"| `{cell(str(d.get('id', ''))[:8])}` | {cell(d.get('event_type'))} | "
                     f"{cell(d.get('url'))} | {cell(d.get('status'))} | {cell(d.get('attempt_count'))} |")
    if len(ds) > 100:
        lines += ["", f"… and {len(ds) - 100} more deliveries, not shown (the counts below include them)."]
    counts = {"passed": ok, "failed": bad}
    lines += ["", f"**{ok} succeeded, {bad} failed**"]
with open(summary, "a") as f:
    f.write("\n".join(lines) + "\n")
with open(output, "a") as f:
    for k in ("passed", "failed"):
        f.write(f"{k}={counts.get(k, 0)}\n")
PY

if [ "$rc" = 1 ] && [ "$fof" = false ]; then exit 0; fi
exit "$rc"
