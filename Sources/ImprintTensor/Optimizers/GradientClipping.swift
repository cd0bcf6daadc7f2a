import Foundation

/// Scales all gradients together so their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`; returns the norm before clipping.
///
/// `total = sqrt(Σ_p ‖g_p‖²)`; every gradient is multiplied by `min(1, maxNorm / (total + 1e-6))`.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var squares: Double = 0
    for parameter in parameters {
        guard let gradient = parameter.grad else { continue }
        var norm: Double = 0
        for value in gradient.storage { norm += Double(value) * Double(value) }
        let tensorNorm = Float(norm.squareRoot())  // per-tensor norm in float32, as PyTorch
        squares += Double(tensorNorm) * Double(tensorNorm)
    }
    let total = Float(squares.squareRoot())
    let coefficient = Swift.min(1, maxNorm / (total + 1e-6))
    if coefficient < 1 {
        for parameter in parameters {
            guard let gradient = parameter.grad else { continue }
            gradient.storage.withUnsafeMutableBufferPointer { buffer in
                for index in buffer.indices { buffer[index] *= coefficient }
            }
        }
    }
    return total
}
