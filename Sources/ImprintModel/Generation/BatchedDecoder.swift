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

    /// The loop thread: steps while there are rows or waiting requests, then ends.
    ///
    /// One step: cancelled rows leave, running rows advance by their last token, joining requests are
    /// prefilled, every row samples its next token, finished rows leave.
    private func run() {
        let batch = DecodingBatch(model: model, maxRows: configuration.maxBatchSize)
        withoutGradients {
            while let (cancelled, joining) = nextChanges(to: batch) {
                batch.remove(cancelled)
                batch.advance()
                batch.join(joining)
                let ended = batch.sampleNextTokens()
                condition.lock()
                load.steps += 1
                load.generatedTokens += batch.rows.count
                for (row, end) in ended { leave(batch.rows[row], end: end) }
                load.runningCompletions = batch.rows.count - ended.count
                condition.unlock()
                batch.remove(ended.map(\.row))
            }
        }
    }

    /// Between two steps, under the lock: the rows of cancelled requests (reported as left) and the
    /// requests that join (FIFO, while their completions fit and the prefill budget allows); nil when
    /// there is nothing left to do, and the loop ends.
    private func nextChanges(to batch: DecodingBatch) -> (cancelled: [Int], joining: [Job])? {
        condition.lock()
        defer { condition.unlock() }
        let cancelled = batch.rows.indices.filter { batch.rows[$0].job.isCancelled }
        var joining: [Job] = []
        var freeRows = configuration.maxBatchSize - (batch.rows.count - cancelled.count)
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
        for index in cancelled { leave(batch.rows[index], end: nil) }
        guard batch.rows.count > cancelled.count || !joining.isEmpty else {
            loopIsRunning = false
            load.runningCompletions = 0
            return nil
        }
        return (cancelled, joining)
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
