import CImprintKernels

/// A weight matrix `W` (`[rows, columns]`, used as `x · Wᵀ`) that takes no gradient: a float32
/// tensor without gradients, a `QuantizedMatrix` or a `BFloat16Matrix`.
public protocol FrozenMatrix: AnyObject {
    var rows: Int { get }
    var columns: Int { get }
    /// `out[i, n] = Σ_k x[i, k] · W[n, k]` for `m` rows of `x` (`[m, columns]`), `out` `[m, rows]`.
    func frozenProduct(_ x: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>)
    /// `out[i, k] = Σ_n g[i, n] · W[n, k]` (the input gradient of `x · Wᵀ`), `out` `[m, columns]`.
    func frozenTransposedProduct(_ gradient: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>)
}

/// A float32 weight used as a `FrozenMatrix` (its own `requiresGrad` is ignored: no gradient is made).
public final class FrozenDenseMatrix: FrozenMatrix {
    public let weight: Tensor
    public var rows: Int { weight.shape[0] }
    public var columns: Int { weight.shape[1] }

    public init(_ weight: Tensor) {
        precondition(weight.rank == 2, "a frozen weight is a matrix, got shape \(weight.shape)")
        self.weight = weight
    }

    public func frozenProduct(_ x: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        weight.storage.withUnsafeBufferPointer {
            Tensor.gemm(x, $0.baseAddress!, out, m: m, n: rows, k: columns, transposeA: false, transposeB: true)
        }
    }

    public func frozenTransposedProduct(_ gradient: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        weight.storage.withUnsafeBufferPointer {
            Tensor.gemm(gradient, $0.baseAddress!, out, m: m, n: columns, k: rows, transposeA: false, transposeB: false)
        }
    }
}

extension QuantizedMatrix: FrozenMatrix {
    public func frozenProduct(_ x: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        multiply(x, m: m, into: out)
    }

    public func frozenTransposedProduct(_ gradient: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        multiplyTransposed(gradient, m: m, into: out)
    }
}

extension BFloat16Matrix: FrozenMatrix {
    public func frozenProduct(_ x: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        multiply(x, m: m, into: out)
    }

    public func frozenTransposedProduct(_ gradient: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>) {
        multiplyTransposed(gradient, m: m, into: out)
    }
}

extension Tensor {
    /// `x · Wᵀ + s · (x Aᵀ) Bᵀ` for a frozen `W` `[out, in]` and a low-rank update (LoRA's, with
    /// `down` = A `[r, in]`, `up` = B `[out, r]`), in one output buffer: `x` `[..., in]` → `[..., out]`.
    ///
    /// The same values and gradients as `linear(x, W) + linear(linear(x, A) * s, B)`, without the
    /// full-size intermediate of the update, the addition pass, or a second input-gradient buffer
    /// to add up: the backward writes `g W + s (g B) A` into one tensor. Gradients reach `x`, `A`
    /// and `B` (those that need them), never `W`.
    public static func linear(_ x: Tensor, frozen weight: some FrozenMatrix, down: Tensor? = nil, up: Tensor? = nil,
                              scale: Float = 1) -> Tensor {
        let inputs = weight.columns, outputs = weight.rows
        precondition(x.shape.last == inputs, "linear: input shape \(x.shape) does not end in \(inputs) (weight [\(outputs), \(inputs)])")
        precondition((down == nil) == (up == nil), "a low-rank update needs both A and B")
        let rank = down?.shape[0] ?? 0
        if let down, let up {
            precondition(down.shape == [rank, inputs] && up.shape == [outputs, rank],
                         "low-rank update A \(down.shape), B \(up.shape) does not fit [\(outputs), \(inputs)]")
        }
        let m = x.count / Swift.max(inputs, 1)
        // R = s · x Aᵀ, [m, r]: kept for B's gradient.
        var reduced: [Float] = []
        let output = x.storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(Array(x.shape.dropLast()) + [outputs]) { out in
                guard m > 0 else { return }
                weight.frozenProduct(source.baseAddress!, m: m, into: out.baseAddress!)
                guard let down, let up, rank > 0 else { return }
                reduced = [Float](repeating: 0, count: m * rank)
                if m <= BLAS.smallBatchRows {
                    // Decoding: the small-batch kernel reads A [r, in] and B [out, r] as they are, so no
                    // transposed copies are made for a handful of rows.
                    reduced.withUnsafeMutableBufferPointer { r in
                        LowRank.decodingUpdate(source.baseAddress!, m: m, k: inputs, down: down.storage, up: up.storage, r: rank,
                                               n: outputs, alpha: scale, reduced: r.baseAddress!, into: out.baseAddress!)
                    }
                    return
                }
                let downTransposed = down.transposedValues()  // [in, r]
                let upTransposed = up.transposedValues()      // [r, out]
                reduced.withUnsafeMutableBufferPointer { r in
                    LowRank.reduce(source.baseAddress!, m: m, k: inputs, downTransposed, r: rank, alpha: scale, into: r.baseAddress!)
                    LowRank.expand(UnsafePointer(r.baseAddress!), m: m, r: rank, upTransposed, n: outputs, accumulate: true,
                                   into: out.baseAddress!)
                }
            }
        }
        let recordedInputs = [x] + (down.map { [$0] } ?? []) + (up.map { [$0] } ?? [])
        return record(down == nil ? "frozen_linear" : "frozen_linear_lora", output, inputs: recordedInputs) { gradient in
            guard m > 0 else { return recordedInputs.map { Tensor.zeros($0.shape) } }
            return gradient.storage.withUnsafeBufferPointer { g in
                // sG = s · g B, [m, r]: the gradient of x Aᵀ.
                var scaledReduced: [Float] = []
                if let down, let up, x.needsGradient || down.needsGradient {
                    scaledReduced = [Float](repeating: 0, count: m * rank)
                    scaledReduced.withUnsafeMutableBufferPointer { d in
                        LowRank.reduce(g.baseAddress!, m: m, k: outputs, up.storage, r: rank, alpha: scale, into: d.baseAddress!)
                    }
                }
                var inputGradient: Tensor?
                if x.needsGradient {
                    inputGradient = Tensor.uninitialized(x.shape) { out in
                        weight.frozenTransposedProduct(g.baseAddress!, m: m, into: out.baseAddress!)
                        guard let down else { return }
                        scaledReduced.withUnsafeBufferPointer { d in
                            LowRank.expand(d.baseAddress!, m: m, r: rank, down.storage, n: inputs, accumulate: true, into: out.baseAddress!)
                        }
                    }
                }
                guard let down, let up else { return [inputGradient] }
                var downGradient: Tensor?, upGradient: Tensor?
                if down.needsGradient {
                    // dA = (s · g B)ᵀ x, [r, in].
                    downGradient = x.storage.withUnsafeBufferPointer { source in
                        Tensor.uninitialized([rank, inputs]) { out in
                            scaledReduced.withUnsafeBufferPointer { d in
                                LowRank.outer(d.baseAddress!, m: m, r: rank, source.baseAddress!, q: inputs, into: out.baseAddress!)
                            }
                        }
                    }
                }
                if up.needsGradient {
                    // dB = gᵀ R = (Rᵀ g)ᵀ, [out, r].
                    let transposed = Tensor.uninitialized([rank, outputs]) { out in
                        reduced.withUnsafeBufferPointer { r in
                            LowRank.outer(r.baseAddress!, m: m, r: rank, g.baseAddress!, q: outputs, into: out.baseAddress!)
                        }
                    }
                    upGradient = Tensor(shape: [outputs, rank], storage: transposed.transposedValues())
                }
                return [inputGradient, downGradient, upGradient]
            }
        }
    }
}

extension Tensor {
    /// The values of a matrix `[a, b]` transposed, `[b, a]` row-major.
    func transposedValues() -> [Float] {
        precondition(rank == 2, "transposedValues needs a matrix, got shape \(shape)")
        let (rows, columns) = (shape[0], shape[1])
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            storage.withUnsafeBufferPointer { source in
                for row in 0..<rows {
                    for column in 0..<columns { out[column * rows + row] = source[row * columns + column] }
                }
            }
            initialized = count
        }
    }
}

/// Products with one small dimension `r` (LoRA's rank): AVX-512 kernels of `CImprintKernels` for r
/// a multiple of 16 up to 64, `sgemm` otherwise. Split over the cores by rows or output columns.
enum LowRank {
    /// `out [m, r] = alpha · x [m, k] · w [k, r]`.
    static func reduce(_ x: UnsafePointer<Float>, m: Int, k: Int, _ w: [Float], r: Int, alpha: Float,
                       into out: UnsafeMutablePointer<Float>) {
        w.withUnsafeBufferPointer { weights in
            guard imprint_lowrank_supported(r) == 1 else {
                return Tensor.gemm(x, weights.baseAddress!, out, m: m, n: r, k: k, transposeA: false, transposeB: false, alpha: alpha)
            }
            parallelFor(m, grain: 64) { rows in
                _ = imprint_lowrank_reduce(x, k, weights.baseAddress!, r, alpha, rows.lowerBound, rows.upperBound, out)
            }
        }
    }

    /// `out [m, n] (+)= a [m, r] · w [r, n]`.
    static func expand(_ a: UnsafePointer<Float>, m: Int, r: Int, _ w: [Float], n: Int, accumulate: Bool,
                       into out: UnsafeMutablePointer<Float>) {
        w.withUnsafeBufferPointer { weights in
            guard imprint_lowrank_supported(r) == 1 else {
                return Tensor.gemm(a, weights.baseAddress!, out, m: m, n: n, k: r, transposeA: false, transposeB: false,
                                   beta: accumulate ? 1 : 0)
            }
            parallelFor(m, grain: 64) { rows in
                _ = imprint_lowrank_expand(a, r, weights.baseAddress!, n, accumulate ? 1 : 0, rows.lowerBound, rows.upperBound, out)
            }
        }
    }

    /// For a few rows (decoding): `reduced [m, r] = alpha · x [m, k] · Aᵀ` and `out [m, n] += reduced · Bᵀ`,
    /// with A `[r, k]` and B `[n, r]` in their own layout (`imprint_dense_matmul`).
    static func decodingUpdate(_ x: UnsafePointer<Float>, m: Int, k: Int, down: [Float], up: [Float], r: Int, n: Int,
                               alpha: Float, reduced: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        decodingReduction(x, m: m, k: k, down: down, r: r, alpha: alpha, into: reduced)
        up.withUnsafeBufferPointer { b in
            parallelFor(n, grain: 256) { rows in
                addDecodingUpdate(UnsafePointer(reduced), m: m, up: b.baseAddress!, r: r, n: n, rows: rows, into: out, ldo: n)
            }
        }
    }

    /// `reduced [m, r] = alpha · x [m, k] · Aᵀ` for A `[r, k]` (a decoding step's first half of a LoRA update).
    static func decodingReduction(_ x: UnsafePointer<Float>, m: Int, k: Int, down: [Float], r: Int, alpha: Float,
                                  into reduced: UnsafeMutablePointer<Float>) {
        down.withUnsafeBufferPointer { a in imprint_dense_matmul(a.baseAddress!, k, 0, r, x, m, reduced, r) }
        for index in 0..<(m * r) { reduced[index] *= alpha }
    }

    /// `out[i, c] += Σ_j reduced[i, j] · B[c, j]` for the output columns `c` in `rows` (B `[n, r]`, `out` `ldo` floats a
    /// row). Each value is computed with B's rows in aligned groups of four, as the kernel groups them from a multiple
    /// of four, so it does not depend on how the columns are split between threads or products (fused or alone).
    static func addDecodingUpdate(_ reduced: UnsafePointer<Float>, m: Int, up: UnsafePointer<Float>, r: Int, n: Int,
                                  rows: Range<Int>, into out: UnsafeMutablePointer<Float>, ldo: Int) {
        guard !rows.isEmpty else { return }
        let first = rows.lowerBound & ~3, end = Swift.min(n, (rows.upperBound + 3) & ~3), width = end - first
        let update = UnsafeMutablePointer<Float>.allocate(capacity: m * width)
        defer { update.deallocate() }
        imprint_dense_matmul(up, r, first, end, reduced, m, update - first, width)
        for row in 0..<m {
            let target = out + row * ldo, source = update + row * width - first
            for column in rows { target[column] += source[column] }
        }
    }

    /// `out [r, q] = a [m, r]ᵀ · b [m, q]`.
    static func outer(_ a: UnsafePointer<Float>, m: Int, r: Int, _ b: UnsafePointer<Float>, q: Int,
                      into out: UnsafeMutablePointer<Float>) {
        guard imprint_lowrank_supported(r) == 1 else {
            return Tensor.gemm(a, b, out, m: r, n: q, k: m, transposeA: true, transposeB: false)
        }
        parallelFor((q + 15) / 16, grain: 4) { blocks in
            _ = imprint_lowrank_outer_narrow(a, r, b, q, m, blocks.lowerBound * 16, Swift.min(q, blocks.upperBound * 16), out)
        }
    }
}
