#!/usr/bin/env bash
# Imprint's OpenAI-compatible HTTP client against a real third-party server: llama.cpp's llama-server (built once by
# build-llama-server.sh, cached) serving the default model on loopback. Runs Benchmarks/ServerClientCheck (chat, raw
# completions, stop strings, n completions with the fallback for an n the server refuses, log-probabilities, JSON
# output, prompt order, a refused request's error, seed 003's judge reward) and prints what the server answered.
# Not part of CI (the server build takes 10-25 minutes on 2 cores). Exit status: the check's.
#
# Environment:
#   MODEL    the GGUF to serve (default: the default model, scripts/fetch-default-model.sh)
#   PORT     the loopback port (default: 18080)
#   SCRATCH  swift build's --scratch-path (default: .build)
#   JOBS     compile jobs for the server build (default: 2)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
model="${MODEL:-${IMPRINT_CACHE:-$HOME/.cache/imprint}/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
port="${PORT:-18080}"
scratch="${SCRATCH:-.build}"
if [ ! -f "$model" ]; then
    echo "no model at $model: run scripts/fetch-default-model.sh or set MODEL" >&2
    exit 1
fi

server="$("$root/scripts/llama-server/build-llama-server.sh")"
(cd "$root" && swift build --scratch-path "$scratch" --product ServerClientCheck >&2)
check="$(cd "$root" && swift build --scratch-path "$scratch" --show-bin-path)/ServerClientCheck"

# Two slots: an n of 2 is answered in one request, an n of 4 is refused (the client then asks 4 times).
log="$(mktemp)"
"$server" --model "$model" --host 127.0.0.1 --port "$port" --parallel 2 --ctx-size 4096 --threads 2 >"$log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; rm -f "$log"' EXIT

for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "llama-server stopped:" >&2
        tail -20 "$log" >&2
        exit 1
    fi
    sleep 1
done
echo "llama-server $("$server" --version 2>&1 | head -1) serving $(basename "$model") on 127.0.0.1:$port (2 slots)"
"$check" "http://127.0.0.1:$port/v1" --n-refused 4
