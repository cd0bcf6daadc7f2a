#!/usr/bin/env bash
# Builds llama.cpp's OpenAI-compatible `llama-server` (CPU only, no web UI, no HTTPS) from the same
# llama-cpp-python 0.3.36 sdist as scripts/llama-cpp/build-llama-cpp.sh, and prints its path.
# Cached: a second run only prints the path. Nothing is written into the repository.
#
# It shares build-llama-cpp.sh's build folder (the sdist and the cmake/ninja venv) but configures
# its own cmake folder (cmake-server/), so the library-only build of the decoding benchmarks is
# left as it is. Only the llama-server target is built.
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
server_build="$build/cmake-server"
server="$server_build/bin/llama-server"

if [ -x "$server" ]; then
    echo "$server"
    exit 0
fi

# The sdist and the cmake/ninja venv (cached there too).
LLAMA_BUILD="$build" "$here/../llama-cpp/build-llama-cpp.sh" >/dev/null
export PATH="$build/venv/bin:$PATH"
source="$build/llama_cpp_python-$version/vendor/llama.cpp"

# The server needs the common library and the tools folder; the web UI is neither built with npm nor
# downloaded (the server then serves its API only), and HTTPS is off (loopback only).
if [ ! -f "$server_build/build.ninja" ]; then
    cmake -S "$source" -B "$server_build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
        -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF >&2
fi
cmake --build "$server_build" --target llama-server -j "$jobs" >&2
echo "$server"
