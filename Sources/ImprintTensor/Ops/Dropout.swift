// Inverted dropout, with its backward rule.

extension Tensor {
    /// Inverted dropout, as `torch.nn.functional.dropout(x, p, training=True)`.
    ///
    /// Each element is kept with probability `1 − p` and scaled by `1 / (1 − p)`, else zeroed:
    /// `y = x · m / (1 − p)` with `m ~ Bernoulli(1 − p)`, so `E[y] = x`. The backward rule applies
    /// the same mask: `∂L/∂x = ∂L/∂y · m / (1 − p)`. `p = 0` returns `self` unchanged; `p = 1`
    /// zeroes everything (as PyTorch). The mask comes from `generator`, one uniform draw per element
    /// in row-major order (`keep` when the draw is `≥ p`), so a seed fixes it; it does not
    /// reproduce PyTorch's random stream.
    ///
    /// - Parameters:
    ///   - probability: the chance `p` of zeroing an element, in `[0, 1]`.
    ///   - generator: the source of the mask; advanced by `count` draws (none when `p = 0`).
    public func dropout(probability: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(probability >= 0 && probability <= 1, "dropout probability must be in [0, 1], got \(probability)")
        guard probability > 0 else { return self }
        let keptScale: Float = probability < 1 ? 1 / (1 - probability) : 0
        var multipliers = [Float](repeating: 0, count: count)
        for index in multipliers.indices where generator.nextUniform() >= probability {
            multipliers[index] = keptScale
        }
        let mask = Tensor(shape: shape, storage: multipliers)
        let output = Tensor.broadcastMap(self, mask, *)
        return record("dropout", output, inputs: [self]) { gradient in
            [Tensor.broadcastMap(gradient, mask, *)]
        }
    }
}
