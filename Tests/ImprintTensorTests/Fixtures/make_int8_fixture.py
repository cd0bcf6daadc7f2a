"""Records int8_products.json: ggml's CPU int8 arithmetic (ggml_int8_products.c, compiled against
the llama.cpp build of scripts/llama-cpp/build-llama-cpp.sh) and gguf-py 0.19's Q8_0 quantizer on
the same activations, for Int8ProductTests.

Activations [5, 96] (three blocks a row): row 0 has max |x| = 127 (so 127 / amax = 1) and exact
halves, the ties where ggml's CPU rounding (to nearest even) and gguf-py's np_roundf (away from
zero) differ; row 1 a zero block, a block of tiny values (d is a float16 subnormal) and a block
of large ones; rows 2-4 normal values. Weights [7, 96] normal values.

Usage: /work/.venv-ref/bin/python make_int8_fixture.py (LLAMA_BUILD: the llama.cpp build folder).
"""
import json
import os
import subprocess
import tempfile

import numpy as np
from gguf import quants, GGMLQuantizationType

here = os.path.dirname(os.path.abspath(__file__))
build = os.environ.get("LLAMA_BUILD", "/work/llama-build")
source = f"{build}/llama_cpp_python-0.3.36/vendor/llama.cpp"
libraries = f"{build}/cmake/bin"

rng = np.random.default_rng(20261205)
m, k, n = 5, 96, 7
x = rng.standard_normal((m, k)).astype(np.float32)
x[0, :32] = np.concatenate([[127.0, -126.5, 2.5, -3.5, 0.5, -0.5, 1.5, 64.5], rng.integers(-120, 120, 24) + 0.5]).astype(np.float32)
x[0, 32:64] *= 3.0
x[1, :32] = 0.0
x[1, 32:64] = (rng.standard_normal(32) * 1e-6).astype(np.float32)
x[1, 64:] = (rng.standard_normal(32) * 300.0).astype(np.float32)
w = (rng.standard_normal((n, k)) * 0.05).astype(np.float32)

with tempfile.TemporaryDirectory() as work:
    probe = os.path.join(work, "ggml_int8_products")
    subprocess.run(["cc", "-O2", f"-I{source}/ggml/include", os.path.join(here, "ggml_int8_products.c"), f"-L{libraries}",
                    f"-Wl,-rpath,{libraries}", "-lggml-cpu", "-lggml-base", "-o", probe], check=True)
    text = f"{m} {k} {n}\n" + " ".join(repr(float(v)) for v in x.ravel()) + "\n" + " ".join(repr(float(v)) for v in w.ravel())
    ggml = json.loads(subprocess.run([probe], input=text, capture_output=True, text=True, check=True).stdout)

fixture = {
    "m": m, "k": k, "n": n,
    "x": [float(v) for v in x.ravel()],
    "ggml_activations": ggml["activations"],
    "gguf_py_q8_0": quants.quantize(x, GGMLQuantizationType.Q8_0).tobytes().hex(),
    "weights": ggml["weights"],
}
with open(os.path.join(here, "int8_products.json"), "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
