#!/usr/bin/env bash
# Checks Imprint's int8 decoding (`--decode int8`: activations quantized to 8-bit blocks as llama.cpp's
# CPU backend does) against llama.cpp on the same GGUF file (issue 20; results in Docs/Performance.md).
# Not a CI test: it builds llama.cpp's greedy probe once (build-llama-cpp.sh, cached).
# For each of 8 varied prompts (chat turns in the file's ChatML template, plain text, code, a list,
# a long sentence, digits): NEW_TOKENS greedy tokens from llama.cpp (scripts/llama-cpp/llama_greedy.cpp)
# and from `imprint generate --temperature 0 --decode int8`, the number that agree before the first
# difference; and the last position's logits of `imprint logits --decode int8` against `--decode
# float32` on the same prompt, as max |Δ| over the float32 logits' range (max − min).
# Passes (exit 0) when every prompt agrees for at least MIN_AGREE tokens and every logit difference is
# within 1% of the range.
#
# Environment:
#   IMPRINT     the imprint binary (default: .build/release/imprint)
#   MODEL       the GGUF file (default: the default model, scripts/fetch-default-model.sh)
#   NEW_TOKENS  greedy tokens per prompt (default: 32)
#   MIN_AGREE   tokens that must agree (default: 16)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
imprint="${IMPRINT:-$root/.build/release/imprint}"
model="${MODEL:-$("$root/scripts/fetch-default-model.sh")}"
new_tokens="${NEW_TOKENS:-32}"
min_agree="${MIN_AGREE:-16}"
probe="$("$here/build-llama-cpp.sh")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

prompts=(
    '<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n'
    '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nGive me three tips for sleeping well.<|im_end|>\n<|im_start|>assistant\n'
    '<|im_start|>user\nTranslate "good morning" into Spanish.<|im_end|>\n<|im_start|>assistant\n'
    'Once upon a time, a girl carried a lantern'
    'def fibonacci(n):'
    'The three primary colors are'
    'In 1969, the first humans landed on the Moon. The mission was called'
    '1, 2, 3, 5, 8, 13,'
)

json_string() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1].replace("\\n", "\n")))' "$1"; }
ids_line() { python3 -c 'import json, sys; print(" ".join(map(str, json.loads(sys.stdin.read()))))'; }
failures=0
for prompt in "${prompts[@]}"; do
    ids="$(json_string "$prompt" | "$imprint" tokenize --model "$model" --jsonl | ids_line)"
    llama="$(printf '%s\n' "$ids" | "$probe" "$model" "$new_tokens")"
    ours="$(json_string "$prompt" | sed 's/^/{"prompt": /; s/$/}/' \
        | "$imprint" generate --model "$model" --jsonl --temperature 0 --max-tokens "$new_tokens" --decode int8 \
        | python3 -c 'import json, sys; print(" ".join(map(str, json.loads(sys.stdin.read())["tokens"])))')"
    "$imprint" logits --model "$model" --tokens "${ids// /,}" --output "$work/int8.npy" --decode int8
    "$imprint" logits --model "$model" --tokens "${ids// /,}" --output "$work/float32.npy" --decode float32
    printf '%s\n' "$ids" | "$probe" "$model" --logits > "$work/llama-logits.txt"
    python3 - "$prompt" "$llama" "$ours" "$work/int8.npy" "$work/float32.npy" "$min_agree" "$work/llama-logits.txt" <<'PY' || failures=$((failures + 1))
import ast, struct, sys
prompt, llama, ours, int8_path, float32_path, min_agree, llama_logits_path = sys.argv[1:]
def last_row(path):
    data = open(path, "rb").read()
    length = struct.unpack("<H", data[8:10])[0]
    rows, vocabulary = ast.literal_eval(data[10:10 + length].decode())["shape"]
    return struct.unpack(f"<{rows * vocabulary}f", data[10 + length:])[-vocabulary:]
expected, actual = llama.split(), ours.split()
agree = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual)))
int8, float32 = last_row(int8_path), last_row(float32_path)
spread = max(float32) - min(float32)
difference = max(abs(a - b) for a, b in zip(int8, float32))
llama_logits = [float(x) for x in open(llama_logits_path).read().split()]
llama_difference = max(abs(a - b) for a, b in zip(llama_logits, float32))
int8_vs_llama = max(abs(a - b) for a, b in zip(int8, llama_logits))
ok = agree >= int(min_agree) and difference <= 0.01 * spread
print(f"{'ok  ' if ok else 'FAIL'} {prompt[:60]!r}: {agree}/{len(expected)} greedy tokens equal llama.cpp's; "
      f"logits (range {spread:.1f}) max |Δ| from float32: Imprint int8 {100 * difference / spread:.2f}%, "
      f"llama.cpp {100 * llama_difference / spread:.2f}%; Imprint int8 vs llama.cpp {100 * int8_vs_llama / spread:.2f}%")
sys.exit(0 if ok else 1)
PY
done
echo "$((${#prompts[@]} - failures)) of ${#prompts[@]} prompts pass"
[ "$failures" -eq 0 ]
