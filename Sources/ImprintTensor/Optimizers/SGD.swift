/// Stochastic gradient descent with momentum, as `torch.optim.SGD`.
///
/// With weight decay `λ`, momentum `μ`, dampening `τ`: `g ← g + λ p`; `b ← g` at the first step,
/// then `b ← μ b + (1 − τ) g`; the step uses `g + μ b` with Nesterov, else `b`; `p ← p − lr · step`.
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public var momentum: Float
    public var dampening: Float
    public var weightDecay: Float
    public var nesterov: Bool
    /// Momentum buffers per parameter (empty until the first step that uses them).
    public var momentumBuffers: [[Float]]

    public init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and no dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        momentumBuffers = parameters.map { _ in [] }
    }

    public func step() {
        let (lr, mu, tau, lambda, nesterov) = (learningRate, momentum, dampening, weightDecay, self.nesterov)
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            let firstStep = momentumBuffers[index].isEmpty
            if mu != 0 && firstStep { momentumBuffers[index] = [Float](repeating: 0, count: parameter.count) }
            momentumBuffers[index].withUnsafeMutableBufferPointer { bufferPointer in
                parameter.updateInPlace(with: gradient) { p, g, count in
                    for i in 0..<count {
                        var direction = g[i] + lambda * p[i]
                        if mu != 0 {
                            let b = bufferPointer.baseAddress!
                            b[i] = firstStep ? direction : mu * b[i] + (1 - tau) * direction
                            direction = nesterov ? direction + mu * b[i] : b[i]
                        }
                        p[i] -= lr * direction
                    }
                }
            }
        }
    }
}
