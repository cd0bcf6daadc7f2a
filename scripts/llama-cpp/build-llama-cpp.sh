#!/usr/bin/env bash
# Builds llama.cpp (CPU only) from the llama-cpp-python 0.3.36 source distribution on PyPI, and
# Imprint's greedy-decoding probe scripts/llama-cpp/llama_greedy.cpp against its library; prints
# the probe's path. Cached: a second run only prints the path. Nothing is written into the
# repository; llama.cpp's code stays in the build folder.
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
python="${PYTHON:-python3}"
jobs="${JOBS:-2}"
version="0.3.36"
probe="$build/llama_greedy"

if [ -x "$probe" ] && [ "$probe" -nt "$here/llama_greedy.cpp" ]; then
    echo "$probe"
    exit 0
fi
mkdir -p "$build"

# The source: llama-cpp-python's sdist vendors llama.cpp (vendor/llama.cpp). Only the package
# itself is taken from source; its build requirements (cmake, ninja) come as wheels.
source="$build/llama_cpp_python-$version/vendor/llama.cpp"
if [ ! -f "$source/CMakeLists.txt" ]; then
    "$python" -m pip download --quiet --no-deps --no-binary llama-cpp-python "llama-cpp-python==$version" -d "$build" >&2
    tar -xzf "$build/llama_cpp_python-$version.tar.gz" -C "$build"
fi

# cmake and ninja from PyPI, in a venv of their own.
if [ ! -x "$build/venv/bin/cmake" ] || [ ! -x "$build/venv/bin/ninja" ]; then
    "$python" -m venv "$build/venv"
    "$build/venv/bin/pip" install --quiet cmake ninja >&2
fi
export PATH="$build/venv/bin:$PATH"

# The llama library (and ggml) only: no tools, examples, tests, server or network code.
if [ ! -f "$build/cmake/build.ninja" ]; then
    cmake -S "$source" -B "$build/cmake" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
        -DBUILD_SHARED_LIBS=ON -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF >&2
fi
cmake --build "$build/cmake" --target llama -j "$jobs" >&2

libraries="$(dirname "$(find "$build/cmake" -name 'libllama.so' | head -1)")"
c++ -std=c++17 -O2 -I"$source/include" -I"$source/ggml/include" "$here/llama_greedy.cpp" \
    -L"$libraries" -Wl,-rpath,"$libraries" -lllama -lggml -lggml-base -o "$probe"
echo "$probe"
