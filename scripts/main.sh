#!/usr/bin/env bash
# Runs Imprint's main job on a fresh Debian machine: installs what is missing, builds in release
# mode, and runs the story experiment example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-default-model.sh >/dev/null
swift build -c release --product StoryExperiment
.build/release/StoryExperiment "$@"
