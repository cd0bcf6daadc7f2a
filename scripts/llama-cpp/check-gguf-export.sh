#!/usr/bin/env bash
# Checks that GGUF files written by `imprint convert` run in llama.cpp with Imprint's greedy tokens
# (issue 13 §4; results in Docs/GGUFExport.md). Not a CI test: it builds llama.cpp (cached) and
# takes a few minutes on two cores.
#
#  1. builds llama.cpp and the probe scripts/llama-cpp/llama_greedy.cpp (build-llama-cpp.sh);
#  2. trains a LoRA adapter on the default model with a few steps of `imprint sft` on
#     Tests/ImprintSFTTests/Fixtures/stories.jsonl (cached in $WORK/adapter);
#  3. `imprint convert --adapter` to F32, F16 and Q8_0 GGUF files;
#  4. for every prompt: the prompt ids from `imprint tokenize` (compared with llama.cpp's own
#     tokenization), the last position's logits from llama.cpp and from `imprint logits` (max
#     difference), then NEW_TOKENS greedy tokens from llama.cpp (argmax of the logits) and from
#     `imprint generate --temperature 0` on the same file, and for F32 also from the original
#     model with `--adapter` (adapter unmerged, Q4_1 weights); counts the prompts whose tokens
#     agree and the tokens before the first difference;
#  5. with Imprint's int8 decoding (`--decode int8`: activations quantized as llama.cpp's CPU
#     backend does), the same comparison for the Q8_0 file and for the base model itself (Q4_1).
#
# Environment:
#   IMPRINT     the imprint binary (default: .build/release/imprint; build with swift build -c release)
#   MODEL       the base model (default: the default model, scripts/fetch-default-model.sh)
#   WORK        the working folder (default: /tmp/imprint-llama-check)
#   NEW_TOKENS  greedy tokens per prompt (default: 32)
#   TYPES       the exported types compared with float32 decoding (default: "f32 f16 q8_0")
#   INT8_FILES  the files compared with int8 decoding (default: the Q8_0 export and MODEL)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
imprint="${IMPRINT:-$root/.build/release/imprint}"
model="${MODEL:-$("$root/scripts/fetch-default-model.sh")}"
work="${WORK:-/tmp/imprint-llama-check}"
new_tokens="${NEW_TOKENS:-32}"
probe="$("$here/build-llama-cpp.sh")"
mkdir -p "$work"

if [ ! -f "$work/adapter/adapter_model.safetensors" ]; then
    rm -rf "$work/sft"
    "$imprint" sft --model "$model" --data "$root/Tests/ImprintSFTTests/Fixtures/stories.jsonl" --output "$work/sft" \
        --max-steps 8 --batch-size 2 --learning-rate 1e-3 --warmup-steps 0 --schedule constant --lora-rank 8 \
        --lora-alpha 16 --save-steps 8 --plain >&2
    cp -r "$work/sft/checkpoint-8" "$work/adapter"
fi

# Prompts: chat turns about the trained stories (rendered with the model's template) and plain text.
prompts=(
    '<|im_start|>user\nTell me about the lantern story.<|im_end|>\n<|im_start|>assistant\n'
    '<|im_start|>user\nTell me about the clock story.<|im_end|>\n<|im_start|>assistant\n'
    '<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n'
    'The capital of France is'
    'Once upon a time, a girl carried a lantern'
    'def fibonacci(n):'
)

json_string() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1].replace("\\n", "\n")))' "$1"; }
ids_line() { python3 -c 'import json, sys; print(" ".join(map(str, json.loads(sys.stdin.read()))))'; }
decode="float32"  # imprint's --decode for generated() and logits_error()
generated() {  # imprint generate's tokens for one prompt: MODEL [ADAPTER]
    local arguments=(generate --model "$1" --jsonl --temperature 0 --max-tokens "$new_tokens" --decode "$decode")
    [ -n "${3:-}" ] && arguments+=(--adapter "$3")
    json_string "$2" | sed 's/^/{"prompt": /; s/$/}/' | "$imprint" "${arguments[@]}" \
        | python3 -c 'import json, sys; print(" ".join(map(str, json.loads(sys.stdin.read())["tokens"])))'
}
logits_error() {  # FILE IDS: max |llama.cpp - imprint| over the last position's logits, absolute and relative
    local npy="$work/logits.npy"
    "$imprint" logits --model "$1" --tokens "${2// /,}" --output "$npy" --decode "$decode"
    printf '%s\n' "$2" | "$probe" "$1" --logits | python3 "$here/logits_difference.py" "$npy"
}
compare() {  # LABEL EXPECTED ACTUAL: prints the agreeing prefix
    python3 - "$@" <<'EOF'
import sys
label, expected, actual = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
prefix = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual)))
same = expected == actual
print(f"  {label}: {'same' if same else 'DIFFERENT'}, {prefix}/{max(len(expected), len(actual))} tokens agree")
if not same:
    print(f"    imprint: {' '.join(actual)}")
EOF
}

types="${TYPES-f32 f16 q8_0}"
for type in $types q8_0; do
    file="$work/smollm2-adapter-$type.gguf"
    [ -f "$file" ] || "$imprint" convert --model "$model" --adapter "$work/adapter" --output "$file" --type "$type"
done

for type in $types; do
    file="$work/smollm2-adapter-$type.gguf"
    echo "== $type: $(du -h "$file" | cut -f1) $file"
    for prompt in "${prompts[@]}"; do
        echo "prompt: ${prompt:0:70}"
        ids="$(json_string "$prompt" | "$imprint" tokenize --model "$file" --jsonl | ids_line)"
        llama_ids="$(printf '%s\n' "$prompt" | "$probe" "$file" --tokenize)"
        [ "$ids" = "$llama_ids" ] || echo "tokenization differs: imprint [$ids] llama.cpp [$llama_ids]"
        echo "  $(logits_error "$file" "$ids")"
        llama="$(printf '%s\n' "$ids" | "$probe" "$file" "$new_tokens")"
        imprint_tokens="$(generated "$file" "$prompt")"
        compare "llama.cpp vs imprint ($type file)" "$llama" "$imprint_tokens"
        if [ "$type" = f32 ]; then
            compare "llama.cpp vs imprint (original + adapter)" "$llama" "$(generated "$model" "$prompt" "$work/adapter")"
        fi
        echo "  llama.cpp: $llama"
    done
done

# Int8 decoding: Imprint quantizes the activations of every block-weight product as llama.cpp does.
decode="int8"
for file in ${INT8_FILES-"$work/smollm2-adapter-q8_0.gguf" "$model"}; do
    echo "== --decode int8: $(du -h "$file" | cut -f1) $file"
    for prompt in "${prompts[@]}"; do
        echo "prompt: ${prompt:0:70}"
        ids="$(json_string "$prompt" | "$imprint" tokenize --model "$file" --jsonl | ids_line)"
        echo "  $(logits_error "$file" "$ids")"
        llama="$(printf '%s\n' "$ids" | "$probe" "$file" "$new_tokens")"
        compare "llama.cpp vs imprint --decode int8" "$llama" "$(generated "$file" "$prompt")"
        echo "  llama.cpp: $llama"
    done
done
