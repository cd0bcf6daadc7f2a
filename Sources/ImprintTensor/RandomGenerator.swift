import Foundation

/// A seeded pseudo-random generator (xoshiro256**): the same seed gives the same numbers, on every run.
///
/// Seeding expands the 64-bit seed with SplitMix64, as the xoshiro authors recommend. The state
/// is four words and can be saved and restored (`state`) so a resumed run continues the sequence.
public struct RandomGenerator: RandomNumberGenerator, Codable, Hashable, Sendable {
    /// The generator's full state.
    public var state: [UInt64]

    /// A generator seeded with `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix()]
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state[1] &* 5, 7) &* 9
        let shifted = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= shifted
        state[3] = rotateLeft(state[3], 45)
        return result
    }

    /// A float uniformly distributed in `[0, 1)`, with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A double uniformly distributed in `[0, 1)`, with 53 random bits.
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A standard normal sample (Box–Muller on two uniform doubles).
    public mutating func nextNormal() -> Float {
        let u1 = 1.0 - nextUniformDouble()  // in (0, 1]
        let u2 = nextUniformDouble()
        return Float((-2.0 * Foundation.log(u1)).squareRoot() * Foundation.cos(2.0 * Double.pi * u2))
    }

    private func rotateLeft(_ value: UInt64, _ shift: UInt64) -> UInt64 {
        (value << shift) | (value >> (64 - shift))
    }
}
