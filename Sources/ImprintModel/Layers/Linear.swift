import ImprintTensor

/// `y = x Wᵀ + b`, as `torch.nn.Linear`; `weight` is `[outputs, inputs]`.
///
/// With a LoRA adapter attached (`LoRA.attach`, `LoRA.load`) and active, the active update's
/// `s · dropout(x) Aᵀ Bᵀ` is added; its `A`/`B` are parameters keyed `lora_A.<name>.weight` and
/// `lora_B.<name>.weight`, as PEFT names them in memory.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?
    /// The LoRA adapters of this layer; `nil` until one is attached.
    public internal(set) var lora: LoRALayer?
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
        let output = Tensor.linear(x, weight: weight, bias: bias)
        guard let update = lora?.updateToApply else { return output }
        return output + update(x, training: isTraining)
    }
}
