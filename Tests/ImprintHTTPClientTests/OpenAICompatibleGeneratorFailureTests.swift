import Foundation
import ImprintCore
import ImprintHTTPClient
import ImprintHTTPStubServer
import XCTest

/// Faults the stub server injects: what is retried, how often, after which waits, and what the final error says.
final class OpenAICompatibleGeneratorFailureTests: XCTestCase {
    let prompt = [GenerationPrompt.messages([.user("Hello")])]

    func testServerErrorIsReportedAtOnceWithServerStatusAndMessage() async throws {
        try await withServer({ _, _ in .error(500, "CUDA out of memory") }) { server in
            let waits = RecordedWaits()
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server, waits: waits) { try await $0.generate(self.prompt, parameters: .greedy()) }
            }
            XCTAssertEqual(server.requests.count, 1)
            XCTAssertEqual(waits.waits, [])
            XCTAssertEqual(error?.failure, .status(500, message: "CUDA out of memory"))
            XCTAssertEqual(error?.description, "\(server.baseURL)/chat/completions answered HTTP 500: CUDA out of memory")
        }
    }

    func testUnavailableIsRetriedABoundedNumberOfTimesWithBackoff() async throws {
        try await withServer({ _, _ in .error(503, "Loading model", type: "unavailable_error") }) { server in
            let waits = RecordedWaits()
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server, waits: waits) { try await $0.generate(self.prompt, parameters: .greedy()) }
            }
            XCTAssertEqual(server.requests.count, 4, "the first attempt and 3 retries")
            XCTAssertEqual(waits.waits, [.milliseconds(10), .milliseconds(20), .milliseconds(40)])
            XCTAssertEqual(error?.attempts, 4)
            XCTAssertEqual(error?.description, "\(server.baseURL)/chat/completions answered HTTP 503 after 4 attempts: Loading model")
        }
    }

    func testEveryRetryableStatusIsRetriedAndOthersAreNot() async throws {
        for status in [400, 401, 403, 404, 408, 422, 500, 501, 502, 503, 504, 429] {
            try await withServer({ _, _ in .error(status, "status \(status)") }) { server in
                let error = await expectError(OpenAICompatibleServerError.self) {
                    _ = try await withGenerator(server) { try await $0.generate(self.prompt, parameters: .greedy()) }
                }
                XCTAssertEqual(error?.status, status)
                XCTAssertEqual(server.requests.count, [429, 502, 503, 504].contains(status) ? 4 : 1, "HTTP \(status)")
            }
        }
    }

    func testRetryAfterSecondsIsHonoured() async throws {
        try await withServer({ request, number in
            number == 1 ? .error(429, "Rate limit reached", headers: [("Retry-After", "7")]) : .openAI(request)
        }) { server in
            let waits = RecordedWaits()
            let completions = try await withGenerator(server, waits: waits) { try await $0.generate(self.prompt, parameters: .greedy()) }
            XCTAssertEqual(completions.map(\.text), ["reply to Hello"])
            XCTAssertEqual(server.requests.count, 2)
            XCTAssertEqual(waits.waits, [.seconds(7)])
        }
    }

    func testRetryAfterDateInThePastMeansNow() async throws {
        try await withServer({ request, number in
            number == 1 ? .error(503, "busy", headers: [("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]) : .openAI(request)
        }) { server in
            let waits = RecordedWaits()
            _ = try await withGenerator(server, waits: waits) { try await $0.generate(self.prompt, parameters: .greedy()) }
            XCTAssertEqual(waits.waits, [.zero])
        }
    }

    func testRetryAfterLongerThanTheMaximumEndsTheRetries() async throws {
        try await withServer({ _, _ in .error(429, "Quota exceeded", headers: [("Retry-After", "3600")]) }) { server in
            let waits = RecordedWaits()
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server, waits: waits) { try await $0.generate(self.prompt, parameters: .greedy()) }
            }
            XCTAssertEqual(server.requests.count, 1)
            XCTAssertEqual(waits.waits, [])
            XCTAssertEqual(error?.failure, .retryAfterTooLong(status: 429, seconds: 3600, message: "Quota exceeded"))
            XCTAssertTrue(error?.description.contains("asked to retry after 3600.0 s") == true, "\(String(describing: error))")
        }
    }

    /// An answer slower than the request timeout is a timeout, retried, then reported; nothing waits for the slow answers.
    func testSlowAnswerTimesOut() async throws {
        try await withServer({ request, _ in
            var response = StubServer.Response.openAI(request)
            response.delay = .seconds(3)
            return response
        }) { server in
            let waits = RecordedWaits()
            let start = ContinuousClock.now
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server, waits: waits, configure: {
                    $0.requestTimeout = .milliseconds(200)
                    $0.retry = waits.policy(maxRetries: 1)
                }) { try await $0.generate(self.prompt, parameters: .greedy()) }
            }
            XCTAssertLessThan(ContinuousClock.now - start, .seconds(2.5))
            XCTAssertEqual(server.requests.count, 2)
            XCTAssertEqual(error?.attempts, 2)
            guard case .timedOut(let what)? = error?.failure else { return XCTFail("expected a timeout, got \(String(describing: error))") }
            XCTAssertTrue(what.contains("request timeout of 0.2 seconds"), what)
        }
    }

    func testMalformedJSONIsReportedNotRetried() async throws {
        try await withServer({ _, _ in StubServer.Response(status: 200, body: Data("<html>Bad Gateway</html>".utf8)) }) { server in
            let waits = RecordedWaits()
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server, waits: waits) { try await $0.generate(self.prompt, parameters: .greedy()) }
            }
            XCTAssertEqual(server.requests.count, 1)
            XCTAssertEqual(error?.description, "\(server.baseURL)/chat/completions answered with a response that is not an "
                           + "OpenAI completion: expected a JSON object with \"choices\" (not valid JSON); the body starts: "
                           + "<html>Bad Gateway</html>")
        }
    }

    func testMissingFieldsAndWrongChoiceCountAreMalformed() async throws {
        try await withServer({ _, number in
            number == 1 ? .json(["choices": [["index": 0, "finish_reason": "stop"]]]) : .json(["choices": [] as [Any]])
        }) { server in
            let first = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server) { try await $0.generate(self.prompt, parameters: .greedy()) }
            }
            XCTAssertEqual(first?.failure, .malformedResponse("choice 0 of a chat completion has no \"message\""))
            let second = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server) { try await $0.generate([.text("x")], parameters: .greedy()) }
            }
            XCTAssertEqual(second?.failure, .malformedResponse("0 choices, expected 1"))
        }
    }

    func testConnectionRefusedIsRetriedThenReported() async throws {
        let port = try await StubServer.closedPort()
        let waits = RecordedWaits()
        let configuration = OpenAICompatibleGenerator.Configuration(
            baseURL: "http://127.0.0.1:\(port)/v1", model: "m", connectTimeout: .seconds(5), retry: waits.policy(maxRetries: 2))
        let error = await expectError(OpenAICompatibleServerError.self) {
            _ = try await OpenAICompatibleGenerator.withGenerator(configuration: configuration, environment: [:]) {
                try await $0.generate(self.prompt, parameters: .greedy())
            }
        }
        XCTAssertEqual(error?.attempts, 3)
        XCTAssertEqual(waits.waits, [.milliseconds(10), .milliseconds(20)])
        guard case .connection(let what)? = error?.failure else { return XCTFail("expected a connection failure: \(String(describing: error))") }
        XCTAssertTrue(error?.description.hasPrefix("http://127.0.0.1:\(port)/v1/chat/completions: the connection failed after 3 attempts: ") == true,
                      "\(String(describing: error))")
        XCTAssertTrue(what.hasPrefix("Connection refused (errno "), what)
    }

    func testDroppedConnectionIsRetried() async throws {
        try await withServer({ request, number in number == 1 ? .dropConnection : .openAI(request) }) { server in
            let completions = try await withGenerator(server) { try await $0.generate(self.prompt, parameters: .greedy()) }
            XCTAssertEqual(completions.map(\.text), ["reply to Hello"])
            XCTAssertEqual(server.requests.count, 2)
        }
    }

    /// One prompt failing for good fails the call; the other prompts' answers are not mistaken for its own.
    func testOneFailedPromptFailsTheCall() async throws {
        try await withServer({ request, _ in
            (request.json?["prompt"] as? String) == "bad" ? .error(422, "unprocessable") : .openAI(request)
        }) { server in
            let error = await expectError(OpenAICompatibleServerError.self) {
                _ = try await withGenerator(server) { try await $0.generate([.text("ok"), .text("bad"), .text("ok")], parameters: .greedy()) }
            }
            XCTAssertEqual(error?.failure, .status(422, message: "unprocessable"))
        }
    }

    /// A call cancelled while its requests wait for a slot or an answer ends promptly with `CancellationError`.
    func testCancellationEndsTheCall() async throws {
        try await withServer({ request, _ in
            var response = StubServer.Response.openAI(request)
            response.delay = .seconds(3)
            return response
        }) { server in
            try await withGenerator(server, configure: { $0.maxConcurrentRequests = 1 }) { generator in
                let start = ContinuousClock.now
                let call = Task { try await generator.generate((0..<4).map { .text("p\($0)") }, parameters: .greedy()) }
                try await Task.sleep(for: .milliseconds(200))
                call.cancel()
                do {
                    _ = try await call.value
                    XCTFail("expected a cancellation")
                } catch {
                    XCTAssertTrue(error is CancellationError, "\(error)")
                }
                XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
                XCTAssertEqual(server.requests.count, 1, "the requests waiting for a slot were sent")
            }
        }
    }
}
