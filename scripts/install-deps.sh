#!/usr/bin/env bash
# Installs what Imprint needs on a fresh Debian machine: OpenBLAS and LAPACKE headers and libraries.
# Safe to run again: it installs only what is missing.
set -euo pipefail
needed=()
for package in libopenblas-dev liblapacke-dev; do
    dpkg -s "$package" >/dev/null 2>&1 || needed+=("$package")
done
if [ ${#needed[@]} -gt 0 ]; then
    echo "installing: ${needed[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${needed[@]}" >/dev/null
fi
