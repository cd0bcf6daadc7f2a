import ImprintTensor

/// `y = x Wᵀ + b`, as `torch.nn.Linear`; `weight` is `[outputs, inputs]`.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public var inputCount: Int { weight.shape[1] }
    public var outputCount: Int { weight.shape[0] }

    /// A zero-initialized layer (weights come from a checkpoint).
    public init(inputs: Int, outputs: Int, bias: Bool = false) {
        weight = Tensor.zeros([outputs, inputs])
        self.bias = bias ? Tensor.zeros([outputs]) : nil
        super.init()
        registerParameter("weight", weight)
        if let bias = self.bias { registerParameter("bias", bias) }
    }

    /// `x`: `[..., inputs]` → `[..., outputs]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.linear(x, weight: weight, bias: bias)
    }
}
