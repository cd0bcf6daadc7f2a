import ImprintTensor

/// Seeded orders of a dataset, the same on every platform, so a run's data order is a pure function of its seed
/// (and a resumed run needs only its position).
public enum Shuffle {
    /// A Fisher–Yates permutation of `0..<count` drawn from `RandomGenerator(seed:)`.
    public static func permutation(count: Int, seed: UInt64) -> [Int] {
        var generator = RandomGenerator(seed: seed)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        return order
    }
}
