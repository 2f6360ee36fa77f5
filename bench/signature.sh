#!/usr/bin/env bash
# bench/signature.sh — sign and verify per scheme, side by side with the
# reference libraries on the same ~1 KiB body (internal/signature/bench_test.go).
#
#   bench/signature.sh            10 runs of 300 ms per benchmark, best of 10
#   COUNT=1 BENCHTIME=2000x bench/signature.sh   quick smoke run
#
# Prints ns/op (the best run: the machine is shared, and the minimum is the
# figure least disturbed by other load) and allocs/op per scheme, and for
# the schemes with a reference library the ratio reference/hookctl
# (> 1 means hookctl is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
tmp=$(mktemp -d /tmp/hookctl-sigbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out.txt
go test -c -o "$tmp/signature.test" ./internal/signature/
# Whole rounds, so hookctl and the reference libraries are measured
# alternately under the same background load.
if [ "${BENCH_SMOKE:-0}" = 1 ]; then COUNT=${COUNT:-1} BENCHTIME=${BENCHTIME:-20ms}; fi
for _ in $(seq "${COUNT:-10}"); do
  "$tmp/signature.test" -test.run '^$' -test.bench '^Benchmark(Sign|Verify)$' -test.benchmem \
    -test.benchtime "${BENCHTIME:-300ms}" | tee -a "$out" >&2
done
python3 - "$out" <<'PY'
import re, sys
runs = {}
for line in open(sys.argv[1]):
    m = re.match(r'Benchmark(Sign|Verify)/(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op.*?(\d+) allocs/op', line)
    if m:
        runs.setdefault((m[1], m[2]), []).append((float(m[4]), int(m[5])))
med = {k: (min(x for x, _ in v), max(a for _, a in v)) for k, v in runs.items()}
import os
tsv = open(os.environ["BENCH_TSV"], "a") if os.environ.get("BENCH_TSV") else None
refs = {"standard": "ref-standard-webhooks", "stripe": "ref-stripe-go", "github": "ref-go-github"}
names = [n for (op, n) in med if op == "Verify" and not n.startswith("ref-")]
print("\n%-18s %12s %7s %12s %7s  %-22s %12s %7s %8s" % ("scheme", "sign ns/op", "allocs", "verify ns/op", "allocs", "reference (verify)", "ns/op", "allocs", "ref/ours"))
for n in names:
    s = med.get(("Sign", n), (float("nan"), 0))
    v = med[("Verify", n)]
    ref = refs.get(n, "")
    r = med.get(("Verify", ref))
    refcols = ("%-22s %12.0f %7d %7.2fx" % (ref, r[0], r[1], r[0] / v[0])) if r else ""
    print("%-18s %12.0f %7d %12.0f %7d  %s" % (n, s[0], s[1], v[0], v[1], refcols))
    if r and tsv:
        tsv.write("signature verify: %s (1 KiB)\t%.0f ns/op\t%.0f ns/op (%s)\t%.2fx\t<= 1.0x\t%s\n" % (
            n, v[0], r[0], ref, v[0] / r[0], "ok" if v[0] <= r[0] else "MISSED"))
for n, ref in (("standard", "ref-standard-webhooks"), ("stripe", "ref-stripe-go")):
    s, r = med.get(("Sign", n)), med.get(("Sign", ref))
    if s and r:
        print("sign %-13s %12.0f ns/op vs %s %.0f ns/op: %.2fx" % (n, s[0], ref, r[0], r[0] / s[0]))
PY
