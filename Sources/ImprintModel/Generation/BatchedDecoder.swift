import Foundation
import ImprintCore
import ImprintTensor

/// One request to a `BatchedDecoder`: a prompt, how to sample its continuations, and how many.
public struct DecodingRequest: Sendable {
    /// The prompt's token ids (non-empty, shorter than the model's context).
    public var prompt: [Int]
    public var parameters: SamplingParameters
    /// How many completions of the prompt (OpenAI's `n`); they share one prefill.
    public var completions: Int
    /// End-of-sequence ids: a completion that samples one ends with `.endOfSequence`.
    public var stopTokenIds: Set<Int>
    /// Turns a completion's tokens into text; needed when `parameters.stop` has strings.
    public var decode: (@Sendable ([Int]) -> String)?

    public init(prompt: [Int], parameters: SamplingParameters, completions: Int = 1, stopTokenIds: Set<Int>,
                decode: (@Sendable ([Int]) -> String)? = nil) {
        self.prompt = prompt
        self.parameters = parameters
        self.completions = completions
        self.stopTokenIds = stopTokenIds
        self.decode = decode
    }
}

/// What a `BatchedDecoder` reports about a request, in order for each completion.
public enum DecodingEvent: Sendable, Equatable {
    /// Completion `completion` (0..<n) produced `token`, with `log p(token)` under `softmax(logits / T)`.
    case token(completion: Int, token: Int, logProbability: Float)
    /// Completion `completion` ended (after its last `.token`).
    case finished(completion: Int, end: SequenceEnd)
}

/// A request the decoder refuses before decoding it.
public enum BatchedDecoderError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// `shutDown()` was called: no new requests.
    case shuttingDown
    /// `maxQueuedRequests` requests already wait for room in the batch.
    case queueFull(limit: Int)
    /// A request's completions must fit in one batch together.
    case tooManyCompletions(requested: Int, maxBatchSize: Int)

    public var description: String {
        switch self {
        case .shuttingDown:
            return "the decoder is shutting down and takes no new requests"
        case let .queueFull(limit):
            return "\(limit) requests are already waiting for the decoder; try again later"
        case let .tooManyCompletions(requested, maxBatchSize):
            return "\(requested) completions were asked for, but at most \(maxBatchSize) decode together (the batch size)"
        }
    }

    public var errorDescription: String? { description }
}

/// Continuous batching: requests join and leave one decoding batch between steps.
///
/// Every step advances all running completions by one token with one forward pass. Between steps,
/// completions of cancelled requests leave, and waiting requests join: their prompts are prefilled
/// (together, left-padded, as `Generator` prefills a batch), fanned out to their `n` completions, and
/// their KV rows appended to the running cache, right-aligned (`KVCache+Batching`). Finished
/// completions leave the cache at once, so they stop costing work.
///
/// Each completion is what `Generator` produces for its prompt alone: it samples with its own
/// `TokenSampler` seeded from `parameters.seed` and its completion index, on logits that differ
/// only by float rounding from an unbatched pass (padding changes summation order, not the math).
///
/// ```swift
/// let decoder = BatchedDecoder(model: model)
/// for try await event in try decoder.submit(DecodingRequest(prompt: ids, parameters: .greedy(maxTokens: 32),
///                                                           stopTokenIds: [2])) {
///     if case .token(_, let token, _) = event { print(token) }
/// }
/// ```
///
/// One thread runs the decoding loop while there is work and ends when there is none; nothing runs
/// between requests. Cancelling the task that iterates a request's stream (or dropping the stream)
/// takes its completions out of the batch at the next step. The model must not be used elsewhere
/// while the decoder runs (its products use every core anyway).
public final class BatchedDecoder: @unchecked Sendable {
    /// Limits of the batch and its queue.
    public struct Configuration: Sendable, Equatable {
        /// The most completions decoded together; requests wait for room beyond it.
        public var maxBatchSize: Int
        /// The most requests waiting for room; more are refused with `.queueFull`.
        public var maxQueuedRequests: Int
        /// The most prompt positions (padding included) prefilled between two steps, so joining requests
        /// stall the running ones only briefly; a longer prompt is prefilled alone.
        public var maxPrefillTokens: Int

        public init(maxBatchSize: Int = 16, maxQueuedRequests: Int = 1024, maxPrefillTokens: Int = 2048) {
            precondition(maxBatchSize >= 1 && maxQueuedRequests >= 0 && maxPrefillTokens >= 1,
                         "BatchedDecoder.Configuration needs positive limits, got \(maxBatchSize), \(maxQueuedRequests), \(maxPrefillTokens)")
            self.maxBatchSize = maxBatchSize
            self.maxQueuedRequests = maxQueuedRequests
            self.maxPrefillTokens = maxPrefillTokens
        }
    }

    /// How busy the decoder is, for health checks and logs.
    public struct Load: Sendable, Equatable {
        /// Completions in the batch.
        public var runningCompletions: Int
        /// Requests waiting to join it.
        public var queuedRequests: Int
        /// Decoding steps run since the decoder was made.
        public var steps: Int
        /// Tokens sampled since the decoder was made.
        public var generatedTokens: Int
    }

    public let model: TransformerDecoder
    public let configuration: Configuration

    /// Guards everything below it; the loop thread takes it once per step.
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var loopIsRunning = false
    private var isShuttingDown = false
    private var unfinishedJobs = 0
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []
    private var load = Load(runningCompletions: 0, queuedRequests: 0, steps: 0, generatedTokens: 0)

    public init(model: TransformerDecoder, configuration: Configuration = Configuration()) {
        self.model = model
        self.configuration = configuration
    }

    /// The decoder's load now.
    public var currentLoad: Load {
        condition.lock()
        defer { condition.unlock() }
        var snapshot = load
        snapshot.queuedRequests = queue.count
        return snapshot
    }

    /// Queues a request; its completions' tokens arrive on the returned stream as they are sampled.
    ///
    /// The stream ends after every completion's `.finished`. Cancelling its consumer (or dropping it)
    /// removes the request from the batch at the next step.
    ///
    /// - Throws: `InvalidSamplingParameter`; `GenerationError` for an empty or too long prompt or a
    ///   token outside the vocabulary; `BatchedDecoderError` when shutting down, when the queue is full,
    ///   or for more completions than the batch holds.
    public func submit(_ request: DecodingRequest) throws -> AsyncThrowingStream<DecodingEvent, Error> {
        precondition(request.completions >= 1, "completions must be at least 1, got \(request.completions)")
        precondition(request.parameters.stop.isEmpty || request.decode != nil, "stop strings need a decode function")
        try Generator.validate(prompts: [request.prompt], parameters: request.parameters, model: model)
        guard request.completions <= configuration.maxBatchSize else {
            throw BatchedDecoderError.tooManyCompletions(requested: request.completions, maxBatchSize: configuration.maxBatchSize)
        }
        let (stream, continuation) = AsyncThrowingStream<DecodingEvent, Error>.makeStream()
        let job = Job(request: request, continuation: continuation)
        condition.lock()
        defer { condition.unlock() }
        guard !isShuttingDown else { throw BatchedDecoderError.shuttingDown }
        guard queue.count < configuration.maxQueuedRequests else {
            throw BatchedDecoderError.queueFull(limit: configuration.maxQueuedRequests)
        }
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination { self?.cancel(job) }
        }
        queue.append(job)
        unfinishedJobs += 1
        if !loopIsRunning {
            loopIsRunning = true
            let thread = Thread { [self] in run() }
            thread.name = "imprint-batched-decoder"
            thread.stackSize = 8 << 20
            thread.start()
        }
        return stream
    }

    /// All completions of a request, decoded in the shared batch (`promptIndex` 0).
    public func generate(_ request: DecodingRequest) async throws -> [GeneratedSequence] {
        var sequences = (0..<request.completions).map { _ in
            GeneratedSequence(promptIndex: 0, tokens: [], logProbabilities: [], end: .length)
        }
        for try await event in try submit(request) {
            switch event {
            case let .token(completion, token, logProbability):
                sequences[completion].tokens.append(token)
                sequences[completion].logProbabilities.append(logProbability)
            case let .finished(completion, end):
                sequences[completion].end = end
            }
        }
        try Task.checkCancellation()
        return sequences
    }

    /// Refuses new requests and returns once every accepted one has finished (or been cancelled).
    public func shutDown() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            condition.lock()
            isShuttingDown = true
            if unfinishedJobs == 0 {
                condition.unlock()
                waiter.resume()
            } else {
                drainWaiters.append(waiter)
                condition.unlock()
            }
        }
    }

    private func cancel(_ job: Job) {
        condition.lock()
        job.isCancelled = true
        condition.unlock()
    }

    /// Marks a job done (under the lock) and wakes `shutDown` when it was the last one.
    private func jobEnded() {
        unfinishedJobs -= 1
        if unfinishedJobs == 0 {
            for waiter in drainWaiters { waiter.resume() }
            drainWaiters = []
        }
    }

    // MARK: - The decoding loop

    /// A queued or running request.
    final class Job {
        let request: DecodingRequest
        let continuation: AsyncThrowingStream<DecodingEvent, Error>.Continuation
        /// Set by the stream's termination handler; read by the loop. Guarded by the decoder's lock.
        var isCancelled = false
        var unfinishedCompletions: Int

        init(request: DecodingRequest, continuation: AsyncThrowingStream<DecodingEvent, Error>.Continuation) {
            self.request = request
            self.continuation = continuation
            unfinishedCompletions = request.completions
        }
    }

    /// One completion in the batch; `rows[i]` is cache row `i`.
    struct Row {
        let job: Job
        let completion: Int
        var tokens: [Int] = []
        /// Tokens it may generate: `maxTokens`, or fewer when the context ends first.
        let tokenLimit: Int
        /// The RoPE position of its next token.
        var nextPosition: Int
    }

    /// The loop thread: steps while there are rows or waiting requests, then ends.
    private func run() {
        let vocabularySize = model.configuration.vocabularySize
        let contextLength = model.configuration.maxPositionEmbeddings
        let maxRows = configuration.maxBatchSize
        var rows: [Row] = []
        var samplers: [TokenSampler] = []
        var cache = KVCache(layerCount: model.layers.count, batchSize: 0)
        // Row i's logits at i * vocabularySize; sampled tokens. Allocated once.
        var logits = [Float](repeating: 0, count: maxRows * vocabularySize)
        var sampled = [(token: Int, logProbability: Float)](repeating: (0, 0), count: maxRows)
        var finished: [Int] = []
        finished.reserveCapacity(maxRows)
        withoutGradients {
            while true {
                // Between steps: who leaves (cancelled), who joins (room and prefill budget permitting).
                condition.lock()
                let cancelled = rows.indices.filter { rows[$0].job.isCancelled }
                var joining: [Job] = []
                var freeRows = maxRows - (rows.count - cancelled.count)
                var longestPrompt = 0
                while let next = queue.first {
                    if next.isCancelled {
                        queue.removeFirst()
                        next.continuation.finish(throwing: CancellationError())
                        jobEnded()
                        continue
                    }
                    let padded = Swift.max(longestPrompt, next.request.prompt.count) * (joining.count + 1)
                    guard next.request.completions <= freeRows, joining.isEmpty || padded <= configuration.maxPrefillTokens else { break }
                    joining.append(queue.removeFirst())
                    freeRows -= next.request.completions
                    longestPrompt = Swift.max(longestPrompt, next.request.prompt.count)
                }
                for index in cancelled { leave(rows[index], end: nil) }
                if rows.count == cancelled.count && joining.isEmpty {
                    loopIsRunning = false
                    load.runningCompletions = 0
                    condition.unlock()
                    return
                }
                condition.unlock()

                if !cancelled.isEmpty {
                    let kept = rows.indices.filter { !cancelled.contains($0) }
                    rows = kept.map { rows[$0] }
                    samplers = kept.map { samplers[$0] }
                    cache.keepRows(kept)
                }
                // Running rows advance by their last token.
                if !rows.isEmpty {
                    let step = TokenBatch(ids: rows.map { $0.tokens.last! }, batchSize: rows.count, length: 1,
                                          positions: rows.map(\.nextPosition))
                    for index in rows.indices { rows[index].nextPosition += 1 }
                    let stepLogits = model(step, cache: cache)  // [A, 1, V]
                    logits.withUnsafeMutableBufferPointer { buffer in
                        stepLogits.storage.withUnsafeBufferPointer { source in
                            buffer.baseAddress!.update(from: source.baseAddress!, count: rows.count * vocabularySize)
                        }
                    }
                }
                // Joining requests: one left-padded prefill, fanned out to their completions.
                if !joining.isEmpty {
                    let joined = KVCache(layerCount: model.layers.count, batchSize: joining.count)
                    let batch = TokenBatch(leftPadding: joining.map(\.request.prompt))
                    let width = batch.length
                    let hidden = model.hiddenStates(batch, cache: joined)
                    let promptLogits = model.logits(fromHiddenStates: hidden.sliced(axis: 1, (width - 1)..<width))  // [J, 1, V]
                    var fanOut: [Int] = []
                    for (jobIndex, job) in joining.enumerated() {
                        let parameters = job.request.parameters
                        for completion in 0..<job.request.completions {
                            fanOut.append(jobIndex)
                            logits.withUnsafeMutableBufferPointer { buffer in
                                promptLogits.storage.withUnsafeBufferPointer { source in
                                    (buffer.baseAddress! + rows.count * vocabularySize)
                                        .update(from: source.baseAddress! + jobIndex * vocabularySize, count: vocabularySize)
                                }
                            }
                            let promptLength = job.request.prompt.count
                            rows.append(Row(job: job, completion: completion,
                                            tokenLimit: Swift.min(parameters.maxTokens, contextLength - promptLength),
                                            nextPosition: promptLength))
                            samplers.append(TokenSampler(parameters: parameters,
                                                         seed: (parameters.seed ?? 0) &+ UInt64(completion) &* 0x9E37_79B9_7F4A_7C15))
                        }
                    }
                    if fanOut != Array(joining.indices) { joined.selectRows(fanOut) }
                    if cache.batchSize == 0 { cache = joined } else { cache.appendRows(of: joined) }
                }

                // Every row samples from its own logits with its own sampler, in parallel.
                let rowCount = rows.count
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
                finished.removeAll(keepingCapacity: true)
                var ends: [SequenceEnd] = []
                for index in 0..<rowCount {
                    let (token, logProbability) = sampled[index]
                    rows[index].tokens.append(token)
                    let row = rows[index]
                    row.job.continuation.yield(.token(completion: row.completion, token: token, logProbability: logProbability))
                    let parameters = row.job.request.parameters
                    var end: SequenceEnd? = nil
                    if row.job.request.stopTokenIds.contains(token) {
                        end = .endOfSequence
                    } else if let decode = row.job.request.decode, !parameters.stop.isEmpty,
                              parameters.stop.contains(where: decode(row.tokens).contains) {
                        end = .stopString
                    } else if row.tokens.count >= row.tokenLimit {
                        end = .length
                    }
                    if let end {
                        finished.append(index)
                        ends.append(end)
                    }
                }
                condition.lock()
                load.steps += 1
                load.generatedTokens += rowCount
                for (index, end) in zip(finished, ends) { leave(rows[index], end: end) }
                load.runningCompletions = rowCount - finished.count
                condition.unlock()
                if !finished.isEmpty {
                    let kept = rows.indices.filter { !finished.contains($0) }
                    rows = kept.map { rows[$0] }
                    samplers = kept.map { samplers[$0] }
                    if kept.isEmpty {
                        cache = KVCache(layerCount: model.layers.count, batchSize: 0)
                    } else {
                        cache.keepRows(kept)
                    }
                }
            }
        }
    }

    /// Reports a row's end (nil: cancelled) and ends its request's stream after its last row. Under the lock.
    private func leave(_ row: Row, end: SequenceEnd?) {
        if let end { row.job.continuation.yield(.finished(completion: row.completion, end: end)) }
        row.job.unfinishedCompletions -= 1
        guard row.job.unfinishedCompletions == 0 else { return }
        if row.job.isCancelled {
            row.job.continuation.finish(throwing: CancellationError())
        } else {
            row.job.continuation.finish()
        }
        jobEnded()
    }
}
