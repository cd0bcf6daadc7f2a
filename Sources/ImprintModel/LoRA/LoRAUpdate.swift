import ImprintTensor

/// The low-rank update of one linear layer under one adapter: `ΔW = s · B A`.
///
/// `down` is PEFT's `lora_A.weight` `[r, in]`, `up` is `lora_B.weight` `[out, r]`; the output it
/// adds is `s · dropout(x) Aᵀ Bᵀ`, as `peft.tuners.lora.layer.Linear.forward` computes
/// `lora_B(lora_A(dropout(x))) * scaling`.
public final class LoRAUpdate {
    /// `A` `[r, in]` (PEFT `lora_A.weight`).
    public let down: Tensor
    /// `B` `[out, r]` (PEFT `lora_B.weight`).
    public let up: Tensor
    /// `s`: `α / r`, or `α / √r` with rsLoRA.
    public let scale: Float
    /// The dropout probability on the input, applied in training mode only.
    public let dropout: Float
    /// Draws the dropout masks; seeded when the adapter is attached or loaded.
    var dropoutGenerator: RandomGenerator
    /// Whether `A` and `B` take gradients while this update's adapter is active.
    var isTrainable = true

    init(down: Tensor, up: Tensor, scale: Float, dropout: Float, dropoutGenerator: RandomGenerator) {
        precondition(down.rank == 2 && up.rank == 2 && down.shape[0] == up.shape[1],
                     "LoRA needs A [r, in] and B [out, r], got \(down.shape) and \(up.shape)")
        self.down = down
        self.up = up
        self.scale = scale
        self.dropout = dropout
        self.dropoutGenerator = dropoutGenerator
    }

    /// PEFT's default initialization (`init_lora_weights=True`): `A ~ U(−1/√in, 1/√in)`, which is
    /// `kaiming_uniform_(a=√5)` for fan-in `in`, and `B = 0`, so a fresh update adds nothing.
    static func initialized(inputs: Int, outputs: Int, rank: Int, scale: Float, dropout: Float,
                            generator: inout RandomGenerator) -> LoRAUpdate {
        let bound = 1 / Float(inputs).squareRoot()
        let down = Tensor.randomUniform([rank, inputs], low: -bound, high: bound, generator: &generator)
        let dropoutGenerator = RandomGenerator(seed: generator.next())
        return LoRAUpdate(down: down, up: Tensor.zeros([outputs, rank]), scale: scale, dropout: dropout,
                          dropoutGenerator: dropoutGenerator)
    }

    /// The added output `s · dropout(x) Aᵀ Bᵀ`: `[..., in]` → `[..., out]`.
    ///
    /// The scale multiplies the rank-`r` intermediate, the smallest tensor on the path.
    func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        let input = training && dropout > 0 ? x.dropout(probability: dropout, generator: &dropoutGenerator) : x
        let reduced = Tensor.linear(input, weight: down) * scale  // [..., r]
        return Tensor.linear(reduced, weight: up)                  // [..., out]
    }

    /// `weight += sign · s · B A` in place, outside the graph (`sign` is +1 to merge, −1 to unmerge).
    func addDelta(to weight: Tensor, sign: Float) {
        let (outputs, inputs, rank) = (up.shape[0], down.shape[1], down.shape[0])
        precondition(weight.shape == [outputs, inputs], "LoRA update \([outputs, inputs]) does not fit weight \(weight.shape)")
        up.storage.withUnsafeBufferPointer { upValues in
            down.storage.withUnsafeBufferPointer { downValues in
                weight.withUnsafeMutableValues { weightValues in
                    Tensor.gemm(upValues.baseAddress!, downValues.baseAddress!, weightValues.baseAddress!,
                                m: outputs, n: inputs, k: rank, transposeA: false, transposeB: false,
                                alpha: sign * scale, beta: 1)
                }
            }
        }
    }
}
