import ImprintCore
import ImprintTensor

extension BatchedDecoder {
    /// One completion in the batch.
    struct Row {
        let job: Job
        /// Which of its request's completions it is (0..<n); seeds its sampler.
        let completion: Int
        var tokens: [Int] = []
        /// Tokens it may generate: `maxTokens`, or fewer when the context ends first.
        let tokenLimit: Int
        /// The RoPE position of its next token.
        var nextPosition: Int
    }

    /// The rows being decoded, their KV cache (row `i` is `rows[i]`), their samplers and their next
    /// logits. Used by the loop thread only.
    ///
    /// Its buffers for logits and sampled tokens are allocated once; a step allocates only the model's
    /// tensors and a few arrays of one entry per row.
    final class DecodingBatch {
        let model: TransformerDecoder
        private(set) var rows: [Row] = []
        private var samplers: [TokenSampler] = []
        private var cache: KVCache
        /// Row `i`'s next-token logits at `i * vocabularySize`.
        private var logits: [Float]
        private var sampled: [(token: Int, logProbability: Float)]
        private let vocabularySize: Int

        init(model: TransformerDecoder, maxRows: Int) {
            self.model = model
            vocabularySize = model.configuration.vocabularySize
            cache = KVCache(layerCount: model.layers.count, batchSize: 0)
            logits = [Float](repeating: 0, count: maxRows * vocabularySize)
            sampled = [(token: Int, logProbability: Float)](repeating: (0, 0), count: maxRows)
        }

        /// Drops the rows at `indices` (from the cache too; it shrinks to its longest remaining row).
        func remove(_ indices: [Int]) {
            guard !indices.isEmpty else { return }
            let kept = rows.indices.filter { !indices.contains($0) }
            rows = kept.map { rows[$0] }
            samplers = kept.map { samplers[$0] }
            if kept.isEmpty {
                cache = KVCache(layerCount: model.layers.count, batchSize: 0)
            } else {
                cache.keepRows(kept)
            }
        }

        /// One forward pass of every row's last token: their next logits.
        func advance() {
            guard !rows.isEmpty else { return }
            let step = TokenBatch(ids: rows.map { $0.tokens.last! }, batchSize: rows.count, length: 1, positions: rows.map(\.nextPosition))
            for index in rows.indices { rows[index].nextPosition += 1 }
            let stepLogits = model(step, cache: cache)  // [A, 1, V]
            logits.withUnsafeMutableBufferPointer { buffer in
                stepLogits.storage.withUnsafeBufferPointer { source in
                    buffer.baseAddress!.update(from: source.baseAddress!, count: rows.count * vocabularySize)
                }
            }
        }

        /// Prefills the prompts of `jobs` as one left-padded batch, fans each out to its completions, and
        /// appends their rows (and KV rows) after the running ones.
        func join(_ jobs: [Job]) {
            guard !jobs.isEmpty else { return }
            let contextLength = model.configuration.maxPositionEmbeddings
            let joined = KVCache(layerCount: model.layers.count, batchSize: jobs.count)
            let batch = TokenBatch(leftPadding: jobs.map(\.request.prompt))
            let width = batch.length
            let hidden = model.hiddenStates(batch, cache: joined)
            let promptLogits = model.logits(fromHiddenStates: hidden.sliced(axis: 1, (width - 1)..<width))  // [J, 1, V]
            var fanOut: [Int] = []
            for (jobIndex, job) in jobs.enumerated() {
                let (parameters, promptLength) = (job.request.parameters, job.request.prompt.count)
                for completion in 0..<job.request.completions {
                    fanOut.append(jobIndex)
                    logits.withUnsafeMutableBufferPointer { buffer in
                        promptLogits.storage.withUnsafeBufferPointer { source in
                            (buffer.baseAddress! + rows.count * vocabularySize)
                                .update(from: source.baseAddress! + jobIndex * vocabularySize, count: vocabularySize)
                        }
                    }
                    rows.append(Row(job: job, completion: completion, tokenLimit: Swift.min(parameters.maxTokens, contextLength - promptLength),
                                    nextPosition: promptLength))
                    // As `Generator` seeds row `completion` of a prompt sent alone.
                    samplers.append(TokenSampler(parameters: parameters,
                                                 seed: (parameters.seed ?? 0) &+ UInt64(completion) &* 0x9E37_79B9_7F4A_7C15))
                }
            }
            if fanOut != Array(jobs.indices) { joined.selectRows(fanOut) }
            if cache.batchSize == 0 { cache = joined } else { cache.appendRows(of: joined) }
        }

        /// Samples every row's next token from its logits with its own sampler (rows in parallel), appends
        /// it, reports it on the row's stream, and returns the rows that ended with it and how.
        func sampleNextTokens() -> [(row: Int, end: SequenceEnd)] {
            let (rowCount, vocabularySize) = (rows.count, self.vocabularySize)
            logits.withUnsafeBufferPointer { all in
                samplers.withUnsafeMutableBufferPointer { rowSamplers in
                    sampled.withUnsafeMutableBufferPointer { out in
                        parallelFor(rowCount, grain: 1) { range in
                            for row in range {
                                let rowLogits = UnsafeBufferPointer(rebasing: all[(row * vocabularySize)..<((row + 1) * vocabularySize)])
                                out[row] = rowSamplers[row].sample(rowLogits)
                            }
                        }
                    }
                }
            }
            var ended: [(row: Int, end: SequenceEnd)] = []
            for index in 0..<rowCount {
                let (token, logProbability) = sampled[index]
                rows[index].tokens.append(token)
                let row = rows[index]
                let request = row.job.request
                row.job.continuation.yield(.token(completion: row.completion, token: token, logProbability: logProbability))
                if request.stopTokenIds.contains(token) {
                    ended.append((index, .endOfSequence))
                } else if let decode = request.decode, !request.parameters.stop.isEmpty,
                          request.parameters.stop.contains(where: decode(row.tokens).contains) {
                    ended.append((index, .stopString))
                } else if row.tokens.count >= row.tokenLimit {
                    ended.append((index, .length))
                }
            }
            return ended
        }
    }
}
