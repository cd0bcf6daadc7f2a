// Matrix products through OpenBLAS `cblas_sgemm`.

extension Tensor {
    /// The matrix product `op(a) · op(b)` over the last two axes, where `op` transposes when asked.
    ///
    /// - `a`: `[..., M, K]` (or `[..., K, M]` with `transposeA`); `b`: `[..., K, N]` (or `[..., N, K]`).
    /// - Batch axes must be equal, or one operand is a plain matrix shared by every batch entry
    ///   (a weight). A batched `a` times a matrix `b` is one `sgemm` over all rows at once.
    /// - Result: `batch + [M, N]`. Matches `torch.matmul(a, b)` (with `.mT` for the transposes).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got shapes \(a.shape) and \(b.shape)")
        let (m, k) = transposeA ? (a.shape[a.rank - 1], a.shape[a.rank - 2]) : (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (kB, n) = transposeB ? (b.shape[b.rank - 1], b.shape[b.rank - 2]) : (b.shape[b.rank - 2], b.shape[b.rank - 1])
        precondition(k == kB, "matmul inner sizes differ: shapes \(a.shape) and \(b.shape) (transposeA \(transposeA), transposeB \(transposeB))")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        precondition(batchA == batchB || batchA.isEmpty || batchB.isEmpty,
                     "matmul batch axes differ: shapes \(a.shape) and \(b.shape)")
        let batch = batchA.isEmpty ? batchB : batchA
        let batchCount = batch.product
        let output = Tensor.uninitialized(batch + [m, n]) { result in
            guard m > 0, n > 0 else { return }
            a.storage.withUnsafeBufferPointer { left in
                b.storage.withUnsafeBufferPointer { right in
                    let out = result.baseAddress!
                    if k == 0 { out.initialize(repeating: 0, count: result.count); return }
                    if batchB.isEmpty && !transposeA {
                        // All of a's rows against one matrix: a single product.
                        gemm(left.baseAddress!, right.baseAddress!, out, m: m * batchCount, n: n, k: k,
                             transposeA: false, transposeB: transposeB)
                        return
                    }
                    let strideA = batchA.isEmpty ? 0 : m * k, strideB = batchB.isEmpty ? 0 : k * n
                    for entry in 0..<batchCount {
                        gemm(left.baseAddress! + entry * strideA, right.baseAddress! + entry * strideB, out + entry * m * n,
                             m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
                    }
                }
            }
        }
        return record("matmul", output, inputs: [a, b]) { gradient in
            var gradientA: Tensor?, gradientB: Tensor?
            if a.needsGradient {
                switch (transposeA, transposeB) {
                case (false, false): gradientA = matmul(gradient, b, transposeB: true)
                case (false, true): gradientA = matmul(gradient, b)
                case (true, false): gradientA = matmul(b, gradient, transposeB: true)
                case (true, true): gradientA = matmul(b, gradient, transposeA: true, transposeB: true)
                }
                gradientA = gradientA!.summed(toShape: a.shape)
            }
            if b.needsGradient {
                if batchB.isEmpty && !batchA.isEmpty && !transposeA {
                    // Shared matrix: fold the batch into the rows, one product sums over it.
                    let rowsA = a.reshaped([-1, a.shape[a.rank - 1]]), rowsGradient = gradient.reshaped([-1, n])
                    gradientB = transposeB ? matmul(rowsGradient, rowsA, transposeA: true) : matmul(rowsA, rowsGradient, transposeA: true)
                } else {
                    switch (transposeA, transposeB) {
                    case (false, false): gradientB = matmul(a, gradient, transposeA: true)
                    case (false, true): gradientB = matmul(gradient, a, transposeA: true)
                    case (true, false): gradientB = matmul(a, gradient)
                    case (true, true): gradientB = matmul(gradient, a, transposeA: true, transposeB: true)
                    }
                    gradientB = gradientB!.summed(toShape: b.shape)
                }
            }
            return [gradientA, gradientB]
        }
    }

    /// A linear layer: `x · weightᵀ (+ bias)`, with `weight` `[out, in]` as in `torch.nn.Linear`.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        let product = matmul(x, weight, transposeB: true)
        guard let bias else { return product }
        return product + bias
    }

    /// `c = alpha · op(a) · op(b) + beta · c` for contiguous row-major matrices, `c` is `m x n`
    /// (leading dimension `ldc`, default `n`), split over the cores when large (see `BLAS`).
    @inlinable
    public static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                            m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
                            alpha: Float = 1, beta: Float = 0, ldc: Int? = nil, parallel: Bool = true) {
        BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                   a: a, lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n, beta: beta, c: c, ldc: ldc ?? n,
                   parallel: parallel)
    }
}
