import Foundation
import ImprintCore
import ImprintModel
import ImprintServer
import XCTest

/// `imprint serve`'s routes on loopback with the tiny chat model: OpenAI's bodies, the same completions
/// as the local generator, streaming, `n`, stop strings.
final class ModelServerTests: XCTestCase {
    func testHealthAndModels() async throws {
        try await withServer { client in
            let health = try await client.send(.GET, "/health")
            XCTAssertEqual(health.status, 200)
            XCTAssertEqual(health.json["status"] as? String, "ok")
            let models = try await client.send(.GET, "/v1/models")
            XCTAssertEqual(models.status, 200)
            XCTAssertEqual(models.json["object"] as? String, "list")
            let data = try XCTUnwrap(models.json["data"] as? [[String: Any]])
            XCTAssertEqual(data.map { $0["id"] as? String }, ["tiny"])
            XCTAssertEqual(data.first?["object"] as? String, "model")
            let one = try await client.send(.GET, "/v1/models/tiny")
            XCTAssertEqual(one.json["id"] as? String, "tiny")
            let missing = try await client.send(.GET, "/v1/models/gpt-4o")
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.error["code"] as? String, "model_not_found")
            let unknown = try await client.send(.POST, "/v1/embeddings", body: "{}")
            XCTAssertEqual(unknown.status, 404)
            XCTAssertTrue((unknown.error["message"] as? String ?? "").contains("/v1/embeddings"), unknown.body)
        }
    }

    /// A chat completion is what the local generator gives for the same messages and seed, in OpenAI's shape.
    func testChatCompletionRoundTrip() async throws {
        let local = try TinyModel.local()
        let messages = [ChatMessage.user("Tell me a story")]
        var parameters = SamplingParameters(maxTokens: 12, temperature: 0.8, seed: 21)
        let expected = try await local.generate([.messages(messages)], parameters: parameters, count: 3)[0]
        try await withServer { client in
            let reply = try await client.post("/v1/chat/completions", chat("Tell me a story", ["max_tokens": 12, "temperature": 0.8, "seed": 21, "n": 3]))
            XCTAssertEqual(reply.status, 200, reply.body)
            XCTAssertEqual(reply.json["object"] as? String, "chat.completion")
            XCTAssertTrue((reply.json["id"] as? String ?? "").hasPrefix("chatcmpl-"))
            XCTAssertEqual(reply.json["model"] as? String, "tiny")
            XCTAssertEqual(reply.choiceTexts, expected.map(\.text))
            XCTAssertEqual(reply.finishReasons, expected.map(\.finishReason.rawValue))
            let choice = try XCTUnwrap((reply.json["choices"] as? [[String: Any]])?.first)
            XCTAssertEqual((choice["message"] as? [String: Any])?["role"] as? String, "assistant")
            XCTAssertTrue(choice.keys.contains("logprobs"), "logprobs: null is written")
            XCTAssertEqual(reply.usage["prompt_tokens"], expected[0].promptTokenCount)
            XCTAssertEqual(reply.usage["completion_tokens"], expected.map(\.completionTokenCount).reduce(0, +))
            XCTAssertEqual(reply.usage["total_tokens"], expected[0].promptTokenCount + expected.map(\.completionTokenCount).reduce(0, +))
        }
        // Greedy, with the chosen tokens' log-probabilities.
        parameters = .greedy(maxTokens: 6)
        let greedy = try await local.generate([.messages(messages)], parameters: parameters)[0]
        try await withServer { client in
            let reply = try await client.post("/v1/chat/completions", chat("Tell me a story", ["max_tokens": 6, "temperature": 0, "logprobs": true]))
            XCTAssertEqual(reply.choiceTexts, [greedy.text])
            let choice = try XCTUnwrap((reply.json["choices"] as? [[String: Any]])?.first)
            let content = try XCTUnwrap((choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
            XCTAssertEqual(content.count, greedy.tokenIds.count)
            for (entry, expected) in zip(content, greedy.logProbabilities ?? []) {
                XCTAssertEqual((entry["logprob"] as? NSNumber)?.floatValue ?? 0, expected, accuracy: 1e-4)
            }
        }
    }

    /// A stream's deltas put back together are the non-streamed text; chunks end with a finish reason, the
    /// usage chunk, then `data: [DONE]`.
    func testStreamingChatCompletion() async throws {
        try await withServer { client in
            let options: [String: Any] = ["max_tokens": 16, "temperature": 0.9, "seed": 5, "n": 2]
            let whole = try await client.post("/v1/chat/completions", chat("Once upon a time", options))
            var streamed = options
            streamed["stream"] = true
            streamed["stream_options"] = ["include_usage": true]
            let reply = try await client.post("/v1/chat/completions", chat("Once upon a time", streamed))
            XCTAssertEqual(reply.status, 200, reply.body)
            XCTAssertEqual(reply.header("Content-Type"), "text/event-stream")
            XCTAssertEqual(reply.events.last, "[DONE]")
            XCTAssertEqual(reply.streamedTexts(count: 2), whole.choiceTexts)
            let chunks = reply.chunks
            XCTAssertTrue(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            XCTAssertEqual(Set(chunks.compactMap { $0["id"] as? String }).count, 1, "one id for the whole stream")
            let first = try XCTUnwrap((chunks.first?["choices"] as? [[String: Any]])?.first)
            XCTAssertEqual((first["delta"] as? [String: Any])?["role"] as? String, "assistant")
            let reasons = chunks.flatMap { $0["choices"] as? [[String: Any]] ?? [] }.compactMap { $0["finish_reason"] as? String }
            XCTAssertEqual(reasons.sorted(), whole.finishReasons.sorted())
            let usageChunk = try XCTUnwrap(chunks.last)
            XCTAssertEqual((usageChunk["choices"] as? [Any])?.count, 0)
            XCTAssertEqual(usageChunk["usage"] as? [String: Int], whole.usage)
            XCTAssertTrue(chunks.dropLast().allSatisfy { $0["usage"] is NSNull }, "usage: null before the last chunk")
        }
    }

    /// A stop string ends a completion before it, streamed or not, with finish reason `stop`.
    func testStopStrings() async throws {
        try await withServer { client in
            let plain = try await client.post("/v1/completions", ["prompt": "hello", "max_tokens": 24, "temperature": 0])
            let text = try XCTUnwrap(plain.choiceTexts.first)
            XCTAssertEqual(plain.finishReasons, ["length"])
            XCTAssertGreaterThan(text.count, 6, text)
            // Stop at the text from its fifth character on (a string of two characters).
            let start = text.index(text.startIndex, offsetBy: 4)
            let stop = String(text[start..<text.index(start, offsetBy: 2)])
            let stopRange = try XCTUnwrap(text.range(of: stop))
            let expected = String(text[..<stopRange.lowerBound])
            let stopped = try await client.post("/v1/completions", ["prompt": "hello", "max_tokens": 24, "temperature": 0,
                                                                    "stop": [stop, "never appears"]])
            XCTAssertEqual(stopped.choiceTexts, [expected])
            XCTAssertEqual(stopped.finishReasons, ["stop"])
            let streamed = try await client.post("/v1/completions", ["prompt": "hello", "max_tokens": 24, "temperature": 0,
                                                                     "stop": stop, "stream": true])
            XCTAssertEqual(streamed.streamedTexts(count: 1), [expected])
            let pieces = streamed.chunks.flatMap { $0["choices"] as? [[String: Any]] ?? [] }.compactMap { $0["text"] as? String }
            XCTAssertFalse(pieces.contains { $0.contains(stop) }, "no chunk carries the stop string: \(pieces)")
        }
    }

    /// Several prompts (texts or token ids), `n` each: choice `prompt · n + k`, token counts summed. Each prompt's
    /// completions are those of the prompt sent alone with the same seed (as vLLM seeds each prompt).
    func testCompletionsWithSeveralPromptsAndTokenPrompts() async throws {
        let local = try TinyModel.local()
        let parameters = SamplingParameters(maxTokens: 7, temperature: 1, seed: 9)
        var expected: [Completion] = []
        for prompt in ["abc", "The cat"] { expected += try await local.generate([.text(prompt)], parameters: parameters, count: 2)[0] }
        try await withServer { client in
            let reply = try await client.post("/v1/completions", ["model": "tiny", "prompt": ["abc", "The cat"], "max_tokens": 7,
                                                                 "temperature": 1, "seed": 9, "n": 2, "logprobs": 0])
            XCTAssertEqual(reply.status, 200, reply.body)
            XCTAssertEqual(reply.json["object"] as? String, "text_completion")
            XCTAssertEqual(reply.choiceTexts, expected.map(\.text))
            XCTAssertEqual(reply.usage["prompt_tokens"], expected[0].promptTokenCount + expected[2].promptTokenCount)
            let logprobs = try XCTUnwrap((reply.json["choices"] as? [[String: Any]])?.first?["logprobs"] as? [String: Any])
            XCTAssertEqual((logprobs["token_logprobs"] as? [Any])?.count, expected[0].tokenIds.count)

            let ids = try local.encode(.text("abc"))
            let byTokens = try await client.post("/v1/completions", ["prompt": ids, "max_tokens": 7, "temperature": 1, "seed": 9, "n": 2])
            XCTAssertEqual(byTokens.choiceTexts, Array(expected.prefix(2).map(\.text)))

            let streamed = try await client.post("/v1/completions", ["prompt": ["abc", "The cat"], "max_tokens": 7, "temperature": 1,
                                                                    "seed": 9, "n": 2, "stream": true])
            XCTAssertEqual(streamed.streamedTexts(count: 4), expected.map(\.text))
            XCTAssertEqual(streamed.events.last, "[DONE]")
        }
    }

    /// Without a seed, two identical sampled requests differ (as OpenAI's API); with one, they agree.
    func testSeedMakesSamplingReproducible() async throws {
        try await withServer { client in
            let body = chat("Pick a word", ["max_tokens": 20, "temperature": 1.5])
            let a = try await client.post("/v1/chat/completions", body).choiceTexts
            let b = try await client.post("/v1/chat/completions", body).choiceTexts
            XCTAssertNotEqual(a, b)
            var seeded = body
            seeded["seed"] = -3  // OpenAI's seed is any 64-bit integer
            let c = try await client.post("/v1/chat/completions", seeded).choiceTexts
            let d = try await client.post("/v1/chat/completions", seeded).choiceTexts
            XCTAssertEqual(c, d)
        }
    }
}
