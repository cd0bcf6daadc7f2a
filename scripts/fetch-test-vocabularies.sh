#!/usr/bin/env bash
# Fetches the llama.cpp test vocabularies (models/ggml-vocab-*.gguf with their .inp/.out test vectors)
# and real chat templates (models/templates/*.jinja) from the llama-cpp-python source package on PyPI
# into ${IMPRINT_CACHE:-$HOME/.cache/imprint}/llama-cpp-vocab/. Idempotent: does nothing when present.
# Third-party files are never committed; ImprintTokenizerTests locate them through this cache path.
set -euo pipefail
version="0.3.36"
cache="${IMPRINT_CACHE:-$HOME/.cache/imprint}"
destination="$cache/llama-cpp-vocab"
if [ -f "$destination/.complete-$version" ]; then
    exit 0
fi
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m pip download --quiet --no-deps --no-binary llama-cpp-python "llama-cpp-python==$version" -d "$work" >&2
archive="$(ls "$work"/llama_cpp_python-*.tar.gz)"
tar -xzf "$archive" -C "$work" --wildcards \
    '*/vendor/llama.cpp/models/ggml-vocab-*' '*/vendor/llama.cpp/models/templates/*'
models="$(ls -d "$work"/llama_cpp_python-*/vendor/llama.cpp/models)"
mkdir -p "$destination.partial/templates"
cp "$models"/ggml-vocab-* "$destination.partial/"
cp "$models"/templates/* "$destination.partial/templates/"
rm -rf "$destination"
mv "$destination.partial" "$destination"
touch "$destination/.complete-$version"
echo "llama.cpp test vocabularies in $destination" >&2
