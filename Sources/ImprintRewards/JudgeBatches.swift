import ImprintCore

/// Sends judge prompts through a `TextGenerator` in batches of `batchSize` prompts, at most
/// `maxConcurrentBatches` calls in flight, and returns each prompt's output or its batch's failure.
///
/// The one way judge prompts are asked, shared by `JudgeReward` (GRPO) and ImprintEval's LLM judges, so
/// training and evaluation judge alike. A batch whose call throws (server down, timeout) or returns the
/// wrong number of completions fails as a whole; the other batches are unaffected. Cancellation is rethrown.
///
/// ```swift
/// let batches = JudgeBatches(judge: server, sampling: .greedy(maxTokens: 300), batchSize: 16)
/// let outputs = try await batches.outputs(for: prompts)   // [.success("...Final Verdict: 1"), .failure(...), ...]
/// ```
public struct JudgeBatches: Sendable {
    /// The judge model or server.
    public var judge: any TextGenerator
    /// How the judge samples.
    public var sampling: SamplingParameters
    /// Prompts per judge call.
    public var batchSize: Int
    /// Judge calls in flight at once.
    public var maxConcurrentBatches: Int

    public init(judge: any TextGenerator, sampling: SamplingParameters, batchSize: Int = 16, maxConcurrentBatches: Int = 4) {
        precondition(batchSize > 0 && maxConcurrentBatches > 0,
                     "JudgeBatches: batchSize \(batchSize) and maxConcurrentBatches \(maxConcurrentBatches) must be positive")
        self.judge = judge
        self.sampling = sampling
        self.batchSize = batchSize
        self.maxConcurrentBatches = maxConcurrentBatches
    }

    /// Why a batch of judge prompts has no outputs: the call's error, or a count mismatch.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// One call's outcome, by chunk (a struct: task groups returning tuples holding a `Result` were miscompiled in
    /// release builds).
    private struct ChunkOutcome: Sendable {
        var chunk: Int
        var outputs: Result<[String], Failure>
    }

    /// The judge's output text for each prompt, in order, or the failure of the batch it was sent in.
    ///
    /// - Throws: `CancellationError` when the task is cancelled; no other error (failures are per batch).
    public func outputs(for prompts: [GenerationPrompt]) async throws -> [Result<String, Failure>] {
        var results = [Result<String, Failure>](repeating: .failure(Failure(description: "not judged")), count: prompts.count)
        let chunks = stride(from: 0, to: prompts.count, by: batchSize).map { $0..<min($0 + batchSize, prompts.count) }
        try await withThrowingTaskGroup(of: ChunkOutcome.self) { group in
            var next = 0
            func launch() {
                guard next < chunks.count else { return }
                let chunk = next, chunkPrompts = Array(prompts[chunks[next]])
                let judge = self.judge, sampling = self.sampling
                next += 1
                group.addTask {
                    do {
                        let texts = try await judge.generate(chunkPrompts, parameters: sampling).map(\.text)
                        guard texts.count == chunkPrompts.count else {
                            return ChunkOutcome(chunk: chunk, outputs: .failure(Failure(
                                description: "\(texts.count) outputs for \(chunkPrompts.count) prompts")))
                        }
                        return ChunkOutcome(chunk: chunk, outputs: .success(texts))
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        return ChunkOutcome(chunk: chunk, outputs: .failure(Failure(description: "\(error)")))
                    }
                }
            }
            for _ in 0..<maxConcurrentBatches { launch() }
            for try await outcome in group {
                let range = chunks[outcome.chunk]
                switch outcome.outputs {
                case .success(let texts):
                    for (index, text) in zip(range, texts) { results[index] = .success(text) }
                case .failure(let failure):
                    for index in range { results[index] = .failure(failure) }
                }
                launch()
            }
        }
        try Task.checkCancellation()
        return results
    }
}
