#!/usr/bin/env bash
# Examples/trl_remote_reward.py called exactly as TRL 1.16's GRPOTrainer calls reward functions
# (scripts/serve/trl_reward_check.py runs GRPOTrainer._calculate_rewards itself) against `imprint serve` on the tiny
# test model. Needs the reference stack's Python (torch, trl 1.16.0): PYTHON, default /work/.venv-ref/bin/python;
# skipped, saying so, where it is missing.
#
# Environment: IMPRINT_BIN (default: builds and uses the debug `imprint`), PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-/work/.venv-ref/bin/python}"
if ! "$python" -c "import trl, torch, accelerate" 2>/dev/null; then
    echo "test-trl-remote-reward: skipped ($python has no trl/torch/accelerate)"
    exit 0
fi
if [ -z "${IMPRINT_BIN:-}" ]; then
    swift build --product imprint >&2
    IMPRINT_BIN="$(swift build --show-bin-path)/imprint"
fi
source scripts/serve/start-server.sh
start_imprint_serve --model Tests/ImprintSFTTests/Fixtures/tiny
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
"$python" scripts/serve/trl_reward_check.py "$SERVER_URL"
stop_imprint_serve
trap - EXIT
echo "test-trl-remote-reward: all checks passed"
