import Foundation

/// Float32 values encoded as ggml tensor data, bit-exact with gguf-py 0.19's
/// `gguf.quants.quantize` (itself bit-exact with ggml's reference `quantize_row_*_ref`).
///
/// - F32: the values' bits, little-endian.
/// - F16: `numpy.astype(np.float16)`: round to nearest, ties to even; overflow to infinity.
/// - BF16: ggml's `ggml_compute_fp32_to_bf16`: round to nearest even on the high 16 bits; NaN
///   kept quiet (`(bits & 0xffff0000) | 0x400000`).
/// - Q8_0: blocks of 32 values as a float16 scale `d = max|x| / 127` and 32 int8 `round(x / d)`
///   (`roundf`: halves away from zero; `x · (1/d)`, as ggml computes it), 34 bytes a block.
public enum GGMLQuantization {
    /// The types `encode` writes.
    public static let encodable: [GGMLType] = [.f32, .f16, .bf16, .q8_0]

    /// `values` encoded as `type`.
    /// - Precondition: `type` is one of `encodable`; for Q8_0 the count is a multiple of 32
    ///   (each row is, in a valid tensor).
    public static func encode(_ values: [Float], as type: GGMLType) -> Data {
        switch type {
        case .f32:
            return values.withUnsafeBytes { Data($0) }
        case .f16:
            return littleEndianBytes(values.map(HalfPrecision.floatToFloat16Bits))
        case .bf16:
            return littleEndianBytes(values.map(bfloat16Bits))
        case .q8_0:
            return quantizeQ8_0(values)
        default:
            preconditionFailure("GGMLQuantization.encode: \(type) is not one of \(encodable)")
        }
    }

    /// Q8_0 blocks of `values` (`Q8_0.quantize_blocks` in gguf-py's `quants.py`).
    public static func quantizeQ8_0(_ values: [Float]) -> Data {
        let blockSize = GGMLType.q8_0.blockSize
        precondition(values.count % blockSize == 0, "Q8_0 needs a multiple of \(blockSize) values, got \(values.count)")
        var bytes = [UInt8](repeating: 0, count: values.count / blockSize * GGMLType.q8_0.typeSize)
        values.withUnsafeBufferPointer { source in
            for block in 0..<(values.count / blockSize) {
                let start = block * blockSize
                var maximum: Float = 0
                for index in start..<(start + blockSize) { maximum = Swift.max(maximum, Swift.abs(source[index])) }
                let scale = maximum / 127
                let inverse: Float = scale == 0 ? 0 : 1 / scale
                let output = block * GGMLType.q8_0.typeSize
                let scaleBits = HalfPrecision.floatToFloat16Bits(scale)
                bytes[output] = UInt8(scaleBits & 0xFF)
                bytes[output + 1] = UInt8(scaleBits >> 8)
                for index in 0..<blockSize {
                    let quantized = (source[start + index] * inverse).rounded(.toNearestOrAwayFromZero)
                    // Finite weights give -127...127; non-finite ones (no valid model has them) must not trap.
                    let clamped = quantized.isNaN ? 0 : Swift.max(-128, Swift.min(127, quantized))
                    bytes[output + 2 + index] = UInt8(bitPattern: Int8(clamped))
                }
            }
        }
        return Data(bytes)
    }

    /// ggml's `ggml_compute_fp32_to_bf16` (gguf-py `BF16.quantize_blocks`).
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: (bits >> 16) | 64) }
        return UInt16(truncatingIfNeeded: (UInt64(bits) + UInt64(0x7FFF + ((bits >> 16) & 1))) >> 16)
    }

    private static func littleEndianBytes(_ words: [UInt16]) -> Data {
        var data = Data(count: words.count * 2)
        data.withUnsafeMutableBytes { target in
            for (index, word) in words.enumerated() { target.storeBytes(of: word.littleEndian, toByteOffset: index * 2, as: UInt16.self) }
        }
        return data
    }
}
