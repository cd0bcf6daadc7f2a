import Foundation

/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), exactly as `torch.optim.AdamW`.
///
/// Per parameter `p` with gradient `g`, at step `t` (from 1), in PyTorch's order:
/// ```
/// p ← p · (1 − lr · weightDecay)
/// m ← m + (1 − β₁)(g − m)            v ← β₂ v + (1 − β₂) g²
/// p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
/// Defaults are PyTorch's: `lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2`.
public final class AdamW: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// The state to checkpoint: the step count and both moments per parameter.
    public var state: State

    /// Everything AdamW remembers between steps, for checkpoints.
    public struct State: Codable, Equatable, Sendable {
        public var step: Int
        public var firstMoments: [[Float]]
        public var secondMoments: [[Float]]
    }

    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 1e-2) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        state = State(step: 0, firstMoments: parameters.map { [Float](repeating: 0, count: $0.count) },
                      secondMoments: parameters.map { [Float](repeating: 0, count: $0.count) })
    }

    public func step() {
        state.step += 1
        // Scalars as PyTorch forms them: Python floats (double), applied as float32.
        let t = Double(state.step)
        let biasCorrection1 = 1 - Foundation.pow(Double(beta1), t)
        let biasCorrection2Root = (1 - Foundation.pow(Double(beta2), t)).squareRoot()
        let stepSize = Float(Double(learningRate) / biasCorrection1)
        let decay = Float(1 - Double(learningRate) * Double(weightDecay))
        let root2 = Float(biasCorrection2Root)
        let (b2, eps) = (beta2, epsilon)
        let oneMinusBeta1 = Float(1 - Double(beta1)), oneMinusBeta2 = Float(1 - Double(beta2))
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            // Move the moments out of `state` while their buffers are in use (no copy, no overlapping access).
            var first: [Float] = [], second: [Float] = []
            swap(&first, &state.firstMoments[index])
            swap(&second, &state.secondMoments[index])
            defer {
                swap(&first, &state.firstMoments[index])
                swap(&second, &state.secondMoments[index])
            }
            first.withUnsafeMutableBufferPointer { firstBuffer in
                second.withUnsafeMutableBufferPointer { secondBuffer in
                    let m = firstBuffer.baseAddress!, v = secondBuffer.baseAddress!
                    parameter.updateInPlace(with: gradient) { p, g, count in
                        parallelFor(count, grain: 1 << 15) { range in
                            for i in range {
                                p[i] *= decay
                                m[i] += oneMinusBeta1 * (g[i] - m[i])
                                v[i] = b2 * v[i] + oneMinusBeta2 * g[i] * g[i]
                                let denominator = Foundation.sqrt(v[i]) / root2 + eps
                                p[i] -= stepSize * (m[i] / denominator)
                            }
                        }
                    }
                }
            }
        }
    }
}
