import CImprintKernels

extension QuantizedMatrix {
    /// `outputs[i] = x · matrices[i]ᵀ` for matrices that share `x`'s columns and decoding precision,
    /// `m` rows of `x` (at most `BLAS.smallBatchRows`: decoding): one parallel loop over the rows of
    /// all of them, and for int8 one quantization of `x`. Each output element is computed by the same
    /// kernel on the same inputs as `multiply` computes it alone, so the values are the same.
    static func multiply(_ matrices: [QuantizedMatrix], _ x: UnsafePointer<Float>, m: Int,
                         into outputs: [UnsafeMutablePointer<Float>]) {
        precondition(matrices.count == outputs.count && !matrices.isEmpty, "one output per matrix")
        let columns = matrices[0].columns, precision = matrices[0].decodingPrecision
        precondition(matrices.allSatisfy { $0.columns == columns && $0.decodingPrecision == precision },
                     "fused products need one column count and one decoding precision")
        precondition(m <= BLAS.smallBatchRows, "fused products are for decoding (at most \(BLAS.smallBatchRows) rows), got \(m)")
        // Row offsets of each matrix in the concatenation.
        var starts = [0]
        for matrix in matrices { starts.append(starts.last! + matrix.rows) }
        let total = starts.last!
        /// Runs `body(matrix, localRows)` for the pieces of `range` (rows of the concatenation).
        func forEachPiece(_ range: Range<Int>, _ body: (Int, Range<Int>) -> Void) {
            for index in matrices.indices {
                let lower = Swift.max(range.lowerBound, starts[index]), upper = Swift.min(range.upperBound, starts[index + 1])
                if lower < upper { body(index, (lower - starts[index])..<(upper - starts[index])) }
            }
        }
        if precision == .int8 {
            let (codes, scales, sums) = quantizeActivations(x, m: m, columns: columns)
            codes.withUnsafeBufferPointer { c in
                scales.withUnsafeBufferPointer { s in
                    sums.withUnsafeBufferPointer { t in
                        parallelFor(total, grain: 64) { range in
                            forEachPiece(range) { index, rows in
                                let matrix = matrices[index]
                                matrix.blocks.withUnsafeBufferPointer { source in
                                    imprint_int8_matmul(matrix.format.rawValue, source.baseAddress!, columns, rows.lowerBound, rows.upperBound,
                                                        c.baseAddress!, s.baseAddress!, t.baseAddress!, m, outputs[index], matrix.rows)
                                }
                            }
                        }
                    }
                }
            }
            return
        }
        parallelFor(total, grain: 256) { range in
            forEachPiece(range) { index, rows in
                let matrix = matrices[index]
                matrix.blocks.withUnsafeBufferPointer { source in
                    imprint_quant_matmul(matrix.format.rawValue, source.baseAddress!, columns, rows.lowerBound, rows.upperBound, x, m,
                                         outputs[index], matrix.rows)
                }
            }
        }
    }
}

extension Tensor {
    /// `x · Wᵢᵀ` for each frozen block-quantized `Wᵢ` (`[outᵢ, in]`), as one fused product (q/k/v,
    /// gate/up): `[..., in]` → `[..., outᵢ]` each, the values `linear(_:quantized:)` gives one by one.
    /// Only for decoding without gradients: `nil` (nothing computed) when `x` needs a gradient, has
    /// more than `BLAS.smallBatchRows` rows, or the weights differ in columns or decoding precision.
    public static func fusedLinear(_ x: Tensor, quantized weights: [QuantizedMatrix]) -> [Tensor]? {
        guard let inputs = x.shape.last, !weights.isEmpty, !x.needsGradient else { return nil }
        let m = x.count / Swift.max(inputs, 1)
        guard m >= 1, m <= BLAS.smallBatchRows,
              weights.allSatisfy({ $0.columns == inputs && $0.decodingPrecision == weights[0].decodingPrecision }) else { return nil }
        let leading = Array(x.shape.dropLast())
        // One buffer for all products, then each output's values copied out (m · Σ outᵢ floats: little).
        let total = weights.reduce(0) { $0 + $1.rows } * m
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: total)
        defer { buffer.deallocate() }
        var pointers: [UnsafeMutablePointer<Float>] = [], offset = 0
        for weight in weights {
            pointers.append(buffer + offset)
            offset += weight.rows * m
        }
        x.storage.withUnsafeBufferPointer { source in
            QuantizedMatrix.multiply(weights, source.baseAddress!, m: m, into: pointers)
        }
        let outputs = zip(weights, pointers).map { weight, pointer in
            Tensor(shape: leading + [weight.rows], storage: Array(UnsafeBufferPointer(start: pointer, count: weight.rows * m)))
        }
        return outputs
    }
}
