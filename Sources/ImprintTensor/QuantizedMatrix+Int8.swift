import CImprintKernels

/// How products with block-quantized weights (`QuantizedMatrix`) treat their float32 activations.
public enum DecodingPrecision: String, Sendable, CaseIterable {
    /// Float32 activations times the exactly dequantized weights (gguf-py's `dequantize`): the
    /// products of the float32 model, up to the order of additions. The default.
    case float32
    /// llama.cpp's CPU arithmetic: before every product the activations are quantized to 32-value
    /// int8 blocks (ggml's x86 `quantize_row_q8_0`, or `quantize_row_q8_1` for Q4_1 / Q5_1
    /// weights), and each output is `Σ_b d_w·d_x · Σ q_w·q_x` (+ `Σ_b m_w·s_x`), as
    /// `ggml_vec_dot_q8_0_q8_0` and its siblings compute it. For Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and
    /// IQ4_NL weights; the K-quants and IQ4_XS (Q8_K activations in llama.cpp) are refused.
    case int8
}

/// A decoding precision that a model's weights cannot use.
public enum DecodingPrecisionError: Error, Equatable, CustomStringConvertible {
    /// `weight` is stored as `format`, which has no int8 product.
    case unsupportedFormat(QuantizedMatrix.Format, weight: String, precision: DecodingPrecision)
    /// The model keeps no weight block-quantized (loaded from float32 / float16 files, or without
    /// `keepQuantized`), so there is nothing to run in `precision`.
    case noQuantizedWeights(precision: DecodingPrecision)

    public var description: String {
        switch self {
        case .unsupportedFormat(let format, let weight, let precision):
            return "\(weight) is \(format), which has no \(precision.rawValue) product (supported: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL)"
        case .noQuantizedWeights(let precision):
            return "\(precision.rawValue) decoding needs block-quantized weights (a Q8_0 / Q4_x GGUF file, kept quantized); this model has none"
        }
    }
}

extension QuantizedMatrix.Format {
    /// Whether products with this format have an int8 version (`DecodingPrecision.int8`).
    public var supportsInt8Activations: Bool { imprint_int8_supported(rawValue) == 1 }
}

extension QuantizedMatrix {
    /// Runs this matrix's products in `precision` from now on; `name` names the weight in errors.
    /// - Throws: `DecodingPrecisionError.unsupportedFormat` for int8 with a format that has no
    ///   int8 product (changing nothing).
    public func setDecodingPrecision(_ precision: DecodingPrecision, name: String = "weight") throws {
        if precision == .int8 && !format.supportsInt8Activations {
            throw DecodingPrecisionError.unsupportedFormat(format, weight: name, precision: precision)
        }
        decodingPrecision = precision
    }

    /// The activations of `m` rows of `x` quantized to int8 blocks (`imprint_int8_quantize_rows`):
    /// codes `[m, columns]`, float16 scales and Q8_1 sums `[m, columns / 32]`.
    public static func quantizeActivations(_ x: UnsafePointer<Float>, m: Int, columns: Int)
        -> (codes: [Int8], scales: [Float], sums: [Float]) {
        precondition(columns % 32 == 0, "int8 activations need a multiple of 32 columns, got \(columns)")
        let blockCount = columns / 32
        var codes = [Int8](repeating: 0, count: m * columns)
        var scales = [Float](repeating: 0, count: m * blockCount), sums = scales
        codes.withUnsafeMutableBufferPointer { c in
            scales.withUnsafeMutableBufferPointer { s in
                sums.withUnsafeMutableBufferPointer { t in
                    let (c, s, t) = (c.baseAddress!, s.baseAddress!, t.baseAddress!)
                    parallelFor(m, grain: Swift.max(1, (1 << 14) / columns)) { rows in
                        imprint_int8_quantize_rows(x + rows.lowerBound * columns, columns, rows.count, c + rows.lowerBound * columns,
                                                   s + rows.lowerBound * blockCount, t + rows.lowerBound * blockCount)
                    }
                }
            }
        }
        return (codes, scales, sums)
    }

    /// `out[i, n]` = the int8 product of weight row n with activation row i of `x` `[m, columns]`
    /// (`DecodingPrecision.int8`), for any `m`: prompts too, as llama.cpp quantizes them as well.
    func multiplyInt8(_ x: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(format.supportsInt8Activations, "\(format) has no int8 product")
        let (codes, scales, sums) = Self.quantizeActivations(x, m: m, columns: columns)
        blocks.withUnsafeBufferPointer { source in
            codes.withUnsafeBufferPointer { c in
                scales.withUnsafeBufferPointer { s in
                    sums.withUnsafeBufferPointer { t in
                        parallelFor(rows, grain: 64) { range in
                            imprint_int8_matmul(format.rawValue, source.baseAddress!, columns, range.lowerBound, range.upperBound,
                                                c.baseAddress!, s.baseAddress!, t.baseAddress!, m, out, rows)
                        }
                    }
                }
            }
        }
    }
}
