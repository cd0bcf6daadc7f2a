import Foundation
import Hummingbird
import ImprintCore
import ImprintModel
import ImprintServerRequests

extension ModelServer {
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
