import ImprintTensor

/// The keys and values one attention layer has seen, `[B, kvHeads, S, D]` each.
public final class LayerCache {
    public private(set) var keys: Tensor?
    public private(set) var values: Tensor?

    public init() {}

    /// The number of cached positions.
    public var length: Int { keys?.shape[2] ?? 0 }

    /// Appends new keys/values along the sequence axis and returns everything cached so far.
    func appending(keys newKeys: Tensor, values newValues: Tensor) -> (Tensor, Tensor) {
        let allKeys = keys.map { Tensor.concatenate([$0, newKeys], axis: 2) } ?? newKeys
        let allValues = values.map { Tensor.concatenate([$0, newValues], axis: 2) } ?? newValues
        keys = allKeys
        values = allValues
        return (allKeys, allValues)
    }
}

/// A key/value cache for every layer of a model, plus which cached positions are padding.
public final class KVCache {
    public let layers: [LayerCache]
    /// `B * S` flags (row-major `[B, S]`): false marks a padded position.
    public internal(set) var keyPadding: [Bool] = []
    public internal(set) var batchSize: Int

    public init(layerCount: Int, batchSize: Int) {
        layers = (0..<layerCount).map { _ in LayerCache() }
        self.batchSize = batchSize
    }

    /// The number of cached positions.
    public var length: Int { layers.first?.length ?? 0 }
}

extension KVCache {
    /// Keeps only the given sequences, in the given order (repeats allowed): drops finished rows
    /// and fans a prompt out to several completions.
    public func selectRows(_ rows: [Int]) {
        let length = self.length
        for layer in layers {
            guard let keys = layer.keys, let values = layer.values else { continue }
            layer.replace(keys: keys.indexSelect(rows), values: values.indexSelect(rows))
        }
        if !keyPadding.isEmpty {
            keyPadding = rows.flatMap { keyPadding[($0 * length)..<(($0 + 1) * length)] }
        }
        batchSize = rows.count
    }
}

extension LayerCache {
    func replace(keys newKeys: Tensor, values newValues: Tensor) {
        keys = newKeys
        values = newValues
    }
}
