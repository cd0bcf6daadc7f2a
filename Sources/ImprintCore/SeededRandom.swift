/// A seeded random source whose every draw is defined here, so the same seed gives the same data byte for byte on
/// every platform and Swift version (the standard library's `shuffled(using:)` and `Int.random(in:using:)` leave
/// their algorithms unspecified).
///
/// SplitMix64 (Steele, Lea and Flood, 2014): `state += 0x9E3779B97F4A7C15`, then two xor-shift-multiply rounds.
/// `SeededRandom(seed: 0).next()` is `0xE220A8397B1DCDAF`. Data generation, the evaluation's bootstraps and any
/// seeded choice outside the trainers use it (ImprintTensor's `RandomGenerator`, xoshiro256** seeded through
/// SeededRandom, serves the trainers).
public struct SeededRandom: RandomNumberGenerator, Codable, Hashable, Sendable {
    /// The generator's whole state: a counter, advanced by the increment at each draw.
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection, so no modulo bias).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "SeededRandom.below: bound must be positive, got \(bound)")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A uniform integer in `range`.
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.count)
    }

    /// A uniform double in [0, 1) (53 random bits).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// One element of a non-empty collection.
    public mutating func pick<C: RandomAccessCollection>(_ items: C) -> C.Element where C.Index == Int {
        precondition(!items.isEmpty, "SeededRandom.pick: no items")
        return items[items.startIndex + below(items.count)]
    }

    /// A Fisher–Yates shuffle (from the last position down).
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(index, below(index + 1))
        }
    }

    /// `count` distinct indices of `0..<population`, in the order drawn (Python's `random.sample` semantics, not
    /// its algorithm).
    public mutating func sample(_ count: Int, from population: Int) -> [Int] {
        precondition(count <= population, "SeededRandom.sample: \(count) of \(population)")
        var indices = Array(0..<population)
        for position in 0..<count { indices.swapAt(position, position + below(population - position)) }
        return Array(indices[0..<count])
    }

    /// A generator for an independent stream: the same parent seed and `stream` give the same child.
    public func fork(_ stream: UInt64) -> SeededRandom {
        var mixer = SeededRandom(seed: state ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return SeededRandom(seed: mixer.next())
    }
}
