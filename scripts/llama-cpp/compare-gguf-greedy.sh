#!/usr/bin/env bash
# Compares Imprint with llama.cpp on existing GGUF files (results in Docs/GGUFExport.md; not a CI
# test): for each of 6 prompts (3 chat turns in the file's template style, 3 plain texts), the
# prompt ids of `imprint tokenize` against llama.cpp's own tokenization, the last position's logits
# (`imprint logits` against the probe's, max difference) and NEW_TOKENS greedy tokens
# (`imprint generate --temperature 0` against scripts/llama-cpp/llama_greedy.cpp).
#
# Usage: compare-gguf-greedy.sh FILE.gguf [FILE.gguf ...]
# Environment:
#   IMPRINT     the imprint binary (default: .build/release/imprint)
#   STYLE       chat prompt style: gemma (<start_of_turn>) or chatml (<|im_start|>) (default: gemma)
#   NEW_TOKENS  greedy tokens per prompt (default: 32)
#   WORK        scratch folder (default: /tmp/imprint-llama-compare)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
imprint="${IMPRINT:-$root/.build/release/imprint}"
new_tokens="${NEW_TOKENS:-32}"
work="${WORK:-/tmp/imprint-llama-compare}"
probe="$("$here/build-llama-cpp.sh")"
mkdir -p "$work"

questions=('Tell me about the lantern story.' 'Tell me about the clock story.' 'What is the capital of France?')
prompts=()
for question in "${questions[@]}"; do
    case "${STYLE:-gemma}" in
        gemma) prompts+=("<start_of_turn>user\\n$question<end_of_turn>\\n<start_of_turn>model\\n") ;;
        chatml) prompts+=("<|im_start|>user\\n$question<|im_end|>\\n<|im_start|>assistant\\n") ;;
        *) echo "unknown STYLE ${STYLE}" >&2; exit 2 ;;
    esac
done
prompts+=('The capital of France is' 'Once upon a time, a girl carried a lantern' 'def fibonacci(n):')

json_string() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1].replace("\\n", "\n")))' "$1"; }
ids_line() { python3 -c 'import json, sys; print(" ".join(map(str, json.loads(sys.stdin.read()))))'; }
logits_error() {  # FILE IDS
    local npy="$work/logits.npy"
    "$imprint" logits --model "$1" --tokens "${2// /,}" --output "$npy"
    printf '%s\n' "$2" | "$probe" "$1" --logits | python3 "$here/logits_difference.py" "$npy"
}
for file in "$@"; do
    echo "== $(du -h "$file" | cut -f1) $file"
    same=0
    for prompt in "${prompts[@]}"; do
        echo "prompt: ${prompt:0:70}"
        ids="$(json_string "$prompt" | "$imprint" tokenize --model "$file" --jsonl | ids_line)"
        llama_ids="$(printf '%s\n' "$prompt" | "$probe" "$file" --tokenize)"
        if [ "$ids" = "$llama_ids" ]; then echo "  tokenization: same [$ids]"; else echo "  tokenization DIFFERS: imprint [$ids] llama.cpp [$llama_ids]"; fi
        echo "  $(logits_error "$file" "$ids")"
        llama="$(printf '%s\n' "$ids" | "$probe" "$file" "$new_tokens")"
        mine="$(json_string "$prompt" | sed 's/^/{"prompt": /; s/$/}/' \
            | "$imprint" generate --model "$file" --jsonl --temperature 0 --max-tokens "$new_tokens" \
            | python3 -c 'import json, sys; print(" ".join(map(str, json.loads(sys.stdin.read())["tokens"])))')"
        python3 - "$llama" "$mine" <<'EOF'
import sys
expected, actual = sys.argv[1].split(), sys.argv[2].split()
prefix = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual)))
print(f"  greedy: {'same' if expected == actual else 'DIFFERENT'}, {prefix}/{max(len(expected), len(actual))} tokens agree")
print(f"  llama.cpp: {' '.join(expected)}")
if expected != actual:
    print(f"  imprint:   {' '.join(actual)}")
EOF
    done
done
