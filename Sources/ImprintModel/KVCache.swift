import ImprintTensor

/// The keys and values one attention layer has seen, `[B, kvHeads, capacity, D]` each, of which
/// the first `length` positions are filled.
///
/// Without gradients (generation), new positions are written in place and the capacity doubles
/// when full, so a decoding step copies only its own keys. With gradients on, the cache grows
/// by concatenation instead, so tensors the graph holds are never modified.
public final class LayerCache {
    public private(set) var keys: Tensor?
    public private(set) var values: Tensor?
    /// The number of filled positions.
    public private(set) var length = 0

    public init() {}

    /// Appends `[B, kvHeads, T, D]` keys and values; returns the cache tensors and the filled length.
    func appending(keys newKeys: Tensor, values newValues: Tensor) -> (keys: Tensor, values: Tensor, length: Int) {
        let added = newKeys.shape[2]
        guard !GradientMode.isEnabled else {
            let allKeys = keys.map { Tensor.concatenate([$0.sliced(axis: 2, 0..<length), newKeys], axis: 2) } ?? newKeys
            let allValues = values.map { Tensor.concatenate([$0.sliced(axis: 2, 0..<length), newValues], axis: 2) } ?? newValues
            (keys, values, length) = (allKeys, allValues, length + added)
            return (allKeys, allValues, length)
        }
        let capacity = keys?.shape[2] ?? 0
        if length + added > capacity {
            let grown = Swift.max(2 * capacity, length + added, 64)
            keys = Self.copy(keys, filled: length, into: grown, like: newKeys)
            values = Self.copy(values, filled: length, into: grown, like: newValues)
        }
        Self.write(newKeys, into: keys!, at: length)
        Self.write(newValues, into: values!, at: length)
        length += added
        return (keys!, values!, length)
    }

    /// A `[B, H, capacity, D]` buffer holding the first `filled` positions of `source`.
    private static func copy(_ source: Tensor?, filled: Int, into capacity: Int, like example: Tensor) -> Tensor {
        let (batch, heads, dimension) = (example.shape[0], example.shape[1], example.shape[3])
        let grown = Tensor.zeros([batch, heads, capacity, dimension])
        guard let source, filled > 0 else { return grown }
        let oldCapacity = source.shape[2]
        source.scalars.withUnsafeBufferPointer { from in
            grown.withUnsafeMutableValues { to in
                for head in 0..<(batch * heads) {
                    (to.baseAddress! + head * capacity * dimension)
                        .update(from: from.baseAddress! + head * oldCapacity * dimension, count: filled * dimension)
                }
            }
        }
        return grown
    }

    /// Writes `[B, H, T, D]` values at positions `offset..<offset + T` of a `[B, H, capacity, D]` buffer.
    private static func write(_ source: Tensor, into buffer: Tensor, at offset: Int) {
        let (rows, added, dimension, capacity) = (source.shape[0] * source.shape[1], source.shape[2], source.shape[3], buffer.shape[2])
        source.scalars.withUnsafeBufferPointer { from in
            buffer.withUnsafeMutableValues { to in
                for head in 0..<rows {
                    (to.baseAddress! + (head * capacity + offset) * dimension)
                        .update(from: from.baseAddress! + head * added * dimension, count: added * dimension)
                }
            }
        }
    }

    /// Keeps `rows` where each row either stays (`rows[i] == i`) or comes from past the kept ones (`rows[i] >= rows.count`,
    /// distinct): those rows are moved into their new places in the buffers and the batch is cut, with no other copy.
    func moveRows(_ rows: [Int]) {
        keys = keys?.movingRows(rows)
        values = values?.movingRows(rows)
    }

    /// Swaps in new buffers, `[B, kvHeads, capacity, D]`; `length` (default: unchanged) of their positions are filled.
    func replace(keys newKeys: Tensor, values newValues: Tensor, length newLength: Int? = nil) {
        keys = newKeys
        values = newValues
        if let newLength { length = newLength }
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
    ///
    /// Where every row stays in place or comes from past the kept ones (`Self.swapRemoving`'s orders), the moved rows
    /// are copied into their places and the buffers cut (one row's copy per finished row); otherwise every kept row is
    /// copied into new buffers.
    public func selectRows(_ rows: [Int]) {
        let length = self.length
        // In place only outside the graph: with gradients on, the buffers are tensors the graph holds (`appending`).
        let inPlace = !GradientMode.isEnabled && rows.count <= batchSize && Set(rows).count == rows.count
            && rows.enumerated().allSatisfy { $1 == $0 || ($1 >= rows.count && $1 < batchSize) }
        if inPlace && rows.count == batchSize { return }  // every row stays
        for layer in layers {
            guard let keys = layer.keys, let values = layer.values else { continue }
            if inPlace && !keys.isInGraph && !values.isInGraph {
                layer.moveRows(rows)
            } else {
                layer.replace(keys: keys.indexSelect(rows), values: values.indexSelect(rows))
            }
        }
        if !keyPadding.isEmpty {
            keyPadding = rows.flatMap { keyPadding[($0 * length)..<(($0 + 1) * length)] }
        }
        batchSize = rows.count
    }

    /// The rows to keep of `count` when the rows `finished` leave, for `selectRows`: each finished row's place is taken by
    /// the last row still kept (the order changes, each leaving row costs one row's copy, not the whole cache's).
    public static func swapRemoving(_ finished: Set<Int>, from count: Int) -> [Int] {
        var order = Array(0..<count)
        for row in finished.sorted(by: >) {
            order.swapAt(row, order.count - 1)
            order.removeLast()
        }
        return order
    }
}
