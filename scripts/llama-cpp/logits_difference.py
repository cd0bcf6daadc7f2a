"""Max |llama.cpp - imprint| over the last position's logits: `imprint logits`' .npy (argv[1]) against the
probe's `--logits` output on stdin (one float per vocabulary entry). Used by check-gguf-export.sh and
compare-gguf-greedy.sh."""
import ast
import struct
import sys

data = open(sys.argv[1], "rb").read()
header_length = struct.unpack("<H", data[8:10])[0]
header = ast.literal_eval(data[10:10 + header_length].decode())
assert header["descr"] == "<f4" and not header["fortran_order"], header
rows, vocabulary = header["shape"]
imprint = struct.unpack(f"<{rows * vocabulary}f", data[10 + header_length:])[-vocabulary:]
llama = [float(x) for x in sys.stdin.read().split()]
assert len(llama) == vocabulary
difference = max(abs(a - b) for a, b in zip(llama, imprint))
print(f"last-position logits: max |llama.cpp - imprint| = {difference:.2e} "
      f"({difference / max(map(abs, imprint)):.2e} of the largest)")
