import Foundation
import Hummingbird
import ImprintCore
import ImprintModel
import ImprintServerRequests

extension ModelServer {
    /// `POST /v1/completions`: raw prompts (texts, or token ids), `n` completions each; choice
    /// `prompt · n + k` is the `k`-th completion of prompt `prompt`, as OpenAI numbers them.
    func completions(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try CompletionRequest.decode(try await self.body(of: &request).readableBytesView, limits: requestLimits)
        let settings = body.settings
        let prompts: [[Int]]
        switch body.prompt {
        case .texts(let texts):
            prompts = try texts.map { try generator.encode(.text($0)) }
            if configuration.logPrompts { context.logger.info("completion prompts: \(texts)") }
        case .tokens(let lists):
            prompts = lists
        }
        // Every prompt joins the batch before any is answered; a refused one refuses the request.
        let streams = try prompts.enumerated().map { index, prompt in
            try stream(prompt, settings, promptParam: prompts.count == 1 ? "prompt" : "prompt[\(index)]")
        }
        let (id, created, model, n) = (Self.identifier("cmpl"), now, configuration.modelName, settings.n)
        let withLogProbabilities = body.logprobs
        let promptTokenCount = prompts.map(\.count).reduce(0, +)

        if settings.stream {
            return eventStream(request) { send in
                func chunk(_ choices: [CompletionChoice], usage: Usage? = nil) -> Data {
                    Self.encode(CompletionResponse(id: id, object: "text_completion", created: created, model: model,
                                                   choices: choices, usage: usage, isChunk: true))
                }
                var completionTokens = 0
                for try await tagged in merged(streams) {
                    switch tagged.event {
                    case let .token(completion, token, logProbability, text):
                        guard !text.isEmpty || withLogProbabilities else { continue }
                        let logprobs = withLogProbabilities ? self.completionLogProbabilities([token], [logProbability]) : nil
                        try await send(chunk([CompletionChoice(index: tagged.prompt * n + completion, text: text, logprobs: logprobs)]))
                    case let .finished(completion, text, result):
                        try await send(chunk([CompletionChoice(index: tagged.prompt * n + completion, text: text,
                                                               finishReason: result.finishReason)]))
                        completionTokens += result.completionTokenCount
                    }
                }
                if settings.includeUsage {
                    try await send(chunk([], usage: Usage(promptTokens: promptTokenCount, completionTokens: completionTokens)))
                }
            }
        }

        let results = try await cancellingOnDisconnect(request) {
            var all: [Completion] = []
            for stream in streams { all += try await stream.completions() }
            return all
        }
        let choices = results.enumerated().map { index, result in
            CompletionChoice(index: index, text: result.text,
                             logprobs: withLogProbabilities ? completionLogProbabilities(result.tokenIds, result.logProbabilities ?? []) : nil,
                             finishReason: result.finishReason)
        }
        let usage = Usage(promptTokens: promptTokenCount, completionTokens: results.map(\.completionTokenCount).reduce(0, +))
        return json(CompletionResponse(id: id, object: "text_completion", created: created, model: model, choices: choices,
                                       usage: usage, isChunk: false),
                    headers: [.connection: "close"])
    }

    /// The legacy API's log-probabilities; `text_offset` counts characters from the completion's start.
    func completionLogProbabilities(_ tokens: [Int], _ logProbabilities: [Float]) -> CompletionLogProbabilities {
        let pieces = tokens.map(piece)
        var offsets: [Int] = []
        var offset = 0
        for piece in pieces {
            offsets.append(offset)
            offset += piece.count
        }
        return CompletionLogProbabilities(tokens: pieces, tokenLogprobs: Array(logProbabilities.prefix(pieces.count)), textOffset: offsets)
    }
}
