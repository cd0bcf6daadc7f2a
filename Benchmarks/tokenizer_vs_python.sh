#!/usr/bin/env bash
# Encoding throughput, ImprintTokenizer vs HF `tokenizers` (Rust, one thread), same tokenizer, same text.
#
# Usage: Benchmarks/tokenizer_vs_python.sh [MODEL.gguf] [TEXT_FILE] [PASSES]
# SWIFT_SCRATCH_PATH selects SwiftPM's build folder. Defaults: the default model SmolLM2-135M-Instruct (scripts/fetch-default-model.sh), the seed stories
# (/work/shared/seed-data/story_experience/stories.txt, read in place), 200 passes.
# The GGUF's tokenizer is converted to a tokenizer.json with transformers (which ImprintTokenizerTests show gives
# identical ids), and both sides encode the file line by line after one warm-up pass.
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-${IMPRINT_CACHE:-$HOME/.cache/imprint}/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
text="${2:-/work/shared/seed-data/story_experience/stories.txt}"
passes="${3:-200}"
python="${PYTHON:-/work/.venv-ref/bin/python}"
directory="$(mktemp -d)"
trap 'rm -rf "$directory"' EXIT

"$python" - "$model" "$directory" <<'PY'
import os, sys, warnings
warnings.filterwarnings("ignore")
from transformers import AutoTokenizer
model, directory = sys.argv[1], sys.argv[2]
AutoTokenizer.from_pretrained(os.path.dirname(model), gguf_file=os.path.basename(model)).save_pretrained(directory)
PY

scratch=(${SWIFT_SCRATCH_PATH:+--scratch-path "$SWIFT_SCRATCH_PATH"})
swift build -c release --product TokenizerBenchmark "${scratch[@]}" >&2
"$(swift build -c release "${scratch[@]}" --show-bin-path)/TokenizerBenchmark" "$directory" "$text" "$passes"

RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false "$python" Benchmarks/hf_tokenizer_encode.py "$directory/tokenizer.json" "$text" "$passes"
