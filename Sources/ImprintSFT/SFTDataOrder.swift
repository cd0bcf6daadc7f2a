import ImprintTensor
import ImprintTraining

/// Which examples each micro-batch of a run holds: a pure function of the examples, the seed and the micro-batch's
/// index, so a resumed run sees exactly the batches an uninterrupted one does.
///
/// Micro-batch `k` belongs to epoch `k / batchesPerEpoch`; each epoch is a fresh permutation of the examples
/// (Fisher–Yates driven by `RandomGenerator(seed: seed &+ epoch)`) when shuffling, file order otherwise, cut into
/// consecutive groups of `batchSize` (the last one may be smaller, as `drop_last=False`).
public struct SFTDataOrder {
    public let examples: [SFTExample]
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64

    public init(examples: [SFTExample], batchSize: Int, shuffle: Bool, seed: UInt64) {
        precondition(!examples.isEmpty && batchSize > 0, "a data order needs examples and a positive batch size")
        self.examples = examples
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
    }

    /// Micro-batches in one pass over the examples.
    public var batchesPerEpoch: Int { (examples.count + batchSize - 1) / batchSize }

    /// The examples of micro-batch `index`, counted from the start of the run.
    public func batch(_ index: Int) -> [SFTExample] {
        let epoch = index / batchesPerEpoch
        let order = permutation(epoch: epoch)
        let start = (index % batchesPerEpoch) * batchSize
        return order[start..<min(start + batchSize, order.count)].map { examples[$0] }
    }

    /// The example order of `epoch`.
    func permutation(epoch: Int) -> [Int] {
        guard shuffle else { return Array(examples.indices) }
        return Self.permutation(count: examples.count, seed: seed &+ UInt64(epoch))
    }

    static func permutation(count: Int, seed: UInt64) -> [Int] { Shuffle.permutation(count: count, seed: seed) }

    /// Splits `examples` into training and held-out evaluation examples: a seeded permutation's last
    /// `round(fraction * count)` examples are held out, the rest keep their file order.
    public static func split(_ examples: [SFTExample], evaluationFraction fraction: Double,
                             seed: UInt64) -> (train: [SFTExample], evaluation: [SFTExample]) {
        let held = Int((fraction * Double(examples.count)).rounded())
        guard held > 0 else { return (examples, []) }
        // A stream of its own (the seed xor a constant), so the split does not repeat the first epoch's shuffle.
        let heldOut = Set(permutation(count: examples.count, seed: seed ^ 0x5eed_e7a1).suffix(held))
        return (examples.indices.filter { !heldOut.contains($0) }.map { examples[$0] },
                examples.indices.filter { heldOut.contains($0) }.map { examples[$0] })
    }

    /// Packs examples into blocks of `length` tokens (TRL's `wrapped` packing): the examples are concatenated in
    /// order, masks included, and cut every `length` tokens; the last block may be shorter. Attention crosses the
    /// examples' boundaries inside a block, as in `wrapped` packing without position resets.
    public static func pack(_ examples: [SFTExample], length: Int) -> [SFTExample] {
        let ids = examples.flatMap(\.ids), mask = examples.flatMap(\.completionMask)
        return stride(from: 0, to: ids.count, by: length).compactMap { start in
            let end = min(start + length, ids.count)
            let block = SFTExample(ids: Array(ids[start..<end]), completionMask: Array(mask[start..<end]))
            return block.completionMask.dropFirst().contains(true) ? block : nil
        }
    }
}
