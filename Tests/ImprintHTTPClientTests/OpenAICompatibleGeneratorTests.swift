import Foundation
import ImprintCore
import ImprintHTTPClient
import ImprintHTTPStubServer
import ImprintRewards
import XCTest

/// The generator against a loopback stub server that answers like an OpenAI-compatible one.
final class OpenAICompatibleGeneratorTests: XCTestCase {
    func testChatAndRawPromptsGoToTheirEndpointsWithTheSamplingParameters() async throws {
        try await withServer { server in
            let parameters = SamplingParameters(maxTokens: 32, temperature: 0.7, topP: 0.9, stop: ["\n\n", "END"], seed: 42)
            let completions = try await withGenerator(server) { generator in
                try await generator.generate([.messages([.system("Be brief."), .user("Capital of France?")]), .text("Once upon")],
                                             parameters: parameters)
            }
            XCTAssertEqual(completions.map(\.text), ["reply to Capital of France? seed 42", "completion of Once upon seed 42"])
            XCTAssertEqual(completions.map(\.finishReason), [.stop, .stop])
            XCTAssertEqual(completions.map(\.promptTokenCount), [5, 5])
            XCTAssertEqual(completions.map(\.completionTokenCount), [3, 3])
            XCTAssertEqual(completions.map(\.logProbabilities), [nil, nil])

            let requests = server.requests.sorted { $0.path < $1.path }
            XCTAssertEqual(requests.map(\.path), ["/v1/chat/completions", "/v1/completions"])
            XCTAssertEqual(requests.map(\.method), ["POST", "POST"])
            let chat = try XCTUnwrap(requests[0].json), raw = try XCTUnwrap(requests[1].json)
            XCTAssertEqual(chat["model"] as? String, "stub-model")
            XCTAssertEqual(chat["messages"] as? [[String: String]],
                           [["role": "system", "content": "Be brief."], ["role": "user", "content": "Capital of France?"]])
            XCTAssertNil(chat["prompt"])
            XCTAssertEqual(raw["prompt"] as? String, "Once upon")
            XCTAssertNil(raw["messages"])
            for body in [chat, raw] {
                XCTAssertEqual(body["max_tokens"] as? Int, 32)
                XCTAssertEqual(body["temperature"] as? Double, 0.7)
                XCTAssertEqual(body["top_p"] as? Double, 0.9)
                XCTAssertEqual(body["stop"] as? [String], ["\n\n", "END"])
                XCTAssertEqual(body["seed"] as? Int, 42)
                // Left out at their defaults: OpenAI itself refuses top_k and min_p.
                for key in ["n", "top_k", "min_p", "response_format", "logprobs", "top_logprobs"] {
                    XCTAssertNil(body[key], key)
                }
            }
            XCTAssertEqual(requests[0].headers["content-type"], "application/json")
            XCTAssertNil(requests[0].headers["authorization"])
        }
    }

    func testLengthFinishTopKMinPAndJSONSchemaFormat() async throws {
        try await withServer { server in
            let format = try OpenAICompatibleGenerator.ResponseFormat.jsonSchema(
                name: "verdict", schemaJSON: #"{"type": "object", "properties": {"verdict": {"enum": [1, -1]}}}"#)
            let completion = try await withGenerator(server, configure: { $0.responseFormat = format }) { generator in
                try await generator.generate([.messages([.user("Judge this.")])],
                                             parameters: SamplingParameters(maxTokens: 3, topK: 40, minP: 0.05))[0]
            }
            XCTAssertEqual(completion.finishReason, .length)
            let body = try XCTUnwrap(server.requests.first?.json)
            XCTAssertEqual(body["top_k"] as? Int, 40)
            XCTAssertEqual(body["min_p"] as? Double, 0.05)
            let responseFormat = try XCTUnwrap(body["response_format"] as? [String: Any])
            XCTAssertEqual(responseFormat["type"] as? String, "json_schema")
            let schema = try XCTUnwrap(responseFormat["json_schema"] as? [String: Any])
            XCTAssertEqual(schema["name"] as? String, "verdict")
            XCTAssertEqual(schema["strict"] as? Bool, true)
            let properties = try XCTUnwrap((schema["schema"] as? [String: Any])?["properties"] as? [String: Any])
            XCTAssertEqual((properties["verdict"] as? [String: Any])?["enum"] as? [Int], [1, -1])
        }
        XCTAssertThrowsError(try OpenAICompatibleGenerator.ResponseFormat.jsonSchema(name: "bad", schemaJSON: "[1, 2")) {
            XCTAssertEqual($0 as? OpenAICompatibleConfigurationError, .invalidJSONSchema(name: "bad"))
        }
    }

    func testJSONObjectFormat() async throws {
        try await withServer { server in
            _ = try await withGenerator(server, configure: { $0.responseFormat = .jsonObject }) { generator in
                try await generator.generate([.messages([.user("JSON please")])], parameters: .greedy(maxTokens: 8))
            }
            let body = try XCTUnwrap(server.requests.first?.json)
            XCTAssertEqual(body["response_format"] as? [String: String], ["type": "json_object"])
        }
    }

    func testLogProbabilitiesAreAskedAndMapped() async throws {
        try await withServer { server in
            let completions = try await withGenerator(server, configure: { $0.logProbabilities = true }) { generator in
                try await generator.generate([.messages([.user("Hi")]), .text("Hi")], parameters: .greedy(maxTokens: 8))
            }
            for completion in completions {
                XCTAssertEqual(completion.logProbabilities, [-0.5, -1, -1.5])
                XCTAssertEqual(completion.tokenIds, [11, 12, 13])
                XCTAssertEqual(completion.completionTokenCount, 3)
            }
            let bodies = Dictionary(uniqueKeysWithValues: server.requests.map { ($0.path, $0.json ?? [:]) })
            // Chat: a flag and one alternative (llama.cpp sends none for 0); completions: a count.
            XCTAssertEqual(bodies["/v1/chat/completions"]?["logprobs"] as? Bool, true)
            XCTAssertEqual(bodies["/v1/chat/completions"]?["top_logprobs"] as? Int, 1)
            XCTAssertEqual(bodies["/v1/completions"]?["logprobs"] as? Int, 1)
            XCTAssertNil(bodies["/v1/completions"]?["top_logprobs"])
        }
    }

    /// Later prompts are answered first; the completions still come back in prompt order.
    func testCompletionsComeBackInPromptOrder() async throws {
        let prompts = (0..<24).map { GenerationPrompt.text("prompt \($0)") }
        try await withServer({ request, _ in
            let index = Int((request.json?["prompt"] as? String)?.split(separator: " ").last ?? "") ?? 0
            var response = StubServer.Response.openAI(request)
            response.delay = .milliseconds(5 * (24 - index))
            return response
        }) { server in
            let completions = try await withGenerator(server) { generator in
                try await generator.generate(prompts, parameters: .greedy(maxTokens: 8))
            }
            XCTAssertEqual(completions.map(\.text), (0..<24).map { "completion of prompt \($0)" })
            XCTAssertGreaterThan(server.maxInFlight, 1, "the prompts were sent one by one")
        }
    }

    /// The limit holds over two calls at once: the stub never holds more than `maxConcurrentRequests`.
    func testConcurrencyLimitHoldsAcrossCalls() async throws {
        try await withServer({ request, _ in
            var response = StubServer.Response.openAI(request)
            response.delay = .milliseconds(30)
            return response
        }) { server in
            try await withGenerator(server, configure: { $0.maxConcurrentRequests = 3 }) { generator in
                async let first = generator.generate((0..<8).map { .text("a\($0)") }, parameters: .greedy(maxTokens: 8))
                async let second = generator.generate((0..<8).map { .text("b\($0)") }, parameters: .greedy(maxTokens: 8),
                                                      count: 2)
                let (a, b) = try await (first, second)
                XCTAssertEqual(a.map(\.text), (0..<8).map { "completion of a\($0)" })
                XCTAssertEqual(b.map { $0.map(\.text) }, (0..<8).map { ["completion of b\($0) #0", "completion of b\($0) #1"] })
            }
            XCTAssertEqual(server.requests.count, 16)
            XCTAssertEqual(server.maxInFlight, 3)
        }
    }

    func testSeveralCompletionsPerPromptInOneRequest() async throws {
        try await withServer { server in
            let completions = try await withGenerator(server) { generator in
                try await generator.generate([.text("x"), .messages([.user("y")])], parameters: .greedy(maxTokens: 8), count: 3)
            }
            XCTAssertEqual(completions.map { $0.map(\.text) }, [
                ["completion of x #0", "completion of x #1", "completion of x #2"],
                ["reply to y #0", "reply to y #1", "reply to y #2"],
            ])
            XCTAssertEqual(server.requests.count, 2)
            XCTAssertEqual(server.requests.map { $0.json?["n"] as? Int }, [3, 3])
            // usage.completion_tokens is the total over the choices: each gets an even share.
            XCTAssertEqual(completions[0].map(\.completionTokenCount), [3, 3, 3])
        }
    }

    /// llama.cpp's server refuses `n` above its slots with a 400; the generator asks once per completion instead, the
    /// k-th time with seed + k, and does not ask for `n` > 1 again.
    func testRefusedNFallsBackToSeparateSeededRequests() async throws {
        let llamaRefusal: StubServer.Handler = { request, _ in
            if let n = request.json?["n"] as? Int, n > 1 {
                return .error(400, "Field 'n': Value must be between 1 <= value <= 1, but got \(n)", type: "invalid_request_error")
            }
            return .openAI(request)
        }
        try await withServer(llamaRefusal) { server in
            try await withGenerator(server) { generator in
                let parameters = SamplingParameters(maxTokens: 8, temperature: 0.8, seed: 10)
                let first = try await generator.generate([.text("p")], parameters: parameters, count: 3)
                XCTAssertEqual(first.map { $0.map(\.text) },
                               [["completion of p seed 10", "completion of p seed 11", "completion of p seed 12"]])
                XCTAssertEqual(server.requests.count, 4)
                XCTAssertEqual(server.requests[0].json?["n"] as? Int, 3)
                XCTAssertEqual(Set(server.requests.dropFirst().map { $0.json?["seed"] as? Int }), [10, 11, 12])
                XCTAssertTrue(server.requests.dropFirst().allSatisfy { $0.json?["n"] == nil })

                let second = try await generator.generate([.messages([.user("q")])], parameters: parameters, count: 2)
                XCTAssertEqual(second.map { $0.map(\.text) }, [["reply to q seed 10", "reply to q seed 11"]])
                XCTAssertEqual(server.requests.count, 6, "n > 1 was asked again after the server refused it")
            }
        }
    }

    /// A 400 that is not about `n` (the prompt itself is refused) is reported, not turned into separate requests.
    func testRefusalNotAboutNIsReported() async throws {
        try await withServer({ _, _ in .error(400, "the prompt is longer than the context", type: "invalid_request_error") }) { server in
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server) { generator in
                    try await generator.generate([.text("long")], parameters: .greedy(maxTokens: 8), count: 4)
                }
            }
            XCTAssertEqual(error?.status, 400)
            XCTAssertEqual(error?.attempts, 1)
            XCTAssertTrue(error?.description.contains("the prompt is longer than the context") == true, "\(String(describing: error))")
            // The n = 4 request, then the n = 1 request that tells whether n was the trouble; nothing retried.
            XCTAssertEqual(server.requests.map { $0.json?["n"] as? Int }, [4, nil])
        }
    }

    /// Text comes back exactly: a byte order mark inside the text (a Gemma 3 token), accents, emoji, escapes.
    func testTextIsKeptExactly() async throws {
        let text = "\u{FEFF}# café 🙂\n\t\"quoted\" \\ end"
        try await withServer({ _, _ in
            .json(["choices": [["index": 0, "text": text, "finish_reason": "stop"]], "usage": ["prompt_tokens": 1, "completion_tokens": 9]])
        }) { server in
            let completions = try await withGenerator(server) { try await $0.generate([.text("x")], parameters: .greedy()) }
            XCTAssertEqual(completions.map(\.text), [text])
            XCTAssertEqual(completions.first?.text.unicodeScalars.first, "\u{FEFF}")
        }
    }

    func testIdentityNamesServerAndModelWithoutCredentials() async throws {
        let configuration = OpenAICompatibleGenerator.Configuration(
            baseURL: "http://user:hunter2@127.0.0.1:8000/v1/?token=abc", model: "judge-7b")
        let identity = try await OpenAICompatibleGenerator.withGenerator(configuration: configuration, environment: [:]) {
            $0.identity
        }
        XCTAssertEqual(identity, "http://127.0.0.1:8000/v1 model judge-7b")
    }

    func testServedModelsAreListed() async throws {
        try await withServer({ request, number in
            number == 1 ? .json(["object": "list", "data": [["id": "qwen-7b"], ["id": "judge"]]]) : .json(["data": [] as [Any]])
        }) { server in
            let models = try await OpenAICompatibleGenerator.servedModels(
                baseURL: server.baseURL + "/", apiKeyEnvironmentVariable: "K", environment: ["K": "secret"], httpClient: .shared)
            XCTAssertEqual(models, ["qwen-7b", "judge"])
            XCTAssertEqual(server.requests.first.map { "\($0.method) \($0.path)" }, "GET /v1/models")
            XCTAssertEqual(server.requests.first?.headers["authorization"], "Bearer secret")
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await OpenAICompatibleGenerator.servedModels(baseURL: server.baseURL, environment: [:], httpClient: .shared)
            }
            XCTAssertEqual(error?.description, "\(server.baseURL)/models answered with a response that is not an OpenAI "
                           + "completion: expected a non-empty model list {\"data\": [{\"id\": ...}]}; the body starts: {\"data\":[]}")
        }
    }

    func testConfigurationErrors() {
        func error(_ configuration: OpenAICompatibleGenerator.Configuration, environment: [String: String] = [:])
        -> OpenAICompatibleConfigurationError? {
            do {
                let generator = try OpenAICompatibleGenerator(configuration: configuration, httpClient: .shared,
                                                              environment: environment)
                XCTFail("expected a configuration error for \(generator.identity)")
            } catch {
                return error as? OpenAICompatibleConfigurationError
            }
            return nil
        }
        XCTAssertEqual(error(.init(baseURL: "localhost:8000/v1", model: "m")), .invalidBaseURL("localhost:8000/v1"))
        XCTAssertEqual(error(.init(baseURL: "ftp://host/v1", model: "m")), .invalidBaseURL("ftp://host/v1"))
        XCTAssertEqual(error(.init(baseURL: "http://127.0.0.1:1/v1", model: "")), .emptyModelName)
        XCTAssertEqual(error(.init(baseURL: "http://127.0.0.1:1/v1", model: "m", maxConcurrentRequests: 0)),
                       .invalidLimit(name: "maxConcurrentRequests", value: "0"))
        XCTAssertEqual(error(.init(baseURL: "http://127.0.0.1:1/v1", model: "m", apiKeyEnvironmentVariable: "NO_SUCH_KEY")),
                       .missingAPIKey(environmentVariable: "NO_SUCH_KEY"))
        XCTAssertEqual(error(.init(baseURL: "http://127.0.0.1:1/v1", model: "m", apiKeyEnvironmentVariable: "EMPTY_KEY"),
                             environment: ["EMPTY_KEY": ""]),
                       .missingAPIKey(environmentVariable: "EMPTY_KEY"))
        XCTAssertEqual(error(.init(baseURL: "http://127.0.0.1:1/v1", model: "m", apiKeyEnvironmentVariable: "PASTED_KEY"),
                             environment: ["PASTED_KEY": "sk-abc\n"]),
                       .invalidAPIKey(environmentVariable: "PASTED_KEY"))
        XCTAssertEqual(OpenAICompatibleConfigurationError.missingAPIKey(environmentVariable: "OPENAI_API_KEY").description,
                       "the environment variable OPENAI_API_KEY that should hold the API key is not set")
    }

    func testInvalidSamplingParametersAreRefusedBeforeSending() async throws {
        try await withServer { server in
            let error = await expectError(InvalidSamplingParameter.self) {
                _ = try await withGenerator(server) { generator in
                    try await generator.generate([.text("x")], parameters: SamplingParameters(topP: 7))
                }
            }
            XCTAssertEqual(error?.parameter, .topP)
            XCTAssertEqual(server.requests.count, 0)
        }
    }

    /// Seed 003's judge reward with the judge behind the HTTP client: one request per answer, verdicts parsed.
    func testJudgeRewardThroughTheClient() async throws {
        try await withServer({ request, _ in
            let messages = request.json?["messages"] as? [[String: Any]] ?? []
            let prompt = messages.last?["content"] as? String ?? ""
            let answer = prompt.components(separatedBy: "Answer: ").last ?? ""
            let verdict = answer.contains("Silver Heron") ? "Final Verdict: 1" : "Final Verdict: -1"
            return .json(["choices": [["index": 0, "message": ["role": "assistant", "content": verdict], "finish_reason": "stop"]],
                          "usage": ["prompt_tokens": 100, "completion_tokens": 4]])
        }) { server in
            let output = try await withGenerator(server) { judge in
                let reward = JudgeReward(judge: judge, batchSize: 2, maxConcurrentBatches: 2)
                let answers = ["It was the Silver Heron.", "The Star Wanderer, I think.", "Surely the Silver Heron!"]
                return try await reward.score(RewardBatch(
                    prompts: answers.map { _ in .messages([.user("What was the Navigator's vessel?")]) }, completions: answers,
                    samples: answers.map { _ in RewardSample(fact: "The Silver Heron was the Navigator's vessel.") }))
            }
            XCTAssertEqual(output.scores, [1, -1, 1])
            XCTAssertEqual(server.requests.count, 3)
            XCTAssertEqual(server.requests.first?.json?["temperature"] as? Double, 0.01)
            XCTAssertEqual(server.requests.first?.json?["max_tokens"] as? Int, 300)
        }
    }

    /// The API key goes out as a bearer token only: not in identity, descriptions, or an error quoting it.
    func testAPIKeyIsSentAsBearerAndNeverShown() async throws {
        let key = "sk-test-0123456789abcdef"
        try await withServer({ request, _ in
            // A server that quotes the header back in its error, as some proxies do.
            .error(401, "Incorrect API key provided: \(request.headers["authorization"] ?? "none")", type: "invalid_request_error")
        }) { server in
            let waits = RecordedWaits()
            var shown: [String] = []
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server, waits: waits, environment: ["STUB_API_KEY": key],
                                            configure: { $0.apiKeyEnvironmentVariable = "STUB_API_KEY" }) { generator in
                    shown += [generator.identity, "\(generator)", String(reflecting: generator), "\(generator.configuration)"]
                    return try await generator.generate([.text("x")], parameters: .greedy(maxTokens: 4))
                }
            }
            XCTAssertEqual(server.requests.first?.headers["authorization"], "Bearer \(key)")
            XCTAssertEqual(error?.status, 401)
            XCTAssertEqual(error?.attempts, 1, "a 401 is not retried")
            shown.append(error.map { "\($0)" } ?? "")
            XCTAssertTrue(shown.last?.contains("Incorrect API key provided: Bearer [redacted]") == true, shown.last ?? "")
            for text in shown { XCTAssertFalse(text.contains(key), text) }
        }
    }

    func testOwnedClientShutsDownOnceAndBorrowedClientIsLeftRunning() async throws {
        try await withServer { server in
            let configuration = OpenAICompatibleGenerator.Configuration(baseURL: server.baseURL, model: "m")
            let owned = try OpenAICompatibleGenerator(configuration: configuration, environment: [:])
            _ = try await owned.generate([.text("a")], parameters: .greedy(maxTokens: 4))
            try await owned.shutdown()
            try await owned.shutdown()  // a second shutdown is harmless
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await owned.generate([.text("b")], parameters: .greedy(maxTokens: 4))
            }
            XCTAssertEqual(error?.attempts, 1, "a shut-down client is not retried")

            let borrowed = try OpenAICompatibleGenerator(configuration: configuration, httpClient: .shared, environment: [:])
            try await borrowed.shutdown()  // leaves HTTPClient.shared alone
            let completion = try await borrowed.generate([.text("c")], parameters: .greedy(maxTokens: 4))
            XCTAssertEqual(completion.map(\.text), ["completion of c"])
        }
    }
}
