import Foundation
import ImprintCore
import ImprintTensor

/// Picks the next token from a row of logits: greedy, or sampled after temperature, top-k,
/// top-p and min-p filtering (the order of `transformers`' logits warpers: temperature, top-k,
/// top-p, min-p).
///
/// The returned log-probability is that of the chosen token under `softmax(logits / T)` over the
/// whole vocabulary (`T = 1` for greedy) — what TRL's GRPO recomputes with a forward pass — not
/// under the truncated distribution.
public struct TokenSampler {
    public var parameters: SamplingParameters
    public var generator: RandomGenerator

    public init(parameters: SamplingParameters, seed: UInt64? = nil) {
        self.parameters = parameters
        generator = RandomGenerator(seed: seed ?? parameters.seed ?? 0)
    }

    /// The chosen token id and its log-probability.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> (token: Int, logProbability: Float) {
        let count = logits.count
        let temperature = Float(parameters.temperature)
        let scale: Float = temperature > 0 ? 1 / temperature : 1
        var scaled = [Float](repeating: 0, count: count)
        for index in 0..<count { scaled[index] = logits[index] * scale }
        let peak = scaled.withUnsafeBufferPointer { VectorMath.maximum($0.baseAddress!, count: count) }
        let logNormalizer = peak + Foundation.log(scaled.withUnsafeBufferPointer {
            VectorMath.sumExpShifted($0.baseAddress!, count: count, shift: peak)
        })
        if temperature <= 0 {
            let best = scaled.indices.max { scaled[$0] < scaled[$1] || (scaled[$0] == scaled[$1] && $0 > $1) }!
            return (best, scaled[best] - logNormalizer)
        }
        var allProbabilities = [Float](repeating: 0, count: count)
        let probabilitySum = scaled.withUnsafeBufferPointer { source in
            allProbabilities.withUnsafeMutableBufferPointer {
                VectorMath.expShifted(source.baseAddress!, $0.baseAddress!, count: count, shift: logNormalizer)
            }
        }
        let filtered = parameters.topK > 0 || parameters.topP < 1 || parameters.minP > 0
        guard filtered else {
            // Plain sampling: one pass over the vocabulary in id order.
            let draw = Float(generator.nextUniformDouble()) * probabilitySum
            var cumulative: Float = 0
            for index in 0..<count {
                cumulative += allProbabilities[index]
                if draw < cumulative { return (index, scaled[index] - logNormalizer) }
            }
            let last = allProbabilities.lastIndex { $0 > 0 } ?? count - 1
            return (last, scaled[last] - logNormalizer)
        }
        // Candidates in decreasing probability (ties: lower id first); filters cut the tail.
        var candidates = Array(0..<count).sorted { allProbabilities[$0] > allProbabilities[$1] || (allProbabilities[$0] == allProbabilities[$1] && $0 < $1) }
        if parameters.topK > 0 && parameters.topK < count { candidates.removeSubrange(parameters.topK...) }
        var probabilities = candidates.map { allProbabilities[$0] }
        if parameters.topP < 1 {
            // Keep the smallest prefix whose probability (renormalized over the candidates) reaches topP.
            let total = probabilities.reduce(0, +)
            var cumulative: Float = 0
            var keep = probabilities.count
            for (index, probability) in probabilities.enumerated() {
                cumulative += probability / total
                if cumulative >= Float(parameters.topP) { keep = index + 1; break }
            }
            candidates.removeSubrange(keep...)
            probabilities.removeSubrange(keep...)
        }
        if parameters.minP > 0, let top = probabilities.first {
            let threshold = Float(parameters.minP) * top
            let keep = Swift.max(1, probabilities.firstIndex { $0 < threshold } ?? probabilities.count)
            candidates.removeSubrange(keep...)
            probabilities.removeSubrange(keep...)
        }
        let total = probabilities.reduce(0, +)
        let draw = Float(generator.nextUniformDouble()) * total
        var cumulative: Float = 0
        var chosen = candidates.last!
        for (index, probability) in probabilities.enumerated() {
            cumulative += probability
            if draw < cumulative { chosen = candidates[index]; break }
        }
        return (chosen, scaled[chosen] - logNormalizer)
    }
}
