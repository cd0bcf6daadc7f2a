"""Writes a copy of a GGUF file whose quantized matrices are all re-quantized to one gguf-py type
(Q8_0 by default), for benchmarks that compare block types on the same model.

    .venv-ref/bin/python Benchmarks/requantize_gguf.py IN.gguf OUT.gguf [--type Q8_0]

Metadata is copied as it is (general.file_type updated); F32/F16/BF16 tensors are kept; every
other tensor is dequantized with gguf.quants.dequantize and quantized again with
gguf.quants.quantize. The values are those of the source file rounded once more, which is what
a benchmark of memory and speed needs (not a way to make a better model).
"""
import argparse

import numpy as np
from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter, quants

KEEP = {GGMLQuantizationType.F32, GGMLQuantizationType.F16, GGMLQuantizationType.BF16}
FILE_TYPES = {GGMLQuantizationType.Q8_0: 7, GGMLQuantizationType.Q4_0: 2, GGMLQuantizationType.Q4_1: 3,
              GGMLQuantizationType.Q5_0: 8, GGMLQuantizationType.Q5_1: 9}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--type", default="Q8_0", choices=[t.name for t in FILE_TYPES])
    arguments = parser.parse_args()
    qtype = GGMLQuantizationType[arguments.type]
    reader = GGUFReader(arguments.source)
    architecture = reader.fields["general.architecture"].contents()
    writer = GGUFWriter(arguments.target, architecture)
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        value = FILE_TYPES[qtype] if key == "general.file_type" else field.contents()
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == GGUFValueType.ARRAY else None
        writer.add_key_value(key, value, value_type, sub_type=sub_type)
    for tensor in reader.tensors:
        shape = tuple(int(size) for size in reversed(tensor.shape))
        if tensor.tensor_type in KEEP or len(shape) < 2:
            data = quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape)
            writer.add_tensor(tensor.name, np.asarray(data, dtype=np.float32))
            continue
        values = quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape)
        raw = quants.quantize(values.astype(np.float32), qtype)
        writer.add_tensor(tensor.name, raw, raw_shape=raw.shape, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
