import Foundation
import Hummingbird
import ImprintCore
import ImprintModel

/// What the chat and completions APIs share: the sampling settings a request asks for, checked
/// against the server's limits, and server-sent events.
struct GenerationSettings {
    var parameters: SamplingParameters
    /// Completions per prompt (OpenAI's `n`).
    var n: Int
    var stream: Bool
    /// `stream_options.include_usage`: a last chunk with the token counts.
    var includeUsage: Bool
    /// vLLM's and llama.cpp's `ignore_eos`: generate until `max_tokens` (or the context) whatever the model says.
    var ignoreEndOfSequence: Bool
}

extension ModelServer {
    /// The settings of a request, or a 400 naming the field out of range or not served.
    func settings(_ fields: SamplingFields) throws -> GenerationSettings {
        let n = fields.n ?? 1
        guard n >= 1 else { throw APIError.invalid("n is \(n); it must be at least 1.", param: "n") }
        let batchSize = generator.decoder.configuration.maxBatchSize
        guard n <= batchSize else {
            throw APIError.invalid("n is \(n), but this server decodes at most \(batchSize) completions together (--max-batch).", param: "n")
        }
        let maxTokensField = fields.maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens"
        let maxTokens = fields.maxCompletionTokens ?? fields.maxTokens ?? configuration.maxTokensLimit
        guard maxTokens >= 1 else { throw APIError.invalid("\(maxTokensField) is \(maxTokens); it must be at least 1.", param: maxTokensField) }
        guard maxTokens <= configuration.maxTokensLimit else {
            throw APIError.invalid("\(maxTokensField) is \(maxTokens), but this server allows at most \(configuration.maxTokensLimit) "
                                   + "(--max-tokens-limit).", param: maxTokensField)
        }
        let stop = fields.stop?.strings ?? []
        guard stop.count <= configuration.maxStopStrings else {
            throw APIError.invalid("stop has \(stop.count) strings; at most \(configuration.maxStopStrings) are allowed.", param: "stop")
        }
        guard !stop.contains("") else { throw APIError.invalid("stop strings must not be empty.", param: "stop") }
        for (name, value) in [("frequency_penalty", fields.frequencyPenalty), ("presence_penalty", fields.presencePenalty)] {
            if let value, value != 0 {
                throw APIError.invalid("\(name) is not supported by imprint serve; leave it out or set it to 0.", param: name)
            }
        }
        if let bias = fields.logitBias, !bias.isEmpty {
            throw APIError.invalid("logit_bias is not supported by imprint serve.", param: "logit_bias")
        }
        // Without a seed, every request samples differently (as OpenAI's API); with one, reproducibly.
        let seed = fields.seed.map { UInt64(bitPattern: $0) } ?? UInt64.random(in: .min ... .max)
        let parameters = SamplingParameters(maxTokens: maxTokens, temperature: fields.temperature ?? 1, topP: fields.topP ?? 1,
                                            topK: fields.topK ?? 0, minP: fields.minP ?? 0, stop: stop, seed: seed)
        do {
            try parameters.validate()
        } catch {
            throw APIError.refused(error, promptParam: "prompt") ?? error
        }
        return GenerationSettings(parameters: parameters, n: n, stream: fields.stream ?? false,
                                  includeUsage: fields.streamOptions?.includeUsage ?? false, ignoreEndOfSequence: fields.ignoreEOS ?? false)
    }

    /// Queues `count` completions of an encoded prompt; a refusal is the API error that names why.
    func stream(_ promptTokens: [Int], _ settings: GenerationSettings, promptParam: String) throws -> TextGenerationStream {
        do {
            return try generator.stream(promptTokens: promptTokens, parameters: settings.parameters, count: settings.n,
                                        stopTokenIds: settings.ignoreEndOfSequence ? [] : nil)
        } catch {
            throw APIError.refused(error, promptParam: promptParam) ?? error
        }
    }

    /// The text of one token, as OpenAI's log-probabilities list it (special tokens included).
    func piece(_ token: Int) -> String {
        generator.tokenizer.decode([token], skipSpecialTokens: false)
    }

    /// A streamed response: the events `produce` sends, as server-sent events ending with `data: [DONE]`.
    ///
    /// The connection closes after it; a client that disconnects first cancels `produce` (and so its
    /// generation) at once, not only at the next write.
    func eventStream(_ request: Request,
                     _ produce: @escaping @Sendable (_ send: (Data) async throws -> Void) async throws -> Void) -> Response {
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "close"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await produce { json in
                    var event = ByteBuffer(string: "data: ")
                    event.writeBytes(json)
                    event.writeString("\n\n")
                    try await writer.write(event)
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            }
            try await writer.finish(nil)
        })
    }

    /// Runs `body` (the generation of a non-streamed response), cancelling it when the client disconnects.
    ///
    /// Watching for the disconnect reads the connection past the request, so the connection closes after the
    /// response: its responses, errors included, say `Connection: close`.
    func cancellingOnDisconnect<Value: Sendable>(_ request: Request, _ body: () async throws -> Value) async throws -> Value {
        do {
            return try await request.body.consumeWithCancellationOnInboundClose { _ in try await body() }
        } catch {
            throw ClosingConnection(error: error)
        }
    }
}

/// One event of several prompts' streams, tagged with the prompt.
struct PromptEvent: Sendable {
    var prompt: Int
    var event: TextGenerationEvent
}

/// The events of several streams as they happen; cancelling the consumer cancels them all.
func merged(_ streams: [TextGenerationStream]) -> AsyncThrowingStream<PromptEvent, Error> {
    AsyncThrowingStream { continuation in
        let task = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, stream) in streams.enumerated() {
                        group.addTask {
                            for try await event in stream { continuation.yield(PromptEvent(prompt: index, event: event)) }
                        }
                    }
                    try await group.waitForAll()
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
    }
}
