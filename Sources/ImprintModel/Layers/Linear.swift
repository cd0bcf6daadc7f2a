import ImprintTensor

/// `y = x Wᵀ + b`, as `torch.nn.Linear`; the weight is `[outputs, inputs]`.
///
/// The weight is either a float32 parameter or a frozen block-quantized matrix kept as the GGUF
/// file stores it (`QuantizedMatrix`, see `ModelLoader.load(path:keepQuantized:)`); reading
/// `weight` on a quantized layer converts it to a float32 parameter (frozen), e.g. to merge an
/// adapter into it. A frozen weight may also be rounded to bfloat16 for mixed-precision products
/// (`useBFloat16Products()`, see `BFloat16Matrix`).
///
/// With a LoRA adapter attached (`LoRA.attach`, `LoRA.load`) and active, the active update's
/// `s · dropout(x) Aᵀ Bᵀ` is added; its `A`/`B` are parameters keyed `lora_A.<name>.weight` and
/// `lora_B.<name>.weight`, as PEFT names them in memory.
public final class Linear: Module {
    /// The float32 weight, `nil` while the layer keeps a quantized one.
    public private(set) var denseWeight: Tensor?
    /// The frozen quantized weight, if the layer was loaded that way.
    public private(set) var quantizedWeight: QuantizedMatrix?
    /// The frozen bfloat16 weight, after `useBFloat16Products()`.
    public private(set) var bfloat16Weight: BFloat16Matrix?
    public let bias: Tensor?
    /// The LoRA adapters of this layer; `nil` until one is attached.
    public internal(set) var lora: LoRALayer?
    public let inputCount: Int
    public let outputCount: Int

    /// A layer with a zero float32 weight (filled from a checkpoint), or with the given quantized weight.
    public init(inputs: Int, outputs: Int, bias: Bool = false, quantized: QuantizedMatrix? = nil) {
        inputCount = inputs
        outputCount = outputs
        self.bias = bias ? Tensor.zeros([outputs]) : nil
        if let quantized {
            precondition(quantized.shape == [outputs, inputs], "quantized weight \(quantized.shape) does not fit Linear(\(inputs) → \(outputs))")
            quantizedWeight = quantized
        } else {
            denseWeight = Tensor.zeros([outputs, inputs])
        }
        super.init()
        if let denseWeight { registerParameter("weight", denseWeight) }
        if let bias = self.bias { registerParameter("bias", bias) }
    }

    /// The float32 weight; a quantized layer is converted first (and stays converted, frozen).
    public var weight: Tensor {
        if let denseWeight { return denseWeight }
        let dense = quantizedWeight?.dequantized() ?? bfloat16Weight!.dequantized()
        registerParameter("weight", dense)
        dense.requiresGrad = false
        denseWeight = dense
        quantizedWeight = nil
        bfloat16Weight = nil
        return dense
    }

    /// True while the weight is kept quantized.
    public var isQuantized: Bool { quantizedWeight != nil }

    /// Whether the weight is frozen: quantized, bfloat16, or a float32 tensor without gradients.
    public var isFrozen: Bool { denseWeight.map { !$0.requiresGrad } ?? true }

    /// Rounds the frozen weight to bfloat16 and runs this layer's products in mixed precision
    /// (bfloat16 operands, float32 sums; `BFloat16Matrix`) from now on. The rounding is permanent,
    /// as loading a bfloat16 checkpoint would be: reading `weight` later gives the rounded values.
    /// Returns false, changing nothing, when the weight is trainable.
    @discardableResult
    public func useBFloat16Products() -> Bool {
        guard isFrozen else { return false }
        if bfloat16Weight != nil { return true }
        bfloat16Weight = BFloat16Matrix(quantizedWeight?.dequantized() ?? denseWeight!)
        if denseWeight != nil { _ = removeParameter("weight") }
        denseWeight = nil
        quantizedWeight = nil
        return true
    }

    /// The frozen weight as one `FrozenMatrix`; nil while the float32 weight is trainable.
    var frozenMatrix: (any FrozenMatrix)? {
        if let bfloat16Weight { return bfloat16Weight }
        if let quantizedWeight { return quantizedWeight }
        if let denseWeight, !denseWeight.requiresGrad { return FrozenDenseMatrix(denseWeight) }
        return nil
    }

    /// `x`: `[..., inputs]` → `[..., outputs]`.
    ///
    /// A frozen weight and the active LoRA update (without dropout in training) run as one fused
    /// product (`Tensor.linear(_:frozen:down:up:scale:)`); otherwise the update is added to the product.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let update = lora?.updateToApply
        guard let frozen = frozenMatrix else {
            let output = Tensor.linear(x, weight: denseWeight!, bias: bias)
            return update.map { output + $0(x, training: isTraining) } ?? output
        }
        // Dropout on the update's input needs the update's own path, as PEFT writes it.
        let fused = update.flatMap { isTraining && $0.dropout > 0 ? nil : $0 }
        var output = Tensor.linear(x, frozen: frozen, down: fused?.down, up: fused?.up, scale: fused?.scale ?? 1)
        if let bias { output = output + bias }
        guard fused == nil, let update else { return output }
        return output + update(x, training: isTraining)
    }

    /// Each layer applied to the same `x`, as one fused product where the layers allow it (q/k/v and
    /// gate/up during decoding): frozen block-quantized weights of one column count and precision, LoRA
    /// updates without training dropout (added in the same pass), and an `x` of at most
    /// `BLAS.smallBatchRows` rows that needs no gradient (`Tensor.fusedLinear`). Otherwise each layer runs
    /// on its own. The values are the same either way.
    static func applied(_ layers: [Linear], to x: Tensor) -> [Tensor] {
        let weights = layers.compactMap(\.quantizedWeight)
        guard weights.count == layers.count else { return layers.map { $0(x) } }
        var updates: [LowRankDecodingUpdate?] = []
        for layer in layers {
            guard let update = layer.lora?.updateToApply else {
                updates.append(nil)
                continue
            }
            // Training dropout, or A and B taking gradients, need the update's own (recorded) path.
            if (layer.isTraining && update.dropout > 0) || (GradientMode.isEnabled && (update.down.requiresGrad || update.up.requiresGrad)) {
                return layers.map { $0(x) }
            }
            updates.append(LowRankDecodingUpdate(down: update.down.storage, up: update.up.storage, rank: update.down.shape[0],
                                                 scale: update.scale))
        }
        guard let products = Tensor.fusedLinear(x, quantized: weights, updates: updates.contains { $0 != nil } ? updates : []) else {
            return layers.map { $0(x) }
        }
        return zip(layers, products).map { layer, product in layer.bias.map { product + $0 } ?? product }
    }
}
