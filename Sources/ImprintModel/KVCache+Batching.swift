import ImprintTensor

/// Rows joining and leaving a running batch (continuous batching, `BatchedDecoder`).
///
/// The rows of a cache are *right-aligned*: every row's filled positions end at the last cached
/// position, and a row shorter than the batch has padding (masked in `keyPadding`) on its left. So
/// a decoding step appends one position to every row, and the distance between two cached
/// positions of a row is the distance between their tokens (what causal and sliding-window masks
/// measure). A row's RoPE positions are its own (passed in `TokenBatch.positions`), so padding never
/// shifts them.
extension KVCache {
    /// Whether cached position `position` of `row` holds a token (not padding).
    func isFilled(row: Int, position: Int) -> Bool {
        keyPadding.isEmpty || keyPadding[row * length + position]
    }

    /// Keeps `rows` (in that order, as `selectRows`) and drops the leading positions that are
    /// padding in every kept row, so the cache is as long as its longest kept row.
    func keepRows(_ rows: [Int]) {
        let length = self.length
        let leading = rows.map { row in (0..<length).first { isFilled(row: row, position: $0) } ?? length }.min() ?? 0
        rebuild(length: length - leading,
                sources: rows.enumerated().map { (self, row: $1, from: leading, count: length - leading, into: $0, at: 0) })
    }

    /// Appends the rows of `other` after this cache's rows, right-aligned: the shorter of the two
    /// gets padding on the left.
    func appendRows(of other: KVCache) {
        precondition(other.layers.count == layers.count, "caches of \(layers.count) and \(other.layers.count) layers")
        let (mine, theirs) = (length, other.length)
        let width = Swift.max(mine, theirs)
        let kept = (0..<batchSize).map { (self, row: $0, from: 0, count: mine, into: $0, at: width - mine) }
        let added = (0..<other.batchSize).map { (other, row: $0, from: 0, count: theirs, into: batchSize + $0, at: width - theirs) }
        rebuild(length: width, sources: kept + added)
    }

    /// Replaces every layer's keys and values (and `keyPadding`) with a new right-aligned batch of
    /// `sources.count` rows and `length` positions: row `into` gets `count` positions of `row` of
    /// `cache`, from position `from`, written at position `at`; the rest is zero padding.
    ///
    /// The new buffers keep 64 spare positions so the next decoding steps write in place.
    private func rebuild(length: Int, sources: [(cache: KVCache, row: Int, from: Int, count: Int, into: Int, at: Int)]) {
        let rows = sources.count
        var padding = [Bool](repeating: false, count: rows * length)
        for source in sources {
            for offset in 0..<source.count {
                padding[source.into * length + source.at + offset] = source.cache.isFilled(row: source.row, position: source.from + offset)
            }
        }
        let capacity = length + 64
        for (index, layer) in layers.enumerated() {
            guard let example = sources.lazy.compactMap({ $0.cache.layers[index].keys }).first,
                  let valueExample = sources.lazy.compactMap({ $0.cache.layers[index].values }).first else { continue }
            let (heads, keyDimension, valueDimension) = (example.shape[1], example.shape[3], valueExample.shape[3])
            let keys = Tensor.zeros([rows, heads, capacity, keyDimension])
            let values = Tensor.zeros([rows, heads, capacity, valueDimension])
            for source in sources where source.count > 0 {
                let from = source.cache.layers[index]
                Self.copy(from.keys!, row: source.row, positions: source.from..<(source.from + source.count),
                          into: keys, row: source.into, at: source.at)
                Self.copy(from.values!, row: source.row, positions: source.from..<(source.from + source.count),
                          into: values, row: source.into, at: source.at)
            }
            layer.replace(keys: keys, values: values, length: length)
        }
        keyPadding = padding.allSatisfy { $0 } ? [] : padding
        batchSize = rows
    }

    /// Copies positions `positions` of every head of `row` of a `[B, H, capacity, D]` buffer to
    /// position `at` of `row` of another.
    private static func copy(_ source: Tensor, row: Int, positions: Range<Int>, into destination: Tensor, row destinationRow: Int, at: Int) {
        let (heads, sourceCapacity, dimension, destinationCapacity) = (source.shape[1], source.shape[2], source.shape[3], destination.shape[2])
        source.storage.withUnsafeBufferPointer { from in
            destination.withUnsafeMutableValues { to in
                for head in 0..<heads {
                    (to.baseAddress! + ((destinationRow * heads + head) * destinationCapacity + at) * dimension)
                        .update(from: from.baseAddress! + ((row * heads + head) * sourceCapacity + positions.lowerBound) * dimension,
                                count: positions.count * dimension)
                }
            }
        }
    }
}
