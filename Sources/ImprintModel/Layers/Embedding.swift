import ImprintTensor

/// A lookup table of token vectors, as `torch.nn.Embedding`; `weight` is `[vocabulary, dimension]`.
public final class Embedding: Module {
    public let weight: Tensor

    public init(vocabularySize: Int, dimension: Int) {
        weight = Tensor.zeros([vocabularySize, dimension])
        super.init()
        registerParameter("weight", weight)
    }

    /// The vectors of `ids` (shape `idsShape`): `idsShape + [dimension]`.
    public func callAsFunction(_ ids: [Int], shape idsShape: [Int]) -> Tensor {
        Tensor.embedding(weight, ids: ids, shape: idsShape)
    }
}
