#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what is missing, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

swift test
