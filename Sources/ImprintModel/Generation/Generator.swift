import Foundation
import ImprintCore
import ImprintTensor

/// What ended a generated sequence; `finishReason` folds it into OpenAI's two names.
public enum SequenceEnd: String, Codable, Sendable {
    /// It produced an end-of-sequence token (included in its tokens).
    case endOfSequence
    /// It reached `maxTokens` or the model's context length.
    case length
    /// Its text reached a stop string (the string stays out of the reported text, not the tokens).
    case stopString

    /// `stop` for an end-of-sequence token or a stop string, `length` for a limit.
    public var finishReason: FinishReason { self == .length ? .length : .stop }
}

/// One generated completion.
public struct GeneratedSequence: Sendable, Equatable {
    /// Which prompt it continues.
    public var promptIndex: Int
    /// Its new tokens, the end-of-sequence token included when there is one.
    public var tokens: [Int]
    /// `log p(token)` of each new token under `softmax(logits / temperature)` of the model.
    public var logProbabilities: [Float]
    public var end: SequenceEnd
}

/// Batched generation with a KV cache.
///
/// Prompts of different lengths are left-padded into one batch and prefilled together (padded
/// keys are masked and positions count real tokens only, as `transformers` does). With
/// `completionsPerPrompt = n`, each prompt is prefilled once and its cache fanned out to `n`
/// rows. Decoding advances all unfinished rows one token per step; a finished row leaves the
/// batch, so it stops costing work. Each row samples with its own generator seeded from
/// `parameters.seed` and its row index, so the same seed gives the same completions.
///
/// Prompt and completion together fit the model's context (`maxPositionEmbeddings`, a GGUF's
/// `context_length`), so a completion can always be scored again by one forward pass: a row stops
/// with `.length` after `min(maxTokens, context - promptLength)` tokens, and a prompt with no
/// room left is refused.
///
/// **Batch invariance.** With `batchInvariant`, a prompt's completions are bit for bit those it gets
/// alone, whatever other prompts share the call (for greedy decoding: always; for sampling: at the same
/// row index, which seeds its sampler). Two things made a row's logits depend on its batch, by float
/// rounding only: (1) left padding: attention summed over the padded keys too (exact zeros, but they
/// shift the other terms between SIMD lanes) — it now skips each row's leading padding, always;
/// (2) the product kernel depends on the rows of the product: up to `BLAS.smallBatchRows` rows stream
/// the weights, more use a packed `sgemm`, and the two sum in different orders (each alone gives a row
/// the same result for any row count). So prompts run in groups whose completions fit in
/// `BLAS.smallBatchRows` rows (decoding always streams), and a group's prefill is padded to more than
/// `BLAS.smallBatchRows` positions (prefilling always packs). A greedy argmax flips on such a
/// difference only when two logits are within rounding, rarely, but then the answer changes.
public final class Generator {
    public let model: TransformerDecoder

    public init(model: TransformerDecoder) {
        self.model = model
    }

    /// Generates `completionsPerPrompt` completions for every prompt, returned prompt by prompt.
    ///
    /// - Parameters:
    ///   - stopTokenIds: end-of-sequence ids (default: the model configuration's `eosTokenIds`).
    ///   - decode: turns a row's new tokens into text, needed only for `parameters.stop` strings.
    ///   - onToken: called after every step for each row with `(rowIndex, token)`; rows are
    ///     numbered `promptIndex * completionsPerPrompt + completion`.
    ///   - batchInvariant: generate in groups so that no prompt's completions depend on the others (see
    ///     the type); otherwise all prompts form one batch (fastest for many sampled completions, as GRPO).
    /// - Throws: `InvalidSamplingParameter` for parameters out of range; `GenerationError.promptTooLong`
    ///   for a prompt of `contextLength` tokens or more, `.emptyPrompt` for one of no tokens,
    ///   `.tokenOutOfRange` for a token id outside the model's vocabulary.
    public func generate(prompts: [[Int]], parameters: SamplingParameters, completionsPerPrompt: Int = 1,
                         stopTokenIds: Set<Int>? = nil, decode: (([Int]) -> String)? = nil,
                         onToken: ((Int, Int) -> Void)? = nil, batchInvariant: Bool = false) throws -> [GeneratedSequence] {
        precondition(completionsPerPrompt >= 1, "completionsPerPrompt must be at least 1")
        precondition(parameters.stop.isEmpty || decode != nil, "stop strings need a decode function")
        try Self.validate(prompts: prompts, parameters: parameters, model: model)
        let contextLength = model.configuration.maxPositionEmbeddings
        let vocabularySize = model.configuration.vocabularySize
        guard !prompts.isEmpty else { return [] }
        let stops = stopTokenIds ?? Set(model.configuration.eosTokenIds)
        guard batchInvariant else {
            return generateBatch(prompts: prompts, firstRow: 0, parameters: parameters, completionsPerPrompt: completionsPerPrompt,
                                 stopTokenIds: stops, decode: decode, onToken: onToken)
        }
        // Groups of prompts whose rows decode with the streaming kernel, each prefilled with the packed one.
        let groupSize = Swift.max(1, BLAS.smallBatchRows / completionsPerPrompt)
        var results: [GeneratedSequence] = []
        for start in stride(from: 0, to: prompts.count, by: groupSize) {
            let group = Array(prompts[start..<Swift.min(start + groupSize, prompts.count)])
            let minimumLength = (BLAS.smallBatchRows + group.count) / group.count  // > smallBatchRows positions in all
            for var sequence in generateBatch(prompts: group, firstRow: start * completionsPerPrompt, parameters: parameters,
                                              completionsPerPrompt: completionsPerPrompt, stopTokenIds: stops, decode: decode,
                                              onToken: onToken, minimumPrefillLength: minimumLength) {
                sequence.promptIndex += start
                results.append(sequence)
            }
        }
        return results
    }

    /// `prompts` as one batch; row `r` of it is row `firstRow + r` of the call (its sampler's seed, `onToken`'s index).
    private func generateBatch(prompts: [[Int]], firstRow: Int, parameters: SamplingParameters, completionsPerPrompt: Int,
                               stopTokenIds stops: Set<Int>, decode: (([Int]) -> String)?, onToken: ((Int, Int) -> Void)?,
                               minimumPrefillLength: Int = 0) -> [GeneratedSequence] {
        let contextLength = model.configuration.maxPositionEmbeddings
        let vocabularySize = model.configuration.vocabularySize
        return withoutGradients {
            let cache = KVCache(layerCount: model.layers.count, batchSize: prompts.count)
            // Prefill, left-padded: only the last position's logits are needed.
            let batch = TokenBatch(leftPadding: prompts, minimumLength: minimumPrefillLength)
            let width = batch.length
            let hidden = model.hiddenStates(batch, cache: cache)
            var logits = model.logits(fromHiddenStates: hidden.sliced(axis: 1, (width - 1)..<width))  // [P, 1, V]

            // Fan out: row r continues prompt r / n.
            let rowCount = prompts.count * completionsPerPrompt
            if completionsPerPrompt > 1 {
                let rows = (0..<rowCount).map { $0 / completionsPerPrompt }
                cache.selectRows(rows)
                logits = logits.indexSelect(rows)
            }
            var samplers = (0..<rowCount).map { row in
                TokenSampler(parameters: parameters, seed: (parameters.seed ?? 0) &+ UInt64(firstRow + row) &* 0x9E37_79B9_7F4A_7C15)
            }
            var results = (0..<rowCount).map {
                GeneratedSequence(promptIndex: $0 / completionsPerPrompt, tokens: [], logProbabilities: [], end: .length)
            }
            // Each row's limit: its prompt and completion fill at most the context.
            let tokenLimit = (0..<rowCount).map { min(parameters.maxTokens, contextLength - prompts[$0 / completionsPerPrompt].count) }
            var active = Array(0..<rowCount)           // result index of each cache row
            var nextPosition = (0..<rowCount).map { prompts[$0 / completionsPerPrompt].count }
            while !active.isEmpty {
                var finished: Set<Int> = []
                // Each row has its own sampler (and random stream), so rows sample in parallel; the
                // bookkeeping below stays in row order.
                var sampled = [(token: Int, logProbability: Float)](repeating: (0, 0), count: active.count)
                logits.storage.withUnsafeBufferPointer { all in
                    samplers.withUnsafeMutableBufferPointer { rowSamplers in
                        sampled.withUnsafeMutableBufferPointer { out in
                            parallelFor(active.count, grain: 1) { rows in
                                for cacheRow in rows {
                                    let rowLogits = UnsafeBufferPointer(rebasing: all[(cacheRow * vocabularySize)..<((cacheRow + 1) * vocabularySize)])
                                    out[cacheRow] = rowSamplers[active[cacheRow]].sample(rowLogits)
                                }
                            }
                        }
                    }
                }
                for (cacheRow, row) in active.enumerated() {
                    let (token, logProbability) = sampled[cacheRow]
                    results[row].tokens.append(token)
                    results[row].logProbabilities.append(logProbability)
                    onToken?(firstRow + row, token)
                    if stops.contains(token) {
                        results[row].end = .endOfSequence
                        finished.insert(cacheRow)
                    } else if let decode, !parameters.stop.isEmpty,
                              parameters.stop.contains(where: decode(results[row].tokens).contains) {
                        results[row].end = .stopString
                        finished.insert(cacheRow)
                    } else if results[row].tokens.count >= tokenLimit[row] {
                        finished.insert(cacheRow)
                    }
                }
                if !finished.isEmpty {
                    let remaining = active.indices.filter { !finished.contains($0) }
                    if remaining.isEmpty { break }
                    cache.selectRows(remaining)
                    active = remaining.map { active[$0] }
                }
                let step = TokenBatch(ids: active.map { results[$0].tokens.last! }, batchSize: active.count, length: 1,
                                      positions: active.map { nextPosition[$0] })
                for row in active { nextPosition[row] += 1 }
                logits = model(step, cache: cache)  // [A, 1, V]
            }
            return results
        }
    }

    /// Checks what `generate` checks before decoding (shared with `BatchedDecoder`).
    static func validate(prompts: [[Int]], parameters: SamplingParameters, model: TransformerDecoder) throws {
        try parameters.validate()
        let contextLength = model.configuration.maxPositionEmbeddings
        if let index = prompts.firstIndex(where: { $0.count >= contextLength }) {
            throw GenerationError.promptTooLong(promptIndex: index, promptTokens: prompts[index].count, contextLength: contextLength)
        }
        if let index = prompts.firstIndex(where: \.isEmpty) { throw GenerationError.emptyPrompt(promptIndex: index) }
        let vocabularySize = model.configuration.vocabularySize
        for (index, prompt) in prompts.enumerated() {
            if let token = prompt.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                throw GenerationError.tokenOutOfRange(promptIndex: index, token: token, vocabularySize: vocabularySize)
            }
        }
    }
}
