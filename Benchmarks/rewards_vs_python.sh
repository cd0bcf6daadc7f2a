#!/usr/bin/env bash
# difflib ratio throughput, Swift (SequenceMatcher, release build) next to Python
# (difflib.SequenceMatcher(None, a, b).ratio()) on the same ~1,000-character story pairs, in the
# same run, on the same machine. Opt-in; never part of the tests.
#
#   Benchmarks/rewards_vs_python.sh [SECONDS_PER_SETTING]     (default 3)
#   PYTHON=/path/to/python Benchmarks/rewards_vs_python.sh     (default: python3)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-3}"
python="${PYTHON:-python3}"
scratch="${SCRATCH_PATH:-.build-bench}"
fixture=Tests/ImprintRewardsTests/Fixtures/difflib.json

swift build -c release --product RewardsBenchmark --scratch-path "$scratch" >&2
swift_out="$("$scratch/release/RewardsBenchmark" --fixture "$fixture" --seconds "$seconds")"

python_out="$("$python" - "$fixture" "$seconds" <<'PY'
import difflib, json, sys, time
fixture, seconds = sys.argv[1], float(sys.argv[2])
cases = json.load(open(fixture, encoding="utf-8"))["cases"]
pairs = [c for c in cases if c["name"].startswith("story") and 700 <= len(c["b"]) <= 1400]
for autojunk in (True, False):
    for c in pairs:  # warm-up, and the same pairs as Swift
        difflib.SequenceMatcher(None, c["a"], c["b"], autojunk=autojunk).ratio()
    rates, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(rates) < 5:
        start = time.perf_counter()
        for c in pairs:
            difflib.SequenceMatcher(None, c["a"], c["b"], autojunk=autojunk).ratio()
        rates.append(len(pairs) / (time.perf_counter() - start))
    rates.sort()
    print(f"python  autojunk={'on ' if autojunk else 'off'}  median {rates[len(rates) // 2]:.0f} pairs/s"
          f"  (min {rates[0]:.0f}, max {rates[-1]:.0f}, {len(rates)} passes)")
print(f"python {sys.version.split()[0]}, {len(pairs)} story pairs")
PY
)"

echo "$swift_out"
echo "$python_out"
median() { sed -n "s/^$1 *autojunk=$2 *median \([0-9]*\) pairs.*/\1/p"; }
for setting in on off; do
    s="$(echo "$swift_out" | median swift "$setting")"
    p="$(echo "$python_out" | median python "$setting")"
    awk -v s="$s" -v p="$p" -v k="$setting" 'BEGIN { printf "autojunk=%-3s  swift %8d pairs/s   python %7d pairs/s   speed-up %.1fx\n", k, s, p, s / p }'
done
