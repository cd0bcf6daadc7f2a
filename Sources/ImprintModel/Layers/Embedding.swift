import ImprintTensor

/// A lookup table of token vectors, as `torch.nn.Embedding`; the table is `[vocabulary, dimension]`,
/// a float32 parameter or a frozen quantized matrix (see `Linear`).
public final class Embedding: Module {
    /// The float32 table, `nil` while the table is kept quantized.
    public let denseWeight: Tensor?
    public let quantizedWeight: QuantizedMatrix?
    /// The table rounded to bfloat16 for the tied output projection, after `useBFloat16Projection()`.
    public private(set) var bfloat16Projection: BFloat16Matrix?

    public init(vocabularySize: Int, dimension: Int, quantized: QuantizedMatrix? = nil) {
        if let quantized {
            precondition(quantized.shape == [vocabularySize, dimension], "quantized embedding \(quantized.shape) does not fit [\(vocabularySize), \(dimension)]")
        }
        quantizedWeight = quantized
        denseWeight = quantized == nil ? Tensor.zeros([vocabularySize, dimension]) : nil
        super.init()
        if let denseWeight { registerParameter("weight", denseWeight) }
    }

    /// The vectors of `ids` (shape `idsShape`): `idsShape + [dimension]`.
    public func callAsFunction(_ ids: [Int], shape idsShape: [Int]) -> Tensor {
        if let quantizedWeight { return quantizedWeight.gatherRows(ids).reshaped(idsShape + [quantizedWeight.columns]) }
        return Tensor.embedding(denseWeight!, ids: ids, shape: idsShape)
    }

    /// `x · tableᵀ`: the tied output projection, `[..., dimension]` → `[..., vocabulary]`.
    public func project(_ x: Tensor) -> Tensor {
        if let bfloat16Projection { return Tensor.linear(x, bfloat16: bfloat16Projection) }
        if let quantizedWeight { return Tensor.linear(x, quantized: quantizedWeight) }
        return Tensor.matmul(x, denseWeight!, transposeB: true)
    }

    /// Runs the tied output projection in mixed precision (`BFloat16Matrix`) from now on, with a
    /// bfloat16 copy of the frozen table (lookups keep the table as it is). Returns false, changing
    /// nothing, when the table is trainable.
    @discardableResult
    public func useBFloat16Projection() -> Bool {
        if bfloat16Projection != nil { return true }
        if let denseWeight, denseWeight.requiresGrad { return false }
        bfloat16Projection = BFloat16Matrix(quantizedWeight?.dequantized() ?? denseWeight!)
        return true
    }
}
