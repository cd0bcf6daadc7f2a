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
                down.storage.withUnsafeBufferPointer { a in
                    reduced.withUnsafeMutableBufferPointer { r in
                        gemm(source.baseAddress!, a.baseAddress!, r.baseAddress!, m: m, n: rank, k: inputs,
                             transposeA: false, transposeB: true, alpha: scale)
                    }
                }
                up.storage.withUnsafeBufferPointer { b in
                    reduced.withUnsafeBufferPointer { r in
                        gemm(r.baseAddress!, b.baseAddress!, out.baseAddress!, m: m, n: outputs, k: rank,
                             transposeA: false, transposeB: true, beta: 1)
                    }
                }
            }
        }
        let recordedInputs = [x] + (down.map { [$0] } ?? []) + (up.map { [$0] } ?? [])
        return record(down == nil ? "frozen_linear" : "frozen_linear_lora", output, inputs: recordedInputs) { gradient in
            guard m > 0 else {
                return [x.needsGradient ? Tensor.zeros(x.shape) : nil] + (down == nil ? [] : [down.map { Tensor.zeros($0.shape) }, up.map { Tensor.zeros($0.shape) }])
            }
            return gradient.storage.withUnsafeBufferPointer { g in
                // sG = s · g B, [m, r]: the gradient of x Aᵀ.
                var scaledReduced: [Float] = []
                if let down, let up, x.needsGradient || down.needsGradient {
                    scaledReduced = [Float](repeating: 0, count: m * rank)
                    up.storage.withUnsafeBufferPointer { b in
                        scaledReduced.withUnsafeMutableBufferPointer { d in
                            gemm(g.baseAddress!, b.baseAddress!, d.baseAddress!, m: m, n: rank, k: outputs,
                                 transposeA: false, transposeB: false, alpha: scale)
                        }
                    }
                }
                var inputGradient: Tensor?
                if x.needsGradient {
                    inputGradient = Tensor.uninitialized(x.shape) { out in
                        weight.frozenTransposedProduct(g.baseAddress!, m: m, into: out.baseAddress!)
                        guard let down else { return }
                        down.storage.withUnsafeBufferPointer { a in
                            scaledReduced.withUnsafeBufferPointer { d in
                                gemm(d.baseAddress!, a.baseAddress!, out.baseAddress!, m: m, n: inputs, k: rank,
                                     transposeA: false, transposeB: false, beta: 1)
                            }
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
                                gemm(d.baseAddress!, source.baseAddress!, out.baseAddress!, m: rank, n: inputs, k: m,
                                     transposeA: true, transposeB: false)
                            }
                        }
                    }
                }
                if up.needsGradient {
                    // dB = gᵀ R, [out, r].
                    upGradient = Tensor.uninitialized([outputs, rank]) { out in
                        reduced.withUnsafeBufferPointer { r in
                            gemm(g.baseAddress!, r.baseAddress!, out.baseAddress!, m: outputs, n: rank, k: m,
                                 transposeA: true, transposeB: false)
                        }
                    }
                }
                return [inputGradient, downGradient, upGradient]
            }
        }
    }
}
