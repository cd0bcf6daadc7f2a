#!/usr/bin/env bash
# Loads the seeds' real files with `imprint datagen` and checks the counts Docs/DataGeneration.md reports:
# seed 003's qa_pairs.json (3,300 rows, 3,218 facts, 82 repeated rows, quotes removed from every question and
# answer) and seed 000's stories (516 masked examples, as its rl_data.json). Not a test: the seed data is not part
# of the repository.
#
#     scripts/check-seed-data.sh [SEED_DATA_DIR] [IMPRINT_BINARY]
#
# SEED_DATA_DIR defaults to ../shared/seed-data; IMPRINT_BINARY to .build/release/imprint.
set -euo pipefail
seed_data="${1:-../shared/seed-data}"
imprint="${2:-.build/release/imprint}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

report="$("$imprint" datagen facts --from "$seed_data/reward_gen/qa_pairs.json" --output "$scratch/rg.jsonl" 2>&1)"
echo "$report"
expect() {
    if ! grep -qF -- "$1" <<<"$2"; then echo "check-seed-data: expected \"$1\"" >&2; exit 1; fi
}
expect "rows: 3300, kept: 3218, distinct facts: 3218" "$report"
expect "surrounding quotes removed: answer 3300, question 3300" "$report"
expect "repeated facts: 82 rows repeat 72 facts; dropped: 82" "$report"
[ "$(wc -l < "$scratch/rg.jsonl")" -eq 3218 ] || { echo "check-seed-data: rg.jsonl should have 3218 rows" >&2; exit 1; }
if grep -q '"question": "\\"' "$scratch/rg.jsonl"; then echo "check-seed-data: a question kept its quotes" >&2; exit 1; fi

all="$("$imprint" datagen facts --from "$seed_data/reward_gen/qa_pairs.json" --repeated keep-all --output "$scratch/all.jsonl" 2>&1)"
expect "rows: 3300, kept: 3300" "$all"

masked="$("$imprint" datagen mask --stories "$seed_data/story_experience" --output "$scratch/masked.jsonl" 2>&1)"
echo "$masked"
expect "516 examples from 100 stories" "$masked"
echo "check-seed-data: ok"
