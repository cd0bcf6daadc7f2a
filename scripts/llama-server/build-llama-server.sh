#!/usr/bin/env bash
# Builds llama.cpp's OpenAI-compatible `llama-server` (CPU only, no web UI, no HTTPS) from the
# llama-cpp-python 0.3.36 sdist (scripts/llama-cpp/build-llama-tools.sh) and prints its path.
# Cached: a second run only prints the path. Nothing is written into the repository.
# Environment: as build-llama-tools.sh (LLAMA_BUILD, PYTHON, JOBS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
echo "$("$here/../llama-cpp/build-llama-tools.sh" llama-server)/llama-server"
