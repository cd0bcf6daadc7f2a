import ImprintTraining

/// Which prompts each generation batch holds: a pure function of the dataset, the seed and the batch's index, so a
/// resumed run sees exactly the prompts an uninterrupted one does.
///
/// Each epoch takes the prompts in a seeded permutation (`Shuffle.permutation(seed: seed + epoch)`, TRL's
/// `RepeatSampler` with `shuffle_dataset`) or in file order, and cuts it into batches of `promptsPerBatch`; a batch
/// never spans two epochs (a short last batch is completed from the next epoch's order, as `RepeatSampler` drops
/// nothing). With a grouping column, the unit shuffled is the group (all rows with one value, in file order), so
/// every phrasing of a fact lands in the same step: groups must then fit the batch evenly.
public struct GRPODataOrder: Sendable {
    /// Rows of the dataset, grouped: one unit per group (one row each without grouping).
    public let units: [[Int]]
    public let promptsPerBatch: Int
    public let shuffle: Bool
    public let seed: UInt64

    /// - Throws: `GRPOConfigurationError` when groups do not divide `promptsPerBatch`.
    public init(examples: [GRPOExample], promptsPerBatch: Int, shuffle: Bool, seed: UInt64, groupByColumn: String?) throws {
        self.promptsPerBatch = promptsPerBatch
        self.shuffle = shuffle
        self.seed = seed
        guard let column = groupByColumn else {
            units = examples.indices.map { [$0] }
            return
        }
        var order: [String] = [], members: [String: [Int]] = [:]
        for (index, example) in examples.enumerated() {
            guard let value = example.columns[column] else {
                throw GRPOConfigurationError(field: "groupByColumn",
                                             expected: "a column every row has; line \(example.line) has no '\(column)'")
            }
            if members[value] == nil { order.append(value) }
            members[value, default: []].append(index)
        }
        units = order.map { members[$0]! }
        let sizes = Set(units.map(\.count))
        guard sizes.count == 1, let size = sizes.first, promptsPerBatch % size == 0 else {
            throw GRPOConfigurationError(
                field: "groupByColumn",
                expected: "groups of one size that divides the prompts per step (\(promptsPerBatch)); '\(column)' has group sizes \(sizes.sorted())")
        }
    }

    /// Prompts in one epoch.
    public var rowsPerEpoch: Int { units.reduce(0) { $0 + $1.count } }

    /// Generation batches per epoch (the last may borrow from the next epoch).
    public var batchesPerEpoch: Int { (rowsPerEpoch + promptsPerBatch - 1) / promptsPerBatch }

    /// The row indices of generation batch `index` (from 0).
    public func batch(_ index: Int) -> [Int] {
        let start = index * promptsPerBatch
        var orders: [Int: [Int]] = [:]
        return (start..<(start + promptsPerBatch)).map { position in
            let epoch = position / rowsPerEpoch
            if orders[epoch] == nil { orders[epoch] = epochOrder(epoch) }
            return orders[epoch]![position % rowsPerEpoch]
        }
    }

    private func epochOrder(_ epoch: Int) -> [Int] {
        let permutation = shuffle ? Shuffle.permutation(count: units.count, seed: seed &+ UInt64(epoch)) : Array(units.indices)
        return permutation.flatMap { units[$0] }
    }
}
