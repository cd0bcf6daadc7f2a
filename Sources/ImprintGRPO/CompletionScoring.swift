import Foundation
import ImprintModel
import ImprintTensor

/// Log-probabilities of completions under a policy, recomputed with a forward pass over prompt + completion, as
/// TRL's `_get_per_token_logps_and_entropies` does: `log_softmax(logits / temperature)` at each sampled token, and the
/// entropy of that distribution.
///
/// The completions of one prompt share it (GRPO's `G` completions per prompt), so each distinct prompt goes through
/// the model once: prompts are prefilled into a key/value cache (left-padded, padding masked, positions counting
/// real tokens), the cache is fanned out to the completions, and the right-padded completions attend to it. With
/// gradients on, the cache is part of the graph, so the prompt's share of every gradient is counted once per
/// completion, exactly as in one `[B, P + T]` pass. Only the `T` completion positions go through the output
/// projection, so the vocabulary-sized logits are `[B, T, V]`.
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
        precondition(prompts.allSatisfy { !$0.isEmpty }, "every prompt needs a token")
        let rows = prompts.count
        // The distinct prompts, in order of first use, and each row's.
        var distinct: [[Int]] = [], owner: [Int] = []
        for prompt in prompts {
            if let index = distinct.lastIndex(of: prompt) { owner.append(index) } else { owner.append(distinct.count); distinct.append(prompt) }
        }
        let promptBatch = TokenBatch(leftPadding: distinct)
        let promptWidth = promptBatch.length
        let cache = KVCache(layerCount: model.layers.count, batchSize: distinct.count)
        let promptHidden = model.hiddenStates(promptBatch, cache: cache)
        // The last prompt position predicts completion token 0.
        let first = promptHidden.sliced(axis: 1, (promptWidth - 1)..<promptWidth).indexSelect(owner)  // [B, 1, H]
        var hidden = first
        if width > 1 {
            cache.selectRows(owner)
            var continuation: [Int] = [], mask: [Bool] = [], steps: [Int] = []
            for (row, completion) in completions.enumerated() {
                precondition(completion.count <= width, "a completion of \(completion.count) tokens is wider than \(width)")
                let kept = Array(completion.prefix(width - 1)), tail = width - 1 - kept.count
                continuation += kept + [Int](repeating: prompts[row][0], count: tail)
                mask += [Bool](repeating: true, count: kept.count) + [Bool](repeating: false, count: tail)
                steps += Array(prompts[row].count..<(prompts[row].count + width - 1))
            }
            // Completion position t predicts token t + 1.
            let rest = model.hiddenStates(TokenBatch(ids: continuation, batchSize: rows, length: width - 1,
                                                     positions: steps, attentionMask: mask), cache: cache)
            hidden = Tensor.concatenate([first, rest], axis: 1)  // [B, T, H]
        }
        var logits = model.logits(fromHiddenStates: hidden)  // [B, T, V]
        if temperature != 1 { logits = logits / Float(temperature) }
        let targets = completions.flatMap { $0 + [Int](repeating: -100, count: width - $0.count) }
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
