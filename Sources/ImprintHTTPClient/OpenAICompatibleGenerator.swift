import AsyncHTTPClient
import Foundation
import ImprintCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// A `TextGenerator` over an OpenAI-compatible server: vLLM, llama.cpp's `llama-server`, `imprint serve`, OpenAI.
///
/// `.messages` prompts go to `/chat/completions` (the server applies the chat template), `.text` prompts to
/// `/completions`; every prompt is one request, sent concurrently, at most `maxConcurrentRequests` in flight over
/// all calls, and the completions come back in prompt order. `temperature`, `top_p`, `max_tokens`, `stop`, `seed`
/// and `n` are sent as they are (`top_k`, `min_p` when set); `finish_reason`, `usage` and `logprobs` come back in
/// each `Completion`. Transient failures (connection errors, timeouts, HTTP 429/502/503/504) are retried as
/// `RetryPolicy` says; any other failure throws `OpenAICompatibleServerError` naming the endpoint and the status.
///
/// `n` completions of a prompt (`generate(_:parameters:count:)`) are asked in one request; a server that refuses
/// `n` > 1 as unsupported (a 400, 422 or 501 that the same request with `n` = 1 does not get; llama.cpp's server
/// answers `n` above its `--parallel` slots that way) is asked `n` times instead, the k-th time with the seed
/// `seed + k`, and is not asked for `n` > 1 again.
///
/// **The HTTP client.** `init(configuration:httpClient:)` borrows an `HTTPClient`: its owner shuts it down after
/// the generator's last request. `init(configuration:)` makes one the generator owns, sized to
/// `maxConcurrentRequests` connections on SwiftNIO's shared event loops (no threads of its own); call `shutdown()`
/// when done (a debug build of AsyncHTTPClient traps when an `HTTPClient` is released running).
/// `withGenerator(configuration:_:)` does both around a closure.
///
/// ```swift
/// let configuration = OpenAICompatibleGenerator.Configuration(
///     baseURL: "http://127.0.0.1:8000/v1", model: "Qwen/Qwen2.5-7B-Instruct", apiKeyEnvironmentVariable: "VLLM_API_KEY")
/// let scores = try await OpenAICompatibleGenerator.withGenerator(configuration: configuration) { judge in
///     try await JudgeReward(judge: judge).score(batch)
/// }
/// ```
///
/// The API key is read once from the named environment variable, sent only as `Authorization: Bearer`, and kept
/// out of `identity`, errors (a server message quoting it reads `[redacted]`) and descriptions.
public final class OpenAICompatibleGenerator: TextGenerator {
    public let configuration: Configuration
    /// `<base URL> model <model>`, the base URL without user, password or query.
    public let identity: String

    private let exchange: HTTPExchange
    private let ownsHTTPClient: Bool
    private let slots: RequestSlots
    private let chatURL: String
    private let completionsURL: String
    /// Set once the server has refused `n` > 1; later calls ask for one completion per request.
    private let refusesSeveralChoices = NIOLockedValueBox(false)

    /// A generator that borrows `httpClient`; its owner shuts it down after the generator's last request.
    ///
    /// A borrowed client opens at most its own `connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit`
    /// connections (8 by default), so fewer than `maxConcurrentRequests` may reach the server at once.
    ///
    /// - Parameter environment: where the API key is read (the process environment by default).
    /// - Throws: `OpenAICompatibleConfigurationError` for a bad URL, an empty model name, a non-positive limit, or
    ///   an API-key variable that is not set.
    public convenience init(configuration: Configuration, httpClient: HTTPClient,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try Self.validate(configuration)
        let key = try Self.apiKey(configuration, environment: environment)
        self.init(configuration: configuration, apiKey: key, httpClient: httpClient, owned: false)
    }

    /// A generator with an `HTTPClient` of its own; call `shutdown()` after its last request.
    ///
    /// - Throws: as `init(configuration:httpClient:environment:)`.
    public convenience init(configuration: Configuration,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try Self.validate(configuration)
        let key = try Self.apiKey(configuration, environment: environment)
        // Made only once nothing can fail: a client that is never shut down traps in a debug build.
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                configuration: Self.httpConfiguration(for: configuration))
        self.init(configuration: configuration, apiKey: key, httpClient: client, owned: true)
    }

    private init(configuration: Configuration, apiKey: String?, httpClient: HTTPClient, owned: Bool) {
        self.configuration = configuration
        exchange = HTTPExchange(httpClient: httpClient, apiKey: apiKey, configuration: configuration)
        ownsHTTPClient = owned
        slots = RequestSlots(limit: configuration.maxConcurrentRequests)
        chatURL = Self.endpoint(configuration.baseURL, "chat/completions")
        completionsURL = Self.endpoint(configuration.baseURL, "completions")
        identity = "\(Self.displayURL(Self.endpoint(configuration.baseURL, ""))) model \(configuration.model)"
    }

    /// Runs `body` with a generator that owns its `HTTPClient`, and shuts the client down when `body` returns or
    /// throws.
    public static func withGenerator<Result>(
        configuration: Configuration, environment: [String: String] = ProcessInfo.processInfo.environment,
        _ body: (OpenAICompatibleGenerator) async throws -> Result
    ) async throws -> Result {
        let generator = try OpenAICompatibleGenerator(configuration: configuration, environment: environment)
        let result: Result
        do {
            result = try await body(generator)
        } catch {
            try? await generator.shutdown()
            throw error
        }
        try await generator.shutdown()
        return result
    }

    /// Shuts down the `HTTPClient` the generator owns (after which its requests fail); does nothing to a borrowed one.
    public func shutdown() async throws {
        guard ownsHTTPClient else { return }
        do {
            try await exchange.httpClient.shutdown()
        } catch let error as HTTPClientError where error == .alreadyShutdown {
            // A second shutdown is harmless.
        }
    }

    // MARK: TextGenerator

    public func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [Completion] {
        try await generate(prompts, parameters: parameters, count: 1).map { $0[0] }
    }

    public func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters, count: Int) async throws -> [[Completion]] {
        precondition(count >= 1, "count must be at least 1")
        try parameters.validate()
        return try await inOrder(prompts.count) { index in
            try await self.complete(prompts[index], parameters: parameters, count: count)
        }
    }

    /// `count` completions of one prompt: one request with `n = count`, or `count` requests when the server
    /// refuses `n` > 1.
    private func complete(_ prompt: GenerationPrompt, parameters: SamplingParameters, count: Int) async throws -> [Completion] {
        if count == 1 { return try await send(prompt, parameters: parameters, n: 1) }
        if !refusesSeveralChoices.withLockedValue({ $0 }) {
            do {
                return try await send(prompt, parameters: parameters, n: count)
            } catch let error as OpenAICompatibleServerError where [400, 422, 501].contains(error.status ?? 0) {
                // Whether `n` was the trouble: the same request asking for one completion. If it fails too, its
                // error is the one to report.
                let first = try await send(prompt, parameters: Self.seeded(parameters, k: 0), n: 1)
                refusesSeveralChoices.withLockedValue { $0 = true }
                let rest = try await separately(prompt, parameters: parameters, ks: 1..<count)
                return first + rest
            }
        }
        return try await separately(prompt, parameters: parameters, ks: 0..<count)
    }

    /// One request per `k`, with the seed `seed + k`, concurrently; in order of `k`.
    private func separately(_ prompt: GenerationPrompt, parameters: SamplingParameters, ks: Range<Int>) async throws -> [Completion] {
        try await inOrder(ks.count) { offset in
            try await self.send(prompt, parameters: Self.seeded(parameters, k: ks.lowerBound + offset), n: 1)
        }.map { $0[0] }
    }

    /// The k-th of several separate samples: seed `seed + k` (as `TextGenerator`'s default `count` path does).
    private static func seeded(_ parameters: SamplingParameters, k: Int) -> SamplingParameters {
        var round = parameters
        if let seed = parameters.seed { round.seed = seed &+ UInt64(k) }
        return round
    }

    /// `work(0..<count)` run concurrently, the results in index order.
    private func inOrder(_ count: Int, _ work: @escaping @Sendable (Int) async throws -> [Completion]) async throws -> [[Completion]] {
        // A struct, not a tuple, as the child result (a release-mode miscompile was seen with task-group tuples).
        struct Answer: Sendable {
            var index: Int
            var completions: [Completion]
        }
        return try await withThrowingTaskGroup(of: Answer.self) { group in
            for index in 0..<count {
                group.addTask { Answer(index: index, completions: try await work(index)) }
            }
            var results = [[Completion]](repeating: [], count: count)
            for try await answer in group { results[answer.index] = answer.completions }
            return results
        }
    }

    // MARK: One request

    /// Sends one request (with retries, holding a slot) and decodes its `n` choices.
    private func send(_ prompt: GenerationPrompt, parameters: SamplingParameters, n: Int) async throws -> [Completion] {
        let (url, isChat): (String, Bool)
        switch prompt {
        case .messages: (url, isChat) = (chatURL, true)
        case .text: (url, isChat) = (completionsURL, false)
        }
        let request = OpenAIWire.Request(model: configuration.model, prompt: prompt, parameters: parameters, n: n,
                                         responseFormat: configuration.responseFormat,
                                         logProbabilities: configuration.logProbabilities)
        let body = try JSONEncoder().encode(request)
        let (data, attempts) = try await slots.withSlot { try await exchange.send(.POST, url, body: body) }
        do {
            return try Self.completions(from: data, n: n, isChat: isChat)
        } catch let reason as MalformedResponse {
            throw OpenAICompatibleServerError(url: Self.displayURL(url), failure: .malformedResponse(reason.message),
                                              attempts: attempts)
        }
    }
}
