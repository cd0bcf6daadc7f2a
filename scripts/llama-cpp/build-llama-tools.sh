#!/usr/bin/env bash
# Builds llama.cpp command-line tools (CPU only, no web UI, no HTTPS) from the llama-cpp-python 0.3.36
# sdist that build-llama-cpp.sh downloads, and prints the folder that holds them.
#   scripts/llama-cpp/build-llama-tools.sh llama-bench llama-batched-bench llama-server
# Cached: targets already built are only listed. Nothing is written into the repository.
#
# It shares build-llama-cpp.sh's build folder (the sdist and the cmake/ninja venv) but configures its
# own cmake folder (cmake-server/, with the common library and the tools), so the library-only build of
# the parity scripts is left as it is. GGML_NATIVE=ON: the kernels of this machine's CPU, as a user
# building llama.cpp here gets them.
#
# Environment:
#   LLAMA_BUILD  the build folder (default: /work/llama-build, or ~/.cache/imprint/llama-build)
#   PYTHON       a Python 3 with venv and pip (default: python3)
#   JOBS         parallel compile jobs (default: 2)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
default_build="/work/llama-build"
[ -d /work ] || default_build="${IMPRINT_CACHE:-$HOME/.cache/imprint}/llama-build"
build="${LLAMA_BUILD:-$default_build}"
jobs="${JOBS:-2}"
version="0.3.36"
tools_build="$build/cmake-server"
[ "$#" -gt 0 ] || { echo "usage: $0 TARGET... (llama-bench, llama-batched-bench, llama-server)" >&2; exit 2; }

missing=()
for target in "$@"; do [ -x "$tools_build/bin/$target" ] || missing+=("$target"); done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "$tools_build/bin"
    exit 0
fi

# The sdist and the cmake/ninja venv (cached there too).
LLAMA_BUILD="$build" "$here/build-llama-cpp.sh" >/dev/null
export PATH="$build/venv/bin:$PATH"
source="$build/llama_cpp_python-$version/vendor/llama.cpp"

# The tools need the common library; the server's web UI is neither built with npm nor downloaded (the
# server then serves its API only), and HTTPS is off (loopback only).
if [ ! -f "$tools_build/build.ninja" ]; then
    cmake -S "$source" -B "$tools_build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
        -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF >&2
fi
cmake --build "$tools_build" --target "${missing[@]}" -j "$jobs" >&2
echo "$tools_build/bin"
