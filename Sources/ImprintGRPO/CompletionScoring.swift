import Foundation
import ImprintModel
import ImprintTensor

/// Log-probabilities of completions under a policy, recomputed with one forward pass over prompt + completion, as
/// TRL's `_get_per_token_logps_and_entropies` does: `log_softmax(logits / temperature)` at each sampled token, and the
/// entropy of that distribution.
///
/// Prompts are left-padded and completions right-padded into one `[B, P + T]` batch (padding masked out of
/// attention, positions counting real tokens only); only the `T` completion positions go through the output
/// projection, so the vocabulary-sized logits are `[B, T, V]`, not `[B, P + T, V]`.
public struct CompletionScoring {
    /// `[B, T]` log-probabilities (0 on padding); differentiable when computed with gradients.
    public var logProbabilities: Tensor
    /// `[B][T]` entropies in nats where `mask` is true (0 elsewhere), when asked for.
    public var entropies: [[Float]]?

    /// Scores `completions[i]` as the continuation of `prompts[i]`.
    ///
    /// - Parameters:
    ///   - width: `T`, the padded completion width (at least the longest completion).
    ///   - mask: `[B][T]` where entropies are wanted (nil: no entropies).
    public init(model: TransformerDecoder, prompts: [[Int]], completions: [[Int]], width: Int, temperature: Double,
                entropyMask: [[Bool]]? = nil) {
        precondition(prompts.count == completions.count && !prompts.isEmpty, "one prompt per completion")
        let rows = prompts.count
        let promptWidth = prompts.map(\.count).max()!
        let length = promptWidth + width
        var ids: [Int] = [], attention: [Bool] = [], positions: [Int] = [], targets: [Int] = []
        ids.reserveCapacity(rows * length)
        for (prompt, completion) in zip(prompts, completions) {
            precondition(completion.count <= width, "a completion of \(completion.count) tokens is wider than \(width)")
            let padding = promptWidth - prompt.count, tail = width - completion.count
            let filler = prompt.first ?? 0
            ids += [Int](repeating: filler, count: padding) + prompt + completion + [Int](repeating: filler, count: tail)
            attention += [Bool](repeating: false, count: padding) + [Bool](repeating: true, count: prompt.count + completion.count)
                + [Bool](repeating: false, count: tail)
            positions += [Int](repeating: 0, count: padding) + Array(0..<(prompt.count + width))
            targets += completion + [Int](repeating: -100, count: tail)
        }
        let batch = TokenBatch(ids: ids, batchSize: rows, length: length, positions: positions, attentionMask: attention)
        // The logits at position P − 1 + t predict completion token t.
        let hidden = model.hiddenStates(batch).sliced(axis: 1, (promptWidth - 1)..<(promptWidth - 1 + width))
        var logits = model.logits(fromHiddenStates: hidden)  // [B, T, V]
        if temperature != 1 { logits = logits / Float(temperature) }
        logProbabilities = Tensor.logProbabilities(logits: logits, targets: targets)
        entropies = entropyMask.map { Self.entropies(logits: logits, mask: $0, rows: rows, width: width) }
    }

    /// `H = logsumexp(x) − Σ softmax(x) · x` of every masked row of `logits` `[B, T, V]`.
    static func entropies(logits: Tensor, mask: [[Bool]], rows: Int, width: Int) -> [[Float]] {
        let vocabulary = logits.shape.last!
        var flat = [Float](repeating: 0, count: rows * width)
        logits.storage.withUnsafeBufferPointer { values in
            flat.withUnsafeMutableBufferPointer { out in
                parallelFor(rows * width, grain: 4) { range in
                    var probabilities = [Float](repeating: 0, count: vocabulary)
                    for index in range where mask[index / width][index % width] {
                        let line = values.baseAddress! + index * vocabulary
                        let peak = VectorMath.maximum(line, count: vocabulary)
                        let sum = probabilities.withUnsafeMutableBufferPointer {
                            VectorMath.expShifted(line, $0.baseAddress!, count: vocabulary, shift: peak)
                        }
                        var weighted: Float = 0
                        for column in 0..<vocabulary { weighted += probabilities[column] * line[column] }
                        out[index] = peak + Foundation.log(sum) - weighted / sum
                    }
                }
            }
        }
        return (0..<rows).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) }
    }
}
