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
        guard !prompts.isEmpty else { return [] }
        let stops = stopTokenIds ?? Set(model.configuration.eosTokenIds)
        guard batchInvariant else {
            let prefilled = withoutGradients { prefill(prompts, minimumLength: 0, invariant: false) }
            return generateBatch(prompts: prompts, rows: Array(0..<(prompts.count * completionsPerPrompt)), parameters: parameters,
                                 completionsPerPrompt: completionsPerPrompt, stopTokenIds: stops, decode: decode, onToken: onToken,
                                 prefilled: prefilled)
        }
        // Groups of prompts whose rows decode with the streaming kernel, prefilled with the packed one (a packed product
        // gives a row the same values for any row count). Prompts are grouped by length (ties in call order) so a group
        // pads little; grouping changes no completion. The prompts' common prefix is prefilled once per call and each
        // group's remainders in a pass of their own, padded only to the group's longest (one pass over four groups padded
        // every remainder to the longest of the four: the evaluator's 600 questions, 128 per call, prefilled 34% padding
        // that way, 8% by group; `imprint eval` 84.1 -> 67.6 s).
        let groupSize = Swift.max(1, BLAS.smallBatchRows / completionsPerPrompt)
        let order = prompts.indices.sorted { (prompts[$0].count, $0) < (prompts[$1].count, $1) }
        var results = [GeneratedSequence?](repeating: nil, count: prompts.count * completionsPerPrompt)
        let prefix = withoutGradients { sharedPrefix(prompts, invariant: true) }
        for groupStart in stride(from: 0, to: order.count, by: groupSize) {
            let members = Array(order[groupStart..<Swift.min(groupStart + groupSize, order.count)])
            let minimumLength = (BLAS.smallBatchRows + members.count) / members.count  // > smallBatchRows positions in all
            let prefilled = withoutGradients {
                prefill(members.map { prompts[$0] }, minimumLength: minimumLength, invariant: true, prefix: prefix)
            }
            let rows = members.flatMap { prompt in (0..<completionsPerPrompt).map { prompt * completionsPerPrompt + $0 } }
            for (row, var sequence) in generateBatch(prompts: members.map { prompts[$0] }, rows: rows, parameters: parameters,
                                                     completionsPerPrompt: completionsPerPrompt, stopTokenIds: stops, decode: decode,
                                                     onToken: onToken, prefilled: prefilled).enumerated() {
                sequence.promptIndex = members[sequence.promptIndex]
                results[rows[row]] = sequence
            }
        }
        return results.map { $0! }
    }

    /// `prompts` as one batch, prefilled (`prefill`: their cache and last hidden states); its row `r` is row `rows[r]`
    /// of the call (its sampler's seed, `onToken`'s index).
    private func generateBatch(prompts: [[Int]], rows rowIndices: [Int], parameters: SamplingParameters, completionsPerPrompt: Int,
                               stopTokenIds stops: Set<Int>, decode: (([Int]) -> String)?, onToken: ((Int, Int) -> Void)?,
                               prefilled: (cache: KVCache, lastHidden: Tensor)) -> [GeneratedSequence] {
        let contextLength = model.configuration.maxPositionEmbeddings
        let vocabularySize = model.configuration.vocabularySize
        return withoutGradients {
            // Only the prompts' last positions' logits are needed.
            let cache = prefilled.cache
            var logits = model.logits(fromHiddenStates: prefilled.lastHidden)  // [P, 1, V]

            // Fan out: row r continues prompt r / n.
            let rowCount = prompts.count * completionsPerPrompt
            if completionsPerPrompt > 1 {
                let rows = (0..<rowCount).map { $0 / completionsPerPrompt }
                cache.selectRows(rows)
                logits = logits.indexSelect(rows)
            }
            var samplers = (0..<rowCount).map { row in
                TokenSampler(parameters: parameters, seed: (parameters.seed ?? 0) &+ UInt64(rowIndices[row]) &* 0x9E37_79B9_7F4A_7C15)
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
                // Rows in call order (the cache's order changes as rows leave).
                for (cacheRow, row) in active.enumerated().sorted(by: { $0.element < $1.element }) {
                    let (token, logProbability) = sampled[cacheRow]
                    results[row].tokens.append(token)
                    results[row].logProbabilities.append(logProbability)
                    onToken?(rowIndices[row], token)
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
                    // Each finished row's place is taken by the last row (a row's values do not depend on its place).
                    let remaining = KVCache.swapRemoving(finished, from: active.count)
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

    /// Prefills `prompts` into a new cache (rows right-aligned, padding on the left) and returns it with each prompt's
    /// last hidden state, `[P, 1, hidden]`.
    ///
    /// Prompts that begin alike (a chat template's system prompt, few-shot examples) have their common prefix prefilled
    /// once, fanned out to every row, and only their remainders prefilled together (right-padded, then moved right):
    /// vLLM's prefix caching within one call. The states are those of prefilling each prompt whole, bit for bit, when
    /// both passes use the packed product (more than `BLAS.smallBatchRows` positions each, which `invariant` asks for)
    /// and no prompt is longer than one k block of the attention's products (256 keys), where a query's sums do not
    /// depend on where its prompt was split. Prefixes of at least 8 tokens are shared. `prefix` (from `sharedPrefix` of a
    /// larger set these prompts belong to) is used instead of prefilling their own, so several groups share one pass.
    func prefill(_ prompts: [[Int]], minimumLength: Int, invariant: Bool,
                 prefix given: SharedPrefix? = nil) -> (cache: KVCache, lastHidden: Tensor) {
        guard let prefix = given ?? sharedPrefix(prompts, invariant: invariant) else {
            let cache = KVCache(layerCount: model.layers.count, batchSize: prompts.count)
            let batch = TokenBatch(leftPadding: prompts, minimumLength: minimumLength)
            let hidden = model.hiddenStates(batch, cache: cache)
            return (cache, hidden.sliced(axis: 1, (batch.length - 1)..<batch.length))
        }
        let shared = prefix.length
        precondition(prompts.allSatisfy { $0.count > shared && $0[..<shared].elementsEqual(prefix.tokens) },
                     "every prompt must continue the shared prefix")
        let cache = prefix.cache.copyingRows([Int](repeating: 0, count: prompts.count))
        let remainders = prompts.map { $0[shared...] }
        let packedLength = invariant ? (BLAS.smallBatchRows + prompts.count) / prompts.count : 1
        let width = Swift.max(remainders.map(\.count).max()!, packedLength)
        var ids: [Int] = [], mask: [Bool] = [], positions: [Int] = []
        for remainder in remainders {
            let padding = width - remainder.count
            ids += remainder + [Int](repeating: remainder.last!, count: padding)
            mask += [Bool](repeating: true, count: remainder.count) + [Bool](repeating: false, count: padding)
            positions += Array(shared..<(shared + width))
        }
        let hidden = model.hiddenStates(TokenBatch(ids: ids, batchSize: prompts.count, length: width, positions: positions,
                                                   attentionMask: mask), cache: cache)  // [P, width, hidden]
        cache.rightAlign()
        let dimension = hidden.shape[2]
        let last = hidden.reshaped([prompts.count * width, dimension])
            .indexSelect(remainders.enumerated().map { $0 * width + $1.count - 1 })
        return (cache, last.reshaped([prompts.count, 1, dimension]))
    }

    /// A prefix that several prompts share, prefilled once: its tokens and its cache (row 0 is the prefix's; `prefill`
    /// fans it out with `copyingRows`).
    struct SharedPrefix {
        var tokens: [Int]
        var cache: KVCache
        var length: Int { tokens.count }
    }

    /// The common prefix of `prompts` prefilled, or nil where `prefill` fills each prompt whole: one prompt, a prefix
    /// under 8 tokens, or (`invariant`) a prompt longer than 256 tokens.
    func sharedPrefix(_ prompts: [[Int]], invariant: Bool) -> SharedPrefix? {
        let shared = Self.sharedPrefixLength(prompts)
        let longest = prompts.map(\.count).max() ?? 0
        guard prompts.count > 1, shared >= 8, !invariant || longest <= 256 else { return nil }
        // The prefix's pass must use the packed products too: a prefix of up to `smallBatchRows` tokens is prefilled
        // as that many identical rows (a packed product gives each row the same values); row 0 is the one used.
        let tokens = Array(prompts[0][..<shared])
        let copies = invariant ? (BLAS.smallBatchRows + shared) / shared : 1
        let cache = KVCache(layerCount: model.layers.count, batchSize: copies)
        _ = model.hiddenStates(TokenBatch(rows: [[Int]](repeating: tokens, count: copies)), cache: cache)
        return SharedPrefix(tokens: tokens, cache: cache)
    }

    /// The length of the prefix all `prompts` share, leaving every prompt at least one token of its own.
    static func sharedPrefixLength(_ prompts: [[Int]]) -> Int {
        guard let first = prompts.first else { return 0 }
        var length = prompts.map { $0.count - 1 }.min() ?? 0
        for prompt in prompts.dropFirst() {
            var common = 0
            while common < length && prompt[common] == first[common] { common += 1 }
            length = common
        }
        return Swift.max(0, length)
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
