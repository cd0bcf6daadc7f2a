#!/usr/bin/env bash
# Fuzzes every reader of untrusted input with libFuzzer + AddressSanitizer (Sources/ImprintFuzzing): GGUF,
# safetensors, .npy, tokenizer.json, chat templates, the templates' JSON parser, JSONL datasets, PEFT adapter
# configs, training checkpoints, evaluation files and `imprint serve`'s request bodies. Not part of the tests or CI
# (ImprintFuzzTests replays what campaigns found).
#
# Usage: scripts/fuzz.sh [--seconds S] [--jobs J] [TARGET...]      (default: 600 s per target, 2 at a time, all)
# Builds .build-fuzz/release/imprint-fuzz once, seeds runs/fuzz/TARGET/corpus from the repository's test fixtures
# and Tests/ImprintFuzzTests/Corpus/TARGET (with scripts/fuzz-dictionaries/TARGET.dict as libFuzzer's dictionary
# where there is one), runs each target for S seconds (1 GB RSS limit, 10 s per input), and
# prints executions and findings per target. A finding is left in runs/fuzz/TARGET/findings; commit it under
# Tests/ImprintFuzzTests/Corpus/TARGET once fixed, so the replay test keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600 jobs=2 targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        -*) echo "usage: $0 [--seconds S] [--jobs J] [TARGET...]" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
all=(gguf safetensors npy tokenizer-json jinja json jsonl peft-config checkpoint eval-data serve-request)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# SwiftPM links an executable with its own entry point (`--defsym main=imprint_fuzz_main`); libFuzzer brings
# `main`. So the objects are built by SwiftPM and linked again by the same command without that symbol.
build_log=$(mktemp)
swift build -c release --product imprint-fuzz --scratch-path .build-fuzz -v \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DIMPRINT_FUZZING -Xswiftc -parse-as-library \
    -Xcc -fsanitize=fuzzer-no-link,address >"$build_log" 2>&1 || true
link=$(grep -- '-emit-executable' "$build_log" | grep -- '-o [^ ]*/imprint-fuzz ' | tail -1)
[ -n "$link" ] || { tail -20 "$build_log" >&2; echo "fuzz.sh: the build failed before linking ($build_log)" >&2; exit 1; }
link="${link//-Xlinker --defsym -Xlinker main=imprint_fuzz_main/}"
eval "${link// -v / }" 2>&1 | grep -v "Cannot export local symbol '__asan_extra_spill_area'" >&2 || true
rm -f "$build_log"
binary=$(echo "$link" | grep -o -- '-o [^ ]*/imprint-fuzz ' | awk '{print $2}')
[ -x "$binary" ] || { echo "fuzz.sh: no fuzzing binary at $binary" >&2; exit 1; }

seed() {  # seed TARGET: the fixture files a campaign starts from (small ones; libFuzzer mutates them)
    local directory="runs/fuzz/$1/corpus"
    mkdir -p "$directory" "runs/fuzz/$1/findings"
    local files=()
    case "$1" in
        gguf) mapfile -t files < <(find Tests -name '*.gguf' -size -300k) ;;
        safetensors) mapfile -t files < <(find Tests -name '*.safetensors' -size -400k) ;;
        npy) mapfile -t files < <(find Tests -name '*.npy' -size -64k) ;;
        tokenizer-json) mapfile -t files < <(find Tests -name 'tokenizer.json' -size -64k) ;;
        jinja) mapfile -t files < <(find Tests/ImprintTokenizerTests/Fixtures/templates -type f -size -16k) ;;
        json) mapfile -t files < <(find Tests -name '*.json' -size -8k) ;;
        jsonl) mapfile -t files < <(find Tests -name '*.jsonl' -size -64k) ;;
        peft-config) mapfile -t files < <(find Tests -name 'adapter_config.json') ;;
        checkpoint) mapfile -t files < <(find Tests -name 'trainer_state.json' -o -name 'optimizer.safetensors' -size -64k) ;;
        eval-data) mapfile -t files < <(find Tests/ImprintEvalTests Tests/ImprintCLITests -name '*.jsonl' -size -64k) ;;
        serve-request) ;;  # its seeds are the corpus folder: the server tests' bodies, each behind its endpoint's digit
    esac
    files+=($(find "Tests/ImprintFuzzTests/Corpus/$1" -type f 2>/dev/null))
    local index=0
    for file in "${files[@]}"; do
        [ -f "$file" ] && cp "$file" "$directory/seed-$index-$(basename "$file")" && index=$((index + 1))
    done
}

run() {  # run TARGET: one campaign; prints "TARGET executions findings"
    local target="$1" log="runs/fuzz/$1/fuzz.log" dictionary=()
    [ -f "scripts/fuzz-dictionaries/$target.dict" ] && dictionary=(-dict="scripts/fuzz-dictionaries/$target.dict")
    IMPRINT_FUZZ_TARGET="$target" ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
        "$binary" "runs/fuzz/$target/corpus" "${dictionary[@]}" -max_total_time="$seconds" -rss_limit_mb=1024 -malloc_limit_mb=1024 \
        -timeout=10 -max_len=65536 -print_final_stats=1 -artifact_prefix="runs/fuzz/$target/findings/" \
        -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -fork=1 >"$log" 2>&1 || true
    local executions findings
    executions=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    findings=$(find "runs/fuzz/$target/findings" -type f | wc -l)
    echo "$target executions=${executions:-0} findings=$findings seconds=$seconds"
}

for target in "${targets[@]}"; do seed "$target"; done
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c "$(declare -f run); binary=$binary seconds=$seconds run {}"
