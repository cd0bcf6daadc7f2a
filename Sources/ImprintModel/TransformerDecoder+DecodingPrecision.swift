import ImprintTensor

extension TransformerDecoder {
    /// The block-quantized weight matrices that products use, by checkpoint key: every quantized
    /// linear layer, and the embedding table when it is also the (tied) output projection.
    public var quantizedProductWeights: [(key: String, matrix: QuantizedMatrix)] {
        var result: [(key: String, matrix: QuantizedMatrix)] = []
        for (key, module) in namedModules() {
            if let linear = module as? Linear, let matrix = linear.quantizedWeight { result.append((key + ".weight", matrix)) }
        }
        if outputProjection == nil, let table = embedding.quantizedWeight { result.append(("model.embed_tokens.weight", table)) }
        return result
    }

    /// Runs every product with a block-quantized weight in `precision` from now on (prompt and
    /// decoding alike): `.int8` quantizes the activations as llama.cpp's CPU backend does, so that a
    /// model loaded with `keepQuantized` from a Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 or IQ4_NL GGUF file
    /// multiplies as llama.cpp does (`DecodingPrecision`); its logits equal llama.cpp's only where
    /// every other operation does too (Docs/GGUFExport.md, Int8 decoding). Float32 weights, LoRA updates, embeddings
    /// lookups, attention and norms keep float32. Returns the number of matrices set.
    ///
    /// An opt-in precision is never slower than float32: on a CPU whose int8 products would be
    /// (`KernelSelection.int8SlowerThanFloat32`), `.int8` leaves the products in float32, returns 0 and sets
    /// `precisionFallback`, unless `evenWhereSlower` (for checking the arithmetic on any CPU).
    /// - Throws: `DecodingPrecisionError.unsupportedFormat` naming the first weight whose format has
    ///   no int8 product (nothing is changed then), `.noQuantizedWeights` when `.int8` is asked of a
    ///   model that keeps no weight quantized.
    @discardableResult
    public func useDecodingPrecision(_ precision: DecodingPrecision, evenWhereSlower: Bool = false) throws -> Int {
        let weights = quantizedProductWeights
        if precision == .int8 {
            guard !weights.isEmpty else { throw DecodingPrecisionError.noQuantizedWeights(precision: precision) }
            if let unsupported = weights.first(where: { !$0.matrix.format.supportsInt8Activations }) {
                throw DecodingPrecisionError.unsupportedFormat(unsupported.matrix.format, weight: unsupported.key, precision: precision)
            }
            if !evenWhereSlower, let reason = KernelSelection.int8SlowerThanFloat32 {
                precisionFallback = "int8 decoding: \(reason); the products stay float32"
                for (key, matrix) in weights { try matrix.setDecodingPrecision(.float32, name: key) }
                return 0
            }
        }
        for (key, matrix) in weights { try matrix.setDecodingPrecision(precision, name: key) }
        return weights.count
    }
}
