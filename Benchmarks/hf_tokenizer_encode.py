"""HF `tokenizers` side of the tokenizer benchmarks: encodes TEXT line by line, without special tokens, PASSES
times after one warm-up pass, and prints the median MB/s in TokenizerBenchmark's format.

Usage: hf_tokenizer_encode.py TOKENIZER TEXT PASSES, where TOKENIZER is a tokenizer.json, or a llama.cpp
vocabulary GGUF rebuilt as HF `tokenizers` by Tests/ImprintTokenizerTests/Fixtures/make_vocabulary_fixtures.py.
Run it with RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false (one thread, as Imprint's side)."""
import os
import sys
import time

import tokenizers

path, text, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
if path.endswith(".gguf"):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ImprintTokenizerTests",
                                    "Fixtures"))
    from make_vocabulary_fixtures import build
    tokenizer = build(path)
else:
    tokenizer = tokenizers.Tokenizer.from_file(path)
lines = [line for line in open(text, encoding="utf-8").read().split("\n") if line]
size = sum(len(line.encode("utf-8")) for line in lines)
tokens = sum(len(tokenizer.encode(line, add_special_tokens=False).ids) for line in lines)  # warm-up
rates = []
for _ in range(passes):
    start = time.perf_counter()
    for line in lines:
        tokenizer.encode(line, add_special_tokens=False)
    rates.append(size / 1e6 / (time.perf_counter() - start))
rates.sort()
median = rates[len(rates) // 2]
print(f"tokenizers {tokenizers.__version__} encode: {median:.2f} MB/s median (min {rates[0]:.2f}, max {rates[-1]:.2f}) "
      f"over {passes} passes of {len(lines)} lines, {size} bytes, {tokens} tokens; {median * 1e6 / size * tokens:.0f} tokens/s")
