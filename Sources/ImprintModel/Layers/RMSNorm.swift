import ImprintTensor

/// Root-mean-square normalization over the last axis, as `LlamaRMSNorm` (`x̂ · w`) or
/// `Gemma3RMSNorm` (`x̂ · (1 + w)`, `addsOneToWeight`).
public final class RMSNorm: Module {
    public let weight: Tensor
    public let epsilon: Float
    public let addsOneToWeight: Bool

    public init(dimension: Int, epsilon: Float, addsOneToWeight: Bool = false) {
        weight = Tensor.full([dimension], addsOneToWeight ? 0 : 1)
        self.epsilon = epsilon
        self.addsOneToWeight = addsOneToWeight
        super.init()
        registerParameter("weight", weight)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.rmsNorm(weight: weight, epsilon: epsilon, addingOneToWeight: addsOneToWeight)
    }
}
