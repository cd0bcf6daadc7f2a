/// A small seeded pseudo-random generator (SplitMix64, Steele, Lea & Flood 2014) for the bootstraps and for any
/// seeded choice an evaluation makes: the same seed gives the same numbers on every machine and Swift version.
///
/// Each `next()` adds the golden-ratio increment `0x9E3779B97F4A7C15` to a 64-bit counter and mixes it with
/// two multiply-xorshift rounds; it passes BigCrush and is plenty for resampling. Draw indices with
/// `nextIndex(below:)`, not the standard library's `Int.random(in:using:)` or `shuffle(using:)`, whose
/// algorithms the standard library does not promise to keep, so a recorded interval stays reproducible.
///
/// ```swift
/// var generator = SplitMix64(seed: 0)
/// generator.next()   // 0xE220A8397B1DCDAF
/// ```
///
/// (ImprintTensor's `RandomGenerator`, xoshiro256** seeded through SplitMix64, serves the trainers; ImprintEval
/// does not depend on ImprintTensor, hence this one.)
public struct SplitMix64: RandomNumberGenerator, Codable, Hashable, Sendable {
    /// The generator's whole state: a counter, advanced by the increment at each draw.
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly distributed integer in `0..<bound`, without modulo bias (Lemire's multiply-and-reject,
    /// "Fast random integer generation in an interval", 2019).
    /// - Precondition: `bound > 0`.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "SplitMix64.nextIndex: bound = \(bound) must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }
}
