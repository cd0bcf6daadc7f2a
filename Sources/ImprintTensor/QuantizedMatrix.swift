import CImprintKernels

/// A frozen weight matrix kept block-quantized in memory (llama.cpp's Q8_0, Q4_0, Q4_1, Q5_0,
/// Q5_1, IQ4_NL blocks of 32 weights, or Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS super-blocks of 256),
/// and multiplied by dequantizing on the fly.
///
/// Values are exactly those of the dequantized float32 matrix (gguf-py's `gguf.quants.dequantize`),
/// so products agree with the float32 model up to the order of float additions. Memory per weight:
/// Q8_0 1.06 bytes, Q6_K 0.82, Q5_0 0.69, Q5_K 0.69, Q4_1 0.63, Q4_0 0.56, Q4_K 0.56 (float32: 4).
/// Small batches (decoding, up to `BLAS.smallBatchRows` rows) use a kernel that reads every weight
/// byte once; larger ones dequantize `tileRows` rows at a time into a float32 tile and call `sgemm`.
public final class QuantizedMatrix: @unchecked Sendable {
    public enum Format: Int32, Sendable, CaseIterable {
        case q8_0 = 0, q4_0 = 1, q4_1 = 2, q5_0 = 3, q5_1 = 4
        case q2_K = 5, q3_K = 6, q4_K = 7, q5_K = 8, q6_K = 9
        case iq4_NL = 10, iq4_XS = 11

        /// Bytes per block.
        public var blockBytes: Int { Int(imprint_quant_block_bytes(rawValue)) }

        /// Weights per block: 32, or 256 for the K-quants and IQ4_XS.
        public var blockValues: Int { Int(imprint_quant_block_values(rawValue)) }

        /// Bytes of one row of `columns` weights.
        public func rowBytes(columns: Int) -> Int { columns / blockValues * blockBytes }
    }

    public let format: Format
    public let rows: Int
    public let columns: Int
    /// The raw blocks, row after row.
    public let blocks: [UInt8]
    /// How products treat the activations: exact float32 (the default), or quantized to int8 blocks
    /// as llama.cpp's CPU backend does (`setDecodingPrecision(_:)`, QuantizedMatrix+Int8.swift).
    /// Set it before products run, not during them.
    public internal(set) var decodingPrecision: DecodingPrecision = .float32
    /// The weights repacked for the int8 VNNI kernel (`setDecodingPrecision(.int8)` on a CPU with it).
    var int8Packed: [UInt8]?

    /// Rows per float32 tile: about 4M values (16 MB), so most matrices are one tile and `sgemm`
    /// packs the activations only a few times.
    var tileRows: Int { Swift.max(64, (1 << 22) / Swift.max(columns, 1)) }

    /// Wraps raw blocks; `columns` must be a multiple of `format.blockValues` and `blocks` exactly
    /// `rows` rows long.
    public init(format: Format, rows: Int, columns: Int, blocks: [UInt8]) {
        precondition(columns % format.blockValues == 0, "\(format) rows must be a multiple of \(format.blockValues) values, got \(columns)")
        precondition(blocks.count == rows * format.rowBytes(columns: columns),
                     "\(format) matrix [\(rows), \(columns)] needs \(rows * format.rowBytes(columns: columns)) bytes, got \(blocks.count)")
        self.format = format
        self.rows = rows
        self.columns = columns
        self.blocks = blocks
    }

    /// `[rows, columns]`.
    public var shape: [Int] { [rows, columns] }

    /// Bytes held in memory.
    public var byteCount: Int { blocks.count }

    /// Rows `range` as float32 values, row-major.
    public func dequantizedRows(_ range: Range<Int>) -> [Float] {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) out of bounds for \(rows) rows")
        return [Float](unsafeUninitializedCapacity: range.count * columns) { buffer, count in
            blocks.withUnsafeBufferPointer { source in
                parallelFor(range.count, grain: 64) { part in
                    imprint_quant_dequantize_rows(format.rawValue, source.baseAddress!, columns, range.lowerBound + part.lowerBound,
                                                  part.count, buffer.baseAddress! + part.lowerBound * columns)
                }
            }
            count = range.count * columns
        }
    }

    /// The whole matrix as a float32 tensor.
    public func dequantized() -> Tensor {
        Tensor(shape: shape, storage: dequantizedRows(0..<rows))
    }

    /// The rows picked by `ids` (an embedding lookup), `[ids.count, columns]`.
    public func gatherRows(_ ids: [Int]) -> Tensor {
        for id in ids { precondition(id >= 0 && id < rows, "row \(id) is out of range for \(rows) rows") }
        return Tensor.uninitialized([ids.count, columns]) { out in
            blocks.withUnsafeBufferPointer { source in
                parallelFor(ids.count, grain: 16) { range in
                    for position in range {
                        imprint_quant_dequantize_rows(format.rawValue, source.baseAddress!, columns, ids[position], 1,
                                                      out.baseAddress! + position * columns)
                    }
                }
            }
        }
    }

    /// `out[i, n] = Σ_k x[i, k] · W[n, k]` for `m` rows of `x` (`[m, columns]`), `out` `[m, rows]`.
    func multiply(_ x: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        if decodingPrecision == .int8 { return multiplyInt8(x, m: m, into: out) }
        if m <= BLAS.smallBatchRows {
            blocks.withUnsafeBufferPointer { source in
                parallelForPieces(rows, alignment: 16, minimum: 64, target: 512) { range in
                    imprint_quant_matmul(format.rawValue, source.baseAddress!, columns, range.lowerBound, range.upperBound, x, m, out, rows)
                }
            }
            return
        }
        guard !packedProduct(x, m: m, transposed: false, into: out) else { return }
        forEachTile { start, count, tile in
            BLAS.sgemm(transposeA: false, transposeB: true, m: m, n: count, k: columns, a: x, lda: columns,
                       b: tile, ldb: columns, c: out + start, ldc: rows)
        }
    }

    /// `out[i, k] = Σ_n g[i, n] · W[n, k]`: the input gradient of `x · Wᵀ`, `g` `[m, rows]`, `out` `[m, columns]`.
    func multiplyTransposed(_ gradient: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        guard !packedProduct(gradient, m: m, transposed: true, into: out) else { return }
        forEachTile { start, count, tile in
            BLAS.sgemm(transposeA: false, transposeB: false, m: m, n: columns, k: count, a: gradient + start, lda: rows,
                       b: tile, ldb: columns, beta: start == 0 ? 0 : 1, c: out, ldc: columns)
        }
    }

    /// `x · Wᵀ` (or `g · W` when `transposed`) on the packed kernel, which decodes the blocks straight into its panels:
    /// the values and sums of the packed product on a dequantized copy. False where that kernel does not run (no
    /// AVX-512, or `IMPRINT_GEMM=openblas`); the caller then hands float32 tiles to BLAS.
    private func packedProduct(_ a: UnsafePointer<Float>, m: Int, transposed: Bool, into out: UnsafeMutablePointer<Float>) -> Bool {
        _ = BLAS.singleThreaded
        _ = BLAS.gemmChoiceApplied
        let threads = m * rows * columns >= BLAS.parallelThreshold ? parallelWorkerCount : 1
        // x · Wᵀ: [m, columns] → [m, rows]; g · W: [m, rows] → [m, columns].
        let (n, k) = transposed ? (columns, rows) : (rows, columns)
        return blocks.withUnsafeBufferPointer { source in
            imprint_sgemm_quantized(transposed ? 0 : 1, m, n, k, a, k, format.rawValue, source.baseAddress!, out, n, threads)
        } != 0
    }

    /// Dequantizes `tileRows` rows at a time into one reused float32 tile and hands each to `body`
    /// with its first row and row count.
    private func forEachTile(_ body: (_ start: Int, _ count: Int, _ tile: UnsafePointer<Float>) -> Void) {
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: Swift.min(tileRows, rows) * columns)
        defer { tile.deallocate() }
        blocks.withUnsafeBufferPointer { source in
            for start in stride(from: 0, to: rows, by: tileRows) {
                let count = Swift.min(tileRows, rows - start)
                parallelFor(count, grain: 64) { part in
                    imprint_quant_dequantize_rows(format.rawValue, source.baseAddress!, columns, start + part.lowerBound, part.count,
                                                  tile + part.lowerBound * columns)
                }
                body(start, count, tile)
            }
        }
    }
}

extension Tensor {
    /// `x · Wᵀ (+ bias)` with a frozen quantized `W` `[out, in]`: `x` `[..., in]` → `[..., out]`.
    ///
    /// Gradients flow to `x` (and `bias`), never to the frozen weight.
    public static func linear(_ x: Tensor, quantized weight: QuantizedMatrix, bias: Tensor? = nil) -> Tensor {
        let product = linear(x, frozen: weight)
        return bias.map { product + $0 } ?? product
    }
}
