#!/usr/bin/env bash
# Encoding throughput on every llama.cpp test vocabulary, ImprintTokenizer vs HF `tokenizers` (Rust, one thread),
# same tokenizer, same text, same run.
#
# Usage: Benchmarks/tokenizer_vocabularies_vs_python.sh [TEXT_FILE] [PASSES] [VOCABULARY...]
# SWIFT_SCRATCH_PATH selects SwiftPM's build folder. Defaults: the seed stories
# (/work/shared/seed-data/story_experience/stories.txt), 100 passes, the 15 vocabularies with test vectors
# (scripts/fetch-test-vocabularies.sh). ImprintTokenizer reads each GGUF itself; the HF side is the tokenizer
# Tests/ImprintTokenizerTests/Fixtures/make_vocabulary_fixtures.py rebuilds from it (checked there against
# llama.cpp's vectors). Both encode the file line by line, without special tokens, after one warm-up pass.
set -euo pipefail
cd "$(dirname "$0")/.."
text="${1:-/work/shared/seed-data/story_experience/stories.txt}"
passes="${2:-100}"
shift $(( $# > 2 ? 2 : $# ))
vocabularies=("$@")
if [ ${#vocabularies[@]} -eq 0 ]; then
    vocabularies=(bert-bge command-r deepseek-coder deepseek-llm falcon gemma-4 gpt-2 llama-bpe llama-spm mpt phi-3 qwen2
                  qwen35 refact starcoder)
fi
folder="${IMPRINT_CACHE:-$HOME/.cache/imprint}/llama-cpp-vocab"
python="${PYTHON:-/work/.venv-ref/bin/python}"
directory="$(mktemp -d)"
trap 'rm -rf "$directory"' EXIT

scratch=(${SWIFT_SCRATCH_PATH:+--scratch-path "$SWIFT_SCRATCH_PATH"})
swift build -c release --product TokenizerBenchmark "${scratch[@]}" >&2
benchmark="$(swift build -c release "${scratch[@]}" --show-bin-path)/TokenizerBenchmark"

for name in "${vocabularies[@]}"; do
    gguf="$folder/ggml-vocab-$name.gguf"
    echo "== $name"
    "$benchmark" "$gguf" "$text" "$passes"
    RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false "$python" Benchmarks/hf_tokenizer_encode.py "$gguf" "$text" "$passes"
done
