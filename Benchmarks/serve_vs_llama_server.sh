#!/usr/bin/env bash
# imprint serve under load, against itself one request at a time and against llama.cpp's llama-server on the same
# GGUF, in one run: 16 concurrent clients, 16 requests per round, 64 new tokens each (greedy, ignore_eos), the
# default model. Prints each side's aggregate tokens/s (median of the rounds) and p50/p99 request latency, then the
# ratios the issue sets goals for (concurrent / one at a time >= 3; imprint / llama-server >= 1).
#
# Environment:
#   MODEL         the GGUF (default: scripts/fetch-default-model.sh's)
#   LLAMA_SERVER  llama-server's path (default: scripts/llama-server/build-llama-server.sh, which builds it once)
#   ROUNDS        alternating rounds (default 3); CLIENTS (16), REQUESTS (16) per round, MAX_TOKENS (64)
#   THREADS       llama-server's --threads (default: the core count); Imprint uses every core
#   IMPRINT_BIN   a release `imprint` to use (default: swift build -c release)
# Opt-in, never part of the tests. Needs python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
model="${MODEL:-$(bash scripts/fetch-default-model.sh)}"
rounds="${ROUNDS:-3}" clients="${CLIENTS:-16}" requests="${REQUESTS:-16}" max_tokens="${MAX_TOKENS:-64}"
threads="${THREADS:-$(nproc)}"
if [ -z "${LLAMA_SERVER:-}" ]; then LLAMA_SERVER="$(bash scripts/llama-server/build-llama-server.sh)"; fi
if [ -z "${IMPRINT_BIN:-}" ]; then
    swift build -c release --product imprint >&2
    IMPRINT_BIN="$(swift build -c release --show-bin-path)/imprint"
fi
out="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

load() { python3 Benchmarks/serve_load.py "$@" --requests "$requests" --rounds 1 --max-tokens "$max_tokens"; }

wait_for() {  # URL: until GET /health answers 200
    for _ in $(seq 1 600); do
        if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1] + '/health', timeout=1)" "$1" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "no server at $1" >&2
    return 1
}

# Both servers run side by side (idle when not measured); the four measurements alternate round by round, so a
# machine that gets busier slows every side alike. Medians over the rounds.
source scripts/serve/start-server.sh
start_imprint_serve --model "$model" --max-batch "$clients"
wait_for "$SERVER_URL"
port=$((20000 + RANDOM % 10000))
# llama-server with one slot per client; the context is split over the slots.
"$LLAMA_SERVER" -m "$model" --host 127.0.0.1 --port "$port" --parallel "$clients" -c $((clients * 512)) \
    --threads "$threads" --log-disable > "$out/llama-server.log" 2>&1 &
llama_pid=$!
llama_url="http://127.0.0.1:$port"
wait_for "$llama_url"
for round in $(seq 1 "$rounds"); do
    load "$SERVER_URL" --clients "$clients" --label imprint >> "$out/imprint.jsonl"
    load "$llama_url" --clients "$clients" --label llama >> "$out/llama.jsonl"
    load "$SERVER_URL" --clients 1 --label imprint-serial >> "$out/imprint-serial.jsonl"
    load "$llama_url" --clients 1 --label llama-serial >> "$out/llama-serial.jsonl"
done
kill "$llama_pid"
wait "$llama_pid" 2>/dev/null || true
stop_imprint_serve

python3 - "$out" "$clients" <<'PY'
import json, os, statistics, sys
folder, clients = sys.argv[1], sys.argv[2]
labels = {"imprint": f"imprint serve, {clients} concurrent", "imprint-serial": "imprint serve, one at a time",
          "llama": f"llama-server --parallel {clients}", "llama-serial": "llama-server, one at a time"}
rows = {}
for name in labels:
    runs = [json.loads(line) for line in open(os.path.join(folder, name + ".jsonl"))]
    rows[name] = {"tokens_per_s": statistics.median(r["tokens_per_s_median"] for r in runs),
                  "p50": statistics.median(r["latency_p50_s"] for r in runs),
                  "p99": max(r["latency_p99_s"] for r in runs), "rounds": [r["tokens_per_s_median"] for r in runs]}
print(f"{'server':36} {'tokens/s':>9} {'p50 s':>7} {'p99 s':>7}   rounds")
for name, label in labels.items():
    row = rows[name]
    print(f"{label:36} {row['tokens_per_s']:9.1f} {row['p50']:7.2f} {row['p99']:7.2f}   "
          + " ".join(f"{value:.1f}" for value in row["rounds"]))
imprint, serial, llama = (rows[k]["tokens_per_s"] for k in ["imprint", "imprint-serial", "llama"])
print(f"imprint concurrent / one at a time: {imprint / serial:.2f}x (goal >= 3)")
print(f"imprint concurrent / llama-server --parallel {clients}: {imprint / llama:.2f}x (goal >= 1)")
PY
