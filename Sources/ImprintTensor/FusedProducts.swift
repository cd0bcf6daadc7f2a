import CImprintKernels

extension QuantizedMatrix {
    /// `outputs[i] = x · matrices[i]ᵀ` for matrices that share `x`'s columns and decoding precision,
    /// `m` rows of `x` (at most `BLAS.smallBatchRows`: decoding): one parallel loop over the rows of
    /// all of them, and for int8 one quantization of `x`. Each output element is computed by the same
    /// kernel on the same inputs as `multiply` computes it alone, so the values are the same.
    ///
    /// A matrix's `LowRankDecodingUpdate` (a LoRA layer) is added in the same pass: `s · x Aᵀ` for every update first
    /// (a few rows), then each piece of the loop adds `(s · x Aᵀ) Bᵀ` to the outputs it has just computed.
    static func multiply(_ matrices: [QuantizedMatrix], _ x: UnsafePointer<Float>, m: Int,
                         into outputs: [UnsafeMutablePointer<Float>], updates: [LowRankDecodingUpdate?] = []) {
        precondition(matrices.count == outputs.count && !matrices.isEmpty, "one output per matrix")
        let columns = matrices[0].columns, precision = matrices[0].decodingPrecision
        precondition(matrices.allSatisfy { $0.columns == columns && $0.decodingPrecision == precision },
                     "fused products need one column count and one decoding precision")
        precondition(m <= BLAS.smallBatchRows, "fused products are for decoding (at most \(BLAS.smallBatchRows) rows), got \(m)")
        precondition(updates.isEmpty || updates.count == matrices.count, "one update (or nil) per matrix")
        // s · x Aᵀ, [m, r], for each matrix with an update.
        let reduced: [[Float]?] = updates.map { update in
            update.map { update in
                [Float](unsafeUninitializedCapacity: m * update.rank) { buffer, count in
                    LowRank.decodingReduction(x, m: m, k: columns, down: update.down, r: update.rank, alpha: update.scale,
                                              into: buffer.baseAddress!)
                    count = m * update.rank
                }
            }
        }
        /// Adds matrix `index`'s update to its output columns `rows`, if it has one.
        func addUpdate(_ index: Int, rows: Range<Int>) {
            guard index < updates.count, let update = updates[index], let reduction = reduced[index] else { return }
            reduction.withUnsafeBufferPointer { r in
                update.up.withUnsafeBufferPointer { b in
                    LowRank.addDecodingUpdate(r.baseAddress!, m: m, up: b.baseAddress!, r: update.rank, n: matrices[index].rows,
                                              rows: rows, into: outputs[index], ldo: matrices[index].rows)
                }
            }
        }
        /// Runs `body(matrix, localUnits)` for the pieces of `range` (units of the concatenation: rows,
        /// or for int8 groups of 16 rows).
        func forEachPiece(_ range: Range<Int>, units: [Int], _ body: (Int, Range<Int>) -> Void) {
            var start = 0
            for (index, count) in units.enumerated() {
                let lower = Swift.max(range.lowerBound, start), upper = Swift.min(range.upperBound, start + count)
                if lower < upper { body(index, (lower - start)..<(upper - start)) }
                start += count
            }
        }
        if precision == .int8 {
            let activations = quantizeActivations(x, m: m, columns: columns)
            let groups = matrices.map(\.int8GroupCount)
            parallelFor(groups.reduce(0, +), grain: 4) { range in
                forEachPiece(range, units: groups) { index, local in
                    matrices[index].int8Product(activations, groups: local, into: outputs[index])
                    addUpdate(index, rows: (local.lowerBound * 16)..<Swift.min(local.upperBound * 16, matrices[index].rows))
                }
            }
            return
        }
        let rows = matrices.map(\.rows)
        let total = rows.reduce(0, +)
        parallelForPieces(total, alignment: 16, minimum: 64, target: 512) { range in
            forEachPiece(range, units: rows) { index, rows in
                let matrix = matrices[index]
                matrix.blocks.withUnsafeBufferPointer { source in
                    imprint_quant_matmul(matrix.format.rawValue, source.baseAddress!, columns, rows.lowerBound, rows.upperBound, x, m,
                                         outputs[index], matrix.rows)
                }
                addUpdate(index, rows: rows)
            }
        }
    }
}

/// A LoRA update `s · x Aᵀ Bᵀ` (A `[r, in]`, B `[out, r]`, row-major values) added to a fused decoding product.
public struct LowRankDecodingUpdate {
    public var down: [Float]
    public var up: [Float]
    public var rank: Int
    public var scale: Float

    public init(down: [Float], up: [Float], rank: Int, scale: Float) {
        self.down = down
        self.up = up
        self.rank = rank
        self.scale = scale
    }
}

extension Tensor {
    /// `x · Wᵢᵀ` for each frozen block-quantized `Wᵢ` (`[outᵢ, in]`), as one fused product (q/k/v,
    /// gate/up): `[..., in]` → `[..., outᵢ]` each, the values `linear(_:quantized:)` gives one by one.
    /// `updates[i]` (a LoRA layer's) is added in the same pass, the values `linear(_:frozen:down:up:scale:)` gives.
    /// Only for decoding without gradients: `nil` (nothing computed) when `x` needs a gradient, has
    /// more than `BLAS.smallBatchRows` rows, or the weights differ in columns or decoding precision.
    public static func fusedLinear(_ x: Tensor, quantized weights: [QuantizedMatrix],
                                   updates: [LowRankDecodingUpdate?] = []) -> [Tensor]? {
        guard let inputs = x.shape.last, !weights.isEmpty, !x.needsGradient else { return nil }
        let m = x.count / Swift.max(inputs, 1)
        guard m >= 1, m <= BLAS.smallBatchRows,
              weights.allSatisfy({ $0.columns == inputs && $0.decodingPrecision == weights[0].decodingPrecision }) else { return nil }
        let leading = Array(x.shape.dropLast())
        // Each product writes straight into its output's storage.
        let storages = withUninitializedArrays(weights.map { $0.rows * m }) { pointers in
            x.storage.withUnsafeBufferPointer { source in
                QuantizedMatrix.multiply(weights, source.baseAddress!, m: m, into: pointers, updates: updates)
            }
        }
        let outputs = zip(weights, storages).map { weight, storage in Tensor(shape: leading + [weight.rows], storage: storage) }
        return outputs
    }
}

/// New arrays of `counts[i]` floats each, all written by one call of `body` with their buffers (every
/// element must be written).
func withUninitializedArrays(_ counts: [Int], _ body: ([UnsafeMutablePointer<Float>]) -> Void) -> [[Float]] {
    var arrays: [[Float]] = []
    func allocate(_ index: Int, _ pointers: [UnsafeMutablePointer<Float>]) {
        guard index < counts.count else { return body(pointers) }
        let array = [Float](unsafeUninitializedCapacity: Swift.max(counts[index], 1)) { buffer, initialized in
            allocate(index + 1, pointers + [buffer.baseAddress!])
            initialized = counts[index]
        }
        arrays.insert(array, at: 0)
    }
    allocate(0, [])
    return arrays
}
