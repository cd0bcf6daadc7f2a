#!/usr/bin/env bash
# Drives `imprint serve` with the official `openai` Python client, unchanged: models, chat completions (plain,
# n, stop, seed, logprobs, streamed with usage), completions (several prompts, token ids, streamed), and the
# errors the client raises (400, 401, 404, 413), on the tiny test model, with an API key. Then SIGTERM: the server
# finishes a request in flight and exits 0.
#
# The one test that needs a package registry: it installs openai==3.51.0 from PyPI into a virtual environment
# (cached in $OPENAI_VENV, default /tmp/imprint-openai-3.51.0) — the install step below.
#
# Environment: IMPRINT_BIN (default: builds and uses the debug `imprint`), PYTHON (default python3), OPENAI_VENV.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
openai_version="3.51.0"
venv="${OPENAI_VENV:-/tmp/imprint-openai-$openai_version}"

# Install step: the official client, pinned, from PyPI.
if ! "$venv/bin/python" -c "import openai, sys; sys.exit(openai.__version__ != '$openai_version')" 2>/dev/null; then
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "openai==$openai_version"
fi

if [ -z "${IMPRINT_BIN:-}" ]; then
    swift build --product imprint >&2
    IMPRINT_BIN="$(swift build --show-bin-path)/imprint"
fi
source scripts/serve/start-server.sh
export IMPRINT_TEST_API_KEY="test-key-$RANDOM$RANDOM"
start_imprint_serve --model Tests/ImprintSFTTests/Fixtures/tiny --model-name tiny --api-key-env IMPRINT_TEST_API_KEY \
    --max-tokens-limit 200 --max-body-bytes 65536
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT

"$venv/bin/python" scripts/serve/openai_client_check.py "$SERVER_URL" "$IMPRINT_TEST_API_KEY"

# Graceful stop: a request in flight is answered in full, then the server exits with status 0.
"$venv/bin/python" - "$SERVER_URL" "$IMPRINT_TEST_API_KEY" "$SERVER_PID" <<'PY' &
import json, os, signal, sys, threading, time, urllib.request
from openai import OpenAI
url, key, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = OpenAI(base_url=url + "/v1", api_key=key, max_retries=0)

def stop_once_decoding():
    request = urllib.request.Request(url + "/health", headers={"Authorization": "Bearer " + key})
    while json.load(urllib.request.urlopen(request))["running_completions"] == 0:
        time.sleep(0.01)
    os.kill(pid, signal.SIGTERM)

threading.Thread(target=stop_once_decoding).start()
reply = client.completions.create(model="tiny", prompt="a", max_tokens=200, temperature=1, seed=2, n=4,
                                  extra_body={"ignore_eos": True})
assert reply.usage.completion_tokens == 4 * 200, reply.usage
print("in-flight request answered in full during SIGTERM")
PY
client_pid=$!
wait "$client_pid"
status=0
wait "$SERVER_PID" || status=$?
trap - EXIT
if [ "$status" -ne 0 ]; then
    echo "imprint serve exited with status $status after SIGTERM" >&2
    cat "$SERVER_LOG" >&2
    exit 1
fi
grep -q "stopped" "$SERVER_LOG"
if grep -q "Tell me" "$SERVER_LOG"; then echo "a prompt was logged without --log-prompts" >&2; exit 1; fi
echo "test-openai-client: all checks passed"
