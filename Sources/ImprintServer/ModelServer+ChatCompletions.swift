import Foundation
import Hummingbird
import ImprintCore
import ImprintModel
import ImprintServerRequests

extension ModelServer {
    /// `POST /v1/chat/completions`: the messages through the model's chat template, `n` completions,
    /// as one JSON response or (`stream: true`) as `chat.completion.chunk` events.
    func chatCompletions(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try ChatCompletionRequest.decode(try await self.body(of: &request).readableBytesView, limits: requestLimits)
        let (messages, settings) = (body.messages, body.settings)
        let promptTokens: [Int]
        do {
            promptTokens = try generator.encode(body.prompt)
        } catch {
            throw APIError.invalid("The model's chat template cannot render these messages: \(error)", param: "messages")
        }
        if configuration.logPrompts { context.logger.info("chat prompt: \(messages.map { "\($0.role): \($0.content)" })") }
        let completions = try stream(promptTokens, settings, promptParam: "messages")
        let (id, created, model) = (Self.identifier("chatcmpl"), now, configuration.modelName)
        let withLogProbabilities = body.logprobs

        if settings.stream {
            return eventStream(request) { send in
                func chunk(_ choices: [ChatChoice], usage: Usage? = nil) -> Data {
                    Self.encode(CompletionResponse(id: id, object: "chat.completion.chunk", created: created, model: model,
                                                   choices: choices, usage: usage, isChunk: true))
                }
                for index in 0..<settings.n {
                    try await send(chunk([ChatChoice(index: index, delta: ResponseMessage(role: "assistant", content: ""))]))
                }
                var completionTokens = 0
                for try await event in completions {
                    switch event {
                    case let .token(index, token, logProbability, text):
                        guard !text.isEmpty || withLogProbabilities else { continue }
                        let logprobs = withLogProbabilities ? self.chatLogProbabilities([token], [logProbability]) : nil
                        try await send(chunk([ChatChoice(index: index, delta: ResponseMessage(content: text), logprobs: logprobs)]))
                    case let .finished(index, text, result):
                        if !text.isEmpty { try await send(chunk([ChatChoice(index: index, delta: ResponseMessage(content: text))])) }
                        try await send(chunk([ChatChoice(index: index, delta: ResponseMessage(), finishReason: result.finishReason)]))
                        completionTokens += result.completionTokenCount
                    }
                }
                if settings.includeUsage {
                    try await send(chunk([], usage: Usage(promptTokens: promptTokens.count, completionTokens: completionTokens)))
                }
            }
        }

        let results = try await cancellingOnDisconnect(request) { try await completions.completions() }
        let choices = results.enumerated().map { index, result in
            ChatChoice(index: index, message: ResponseMessage(role: "assistant", content: result.text),
                       logprobs: withLogProbabilities ? chatLogProbabilities(result.tokenIds, result.logProbabilities ?? []) : nil,
                       finishReason: result.finishReason)
        }
        let usage = Usage(promptTokens: promptTokens.count, completionTokens: results.map(\.completionTokenCount).reduce(0, +))
        return json(CompletionResponse(id: id, object: "chat.completion", created: created, model: model, choices: choices,
                                       usage: usage, isChunk: false),
                    headers: [.connection: "close"])
    }

    func chatLogProbabilities(_ tokens: [Int], _ logProbabilities: [Float]) -> ChatLogProbabilities {
        ChatLogProbabilities(content: zip(tokens, logProbabilities).map { token, logProbability in
            let text = piece(token)
            return ChatLogProbabilities.Entry(token: text, logprob: logProbability, bytes: Array(text.utf8))
        })
    }
}
