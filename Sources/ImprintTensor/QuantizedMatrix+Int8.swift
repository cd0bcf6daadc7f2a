import CImprintKernels

/// How products with block-quantized weights (`QuantizedMatrix`) treat their float32 activations.
public enum DecodingPrecision: String, Sendable, CaseIterable {
    /// Float32 activations times the exactly dequantized weights (gguf-py's `dequantize`): the
    /// products of the float32 model, up to the order of additions. The default.
    case float32
    /// llama.cpp's CPU arithmetic: before every product the activations are quantized to 32-value
    /// int8 blocks (ggml's x86 `quantize_row_q8_0`, or `quantize_row_q8_1` for Q4_1 / Q5_1
    /// weights, bit for bit), and each output is `Σ_b d_w·d_x · Σ q_w·q_x` (+ `Σ_b m_w·s_x`) as
    /// `ggml_vec_dot_q8_0_q8_0` and its siblings define it, with exact integer block sums added
    /// block after block (within 1e-7 of ggml's lane order; imprint_int8.h). For Q8_0, Q4_0, Q4_1,
    /// Q5_0, Q5_1 and IQ4_NL weights; the K-quants and IQ4_XS (Q8_K activations in llama.cpp) are
    /// refused. About 2x faster than float32 on a CPU with AVX-512 VNNI.
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

/// Activations quantized to int8 blocks for `DecodingPrecision.int8` products
/// (`QuantizedMatrix.quantizeActivations`): `m` rows of `columns` values.
public struct Int8Activations: Sendable {
    public let m: Int
    public let columns: Int
    /// `[m, columns]` codes.
    public let codes: [Int8]
    /// `[m, columns / 32]`: each block's float16 scale d (as float32), Q8_1's s = float16(d · Σq), and Σq.
    public let scales: [Float], sums: [Float], totals: [Int32]
}

extension QuantizedMatrix {
    /// Runs this matrix's products in `precision` from now on; `name` names the weight in errors.
    /// For int8 on a CPU with AVX-512 VNNI the weights are also repacked for that kernel (16 rows
    /// interleaved; about the size of the blocks again, kept beside them).
    /// - Throws: `DecodingPrecisionError.unsupportedFormat` for int8 with a format that has no
    ///   int8 product (changing nothing).
    public func setDecodingPrecision(_ precision: DecodingPrecision, name: String = "weight") throws {
        if precision == .int8 && !format.supportsInt8Activations {
            throw DecodingPrecisionError.unsupportedFormat(format, weight: name, precision: precision)
        }
        if precision == .int8 && int8Packed == nil && Self.vnniAvailable {
            let count = imprint_int8_packed_bytes(format.rawValue, rows, columns)
            int8Packed = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                blocks.withUnsafeBufferPointer { source in
                    parallelFor(int8GroupCount, grain: 16) { groups in
                        imprint_int8_pack(format.rawValue, source.baseAddress!, rows, columns, groups.lowerBound, groups.upperBound,
                                          buffer.baseAddress!)
                    }
                }
                initialized = count
            }
        }
        decodingPrecision = precision
    }

    /// Whether this CPU has the VNNI kernel (which reads repacked weights).
    static let vnniAvailable = imprint_int8_vnni_available() == 1

    /// Groups of 16 rows: the unit int8 products are split into.
    var int8GroupCount: Int { (rows + 15) / 16 }

    /// The activations of `m` rows of `x` quantized to int8 blocks (`imprint_int8_quantize_rows`).
    public static func quantizeActivations(_ x: UnsafePointer<Float>, m: Int, columns: Int) -> Int8Activations {
        precondition(columns % 32 == 0, "int8 activations need a multiple of 32 columns, got \(columns)")
        let blockCount = columns / 32
        var codes = [Int8](repeating: 0, count: m * columns)
        var scales = [Float](repeating: 0, count: m * blockCount), sums = scales
        var totals = [Int32](repeating: 0, count: m * blockCount)
        codes.withUnsafeMutableBufferPointer { c in
            scales.withUnsafeMutableBufferPointer { s in
                sums.withUnsafeMutableBufferPointer { t in
                    totals.withUnsafeMutableBufferPointer { q in
                        let (c, s, t, q) = (c.baseAddress!, s.baseAddress!, t.baseAddress!, q.baseAddress!)
                        parallelFor(m, grain: Swift.max(1, (1 << 14) / columns)) { rows in
                            imprint_int8_quantize_rows(x + rows.lowerBound * columns, columns, rows.count, c + rows.lowerBound * columns,
                                                       s + rows.lowerBound * blockCount, t + rows.lowerBound * blockCount,
                                                       q + rows.lowerBound * blockCount)
                        }
                    }
                }
            }
        }
        return Int8Activations(m: m, columns: columns, codes: codes, scales: scales, sums: sums, totals: totals)
    }

    /// Rows `16 · groups.lowerBound ..< min(16 · groups.upperBound, rows)` of the int8 product with
    /// `activations`, into `out` (`[m, rows]`): from the repacked weights where the VNNI kernel runs,
    /// else from the blocks; the same bits either way.
    func int8Product(_ activations: Int8Activations, groups: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        activations.codes.withUnsafeBufferPointer { c in
            activations.scales.withUnsafeBufferPointer { s in
                activations.sums.withUnsafeBufferPointer { t in
                    activations.totals.withUnsafeBufferPointer { q in
                        if let int8Packed, int8Packed.withUnsafeBufferPointer({ packed in
                            imprint_int8_matmul_packed(format.rawValue, packed.baseAddress!, columns, rows, groups.lowerBound,
                                                       groups.upperBound, c.baseAddress!, s.baseAddress!, t.baseAddress!,
                                                       q.baseAddress!, activations.m, out, rows) == 1
                        }) {
                            return
                        }
                        blocks.withUnsafeBufferPointer { source in
                            imprint_int8_matmul(format.rawValue, source.baseAddress!, columns, 16 * groups.lowerBound,
                                                Swift.min(16 * groups.upperBound, rows), c.baseAddress!, s.baseAddress!, t.baseAddress!,
                                                activations.m, out, rows)
                        }
                    }
                }
            }
        }
    }

    /// `out[i, n]` = the int8 product of weight row n with activation row i of `x` `[m, columns]`
    /// (`DecodingPrecision.int8`), for any `m`: prompts too, as llama.cpp quantizes them as well.
    func multiplyInt8(_ x: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(format.supportsInt8Activations, "\(format) has no int8 product")
        let activations = Self.quantizeActivations(x, m: m, columns: columns)
        parallelFor(int8GroupCount, grain: 4) { groups in int8Product(activations, groups: groups, into: out) }
    }
}
