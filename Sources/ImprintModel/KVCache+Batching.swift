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

    /// The first filled position of `row` (`length` when it holds no token).
    func firstFilled(row: Int) -> Int {
        (0..<length).first { isFilled(row: row, position: $0) } ?? length
    }

    /// Keeps `rows` (in that order, as `selectRows`) and drops the leading positions that are
    /// padding in every kept row, so the cache is as long as its longest kept row.
    func keepRows(_ rows: [Int]) {
        rebuild(from: self, rows: rows)
    }

    /// A new cache of `rows` of this one (in that order), trimmed as `keepRows` trims; this cache is unchanged.
    func copyingRows(_ rows: [Int]) -> KVCache {
        let copy = KVCache(layerCount: layers.count, batchSize: 0)
        copy.rebuild(from: self, rows: rows)
        return copy
    }

    /// Replaces this cache's contents with `rows` of `source`, without the leading positions that are padding in
    /// all of them.
    private func rebuild(from source: KVCache, rows: [Int]) {
        let length = source.length
        let leading = rows.map { source.firstFilled(row: $0) }.min() ?? 0
        rebuild(length: length - leading,
                sources: rows.enumerated().map { (source, row: $1, from: leading, count: length - leading, into: $0, at: 0) })
    }

    /// Moves each row's filled positions (one run a row, as a right-padded prefill leaves them) to the end, so the
    /// rows are right-aligned again, and drops what is padding in every row.
    func rightAlign() {
        let length = self.length
        let runs = (0..<batchSize).map { row -> (from: Int, count: Int) in
            let first = firstFilled(row: row)
            let end = (first..<length).first { !isFilled(row: row, position: $0) } ?? length
            return (first, end - first)
        }
        let width = runs.map(\.count).max() ?? 0
        rebuild(length: width, sources: runs.enumerated().map { (self, row: $0, from: $1.from, count: $1.count, into: $0, at: width - $1.count) })
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
    /// `cache`, from position `from`, written at position `at`; the positions before `at` are zero padding.
    ///
    /// Only the kept positions are copied and only the padding is zeroed; the 64 spare positions after
    /// `length` (so the next decoding steps write in place) are left unset, as attention never reads
    /// past the filled length. Rows leave often in a server, so this copy is kept to what is needed.
    private func rebuild(length: Int, sources: [(cache: KVCache, row: Int, from: Int, count: Int, into: Int, at: Int)]) {
        let rows = sources.count
        precondition(sources.allSatisfy { $0.at + $0.count == length }, "rows must end at the last position (right-aligned)")
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
            let heads = example.shape[1]
            func gathered(_ buffer: (LayerCache) -> Tensor?, dimension: Int) -> Tensor {
                let values = [Float](unsafeUninitializedCapacity: rows * heads * capacity * dimension) { destination, count in
                    for source in sources {
                        let from = buffer(source.cache.layers[index])!
                        let sourceCapacity = from.shape[2]
                        from.storage.withUnsafeBufferPointer { origin in
                            for head in 0..<heads {
                                let start = destination.baseAddress! + ((source.into * heads + head) * capacity) * dimension
                                start.initialize(repeating: 0, count: source.at * dimension)
                                (start + source.at * dimension).initialize(
                                    from: origin.baseAddress! + ((source.row * heads + head) * sourceCapacity + source.from) * dimension,
                                    count: source.count * dimension)
                            }
                        }
                    }
                    count = rows * heads * capacity * dimension
                }
                return Tensor(shape: [rows, heads, capacity, dimension], storage: values)
            }
            layer.replace(keys: gathered({ $0.keys }, dimension: example.shape[3]),
                          values: gathered({ $0.values }, dimension: valueExample.shape[3]), length: length)
        }
        keyPadding = padding.allSatisfy { $0 } ? [] : padding
        batchSize = rows
    }
}
