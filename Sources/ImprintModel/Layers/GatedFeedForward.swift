import ImprintTensor

/// The gated MLP of Llama, Qwen2 and Gemma: `down(act(gate(x)) ⊙ up(x))`.
///
/// `act` is SiLU (Llama, Qwen2) or GELU with the tanh approximation (Gemma's `gelu_pytorch_tanh`).
public final class GatedFeedForward: Module {
    public enum Activation: String, Codable, Sendable {
        case silu
        case geluTanh
    }

    public let gateProjection: Linear
    public let upProjection: Linear
    public let downProjection: Linear
    public let activation: Activation

    public init(hiddenSize: Int, intermediateSize: Int, activation: Activation,
                keyPrefix: String = "", quantized: [String: QuantizedMatrix] = [:]) {
        gateProjection = Linear(inputs: hiddenSize, outputs: intermediateSize, quantized: quantized[keyPrefix + "gate_proj.weight"])
        upProjection = Linear(inputs: hiddenSize, outputs: intermediateSize, quantized: quantized[keyPrefix + "up_proj.weight"])
        downProjection = Linear(inputs: intermediateSize, outputs: hiddenSize, quantized: quantized[keyPrefix + "down_proj.weight"])
        self.activation = activation
        super.init()
        registerChild("gate_proj", gateProjection)
        registerChild("up_proj", upProjection)
        registerChild("down_proj", downProjection)
    }

    /// `[B, T, hidden]` → `[B, T, hidden]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let projections = Linear.applied([gateProjection, upProjection], to: x)
        let (gate, up) = (projections[0], projections[1])
        if activation == .silu { return downProjection(Tensor.swiGLU(gate: gate, up: up)) }
        return downProjection(gate.gelu(approximateWithTanh: true) * up)
    }
}
