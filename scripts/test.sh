#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what is missing, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-test-vocabularies.sh  # llama.cpp vocabularies and chat templates for ImprintTokenizerTests
bash scripts/fetch-default-model.sh >/dev/null  # SmolLM2-135M-Instruct GGUF: its vocabulary and chat template, and the real-model integration test

swift test --disable-swift-testing
# imprint serve driven by the official openai Python client (the one step that installs from PyPI: openai, pinned),
# and TRL's reward-function convention against /v1/rewards (skipped without the reference stack's torch and trl).
bash scripts/test-openai-client.sh
bash scripts/test-trl-remote-reward.sh
