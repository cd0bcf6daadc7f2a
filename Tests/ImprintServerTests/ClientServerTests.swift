import Foundation
import ImprintCore
import ImprintHTTPClient
import ImprintModel
import ImprintServer
import XCTest

/// Imprint's own client against Imprint's own server on loopback: what one writes the other reads, and the answers
/// are the model's own (the same text as the local generator, alone, for the same prompt).
final class ClientServerTests: XCTestCase {
    /// `body` with a client of the server on `port` (sending `key` as its bearer key), shut down after.
    func withClient<Result>(port: Int, key: String? = nil, _ body: (OpenAICompatibleGenerator) async throws -> Result) async throws -> Result {
        var configuration = OpenAICompatibleGenerator.Configuration(
            baseURL: "http://127.0.0.1:\(port)/v1", model: "tiny", apiKeyEnvironmentVariable: key == nil ? nil : "IMPRINT_TEST_SERVE_KEY")
        configuration.retry = .never
        return try await OpenAICompatibleGenerator.withGenerator(configuration: configuration,
                                                                 environment: key.map { ["IMPRINT_TEST_SERVE_KEY": $0] } ?? [:], body)
    }

    func testRoundTripEqualsTheLocalModel() async throws {
        let local = try TinyModel.local()
        let prompts: [GenerationPrompt] = [.messages([.user("Tell me about the ship.")]), .text("The harbour of"),
                                           .messages([.system("Be brief."), .user("Who built it?")])]
        let greedy = SamplingParameters.greedy(maxTokens: 12)
        let expected = try await local.generate(prompts, parameters: greedy)
        try await withServer { server in
            let answers = try await withClient(port: server.port) { try await $0.generate(prompts, parameters: greedy) }
            XCTAssertEqual(answers.map(\.text), expected.map(\.text))
            XCTAssertEqual(answers.map(\.finishReason), expected.map(\.finishReason))
            XCTAssertEqual(answers.map(\.completionTokenCount), expected.map(\.completionTokenCount))
            XCTAssertEqual(answers.map(\.promptTokenCount), expected.map(\.promptTokenCount))
        }
    }

    func testStopStringsAndSeveralCompletions() async throws {
        let local = try TinyModel.local()
        let prompt = GenerationPrompt.messages([.user("Tell me about the ship.")])
        let full = try await local.generate([prompt], parameters: .greedy(maxTokens: 16))[0].text
        let characters = Array(full)
        try XCTSkipIf(characters.count < 6, "the tiny model's greedy text is too short to cut: \(full)")
        let stop = String(characters[3..<5])
        var parameters = SamplingParameters.greedy(maxTokens: 16)
        parameters.stop = [stop]
        let cut = try await local.generate([prompt], parameters: parameters)[0]
        try await withServer { server in
            try await withClient(port: server.port) { generator in
            let answer = try await generator.generate([prompt], parameters: parameters)[0]
            XCTAssertEqual(answer.text, cut.text)
            XCTAssertFalse(answer.text.contains(stop))
            XCTAssertEqual(answer.finishReason, .stop)

            var sampled = SamplingParameters(maxTokens: 8, temperature: 1, seed: 7)
            sampled.stop = []
            let several = try await generator.generate([prompt, .text("The harbour of")], parameters: sampled, count: 3)
            XCTAssertEqual(several.map(\.count), [3, 3])
            let again = try await generator.generate([prompt, .text("The harbour of")], parameters: sampled, count: 3)
            XCTAssertEqual(several.map { $0.map(\.text) }, again.map { $0.map(\.text) }, "a seeded request repeats")
            }
        }
    }

    func testTheKeyIsAcceptedAndItsAbsenceRefused() async throws {
        let key = "sk-serve-test-4711"
        var configuration = ModelServer.Configuration(modelName: "tiny", port: 0)
        configuration.apiKey = key
        try await withServer(configuration) { server in
            let answers = try await withClient(port: server.port, key: key) {
                try await $0.generate([.text("The harbour of")], parameters: .greedy(maxTokens: 4))
            }
            XCTAssertEqual(answers.count, 1)

            for wrong in [nil, "sk-wrong"] as [String?] {
                do {
                    _ = try await withClient(port: server.port, key: wrong) {
                        try await $0.generate([.text("The harbour of")], parameters: .greedy(maxTokens: 4))
                    }
                    XCTFail("a request without the right key was answered")
                } catch let error as OpenAICompatibleServerError {
                    XCTAssertEqual(error.status, 401, "\(error)")
                    XCTAssertFalse("\(error)".contains(key))
                }
            }
        }
    }
}
