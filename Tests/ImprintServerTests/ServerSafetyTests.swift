import AsyncHTTPClient
import Foundation
import Glibc
import ImprintCore
import ImprintModel
@testable import ImprintServer
import NIOCore
import XCTest

/// Safe by default: authentication, limits answered with OpenAI error bodies, malformed input as 400s,
/// disconnects that cancel generation, graceful shutdown.
final class ServerSafetyTests: XCTestCase {
    func testAPIKeyIsRequiredWhenSet() async throws {
        try await withServer(.init(modelName: "tiny", apiKey: "s3cret-key")) { client in
            for headers in [[:], ["Authorization": "Bearer wrong-key!"], ["Authorization": "Bearer s3cret-ke"],
                            ["Authorization": "s3cret-key"]] {
                let refused = try await client.post("/v1/chat/completions", chat("hi", ["max_tokens": 2]), headers: headers)
                XCTAssertEqual(refused.status, 401, "\(headers)")
                XCTAssertEqual(refused.error["code"] as? String, "invalid_api_key")
                XCTAssertEqual(refused.error["type"] as? String, "invalid_request_error")
                XCTAssertTrue(refused.error.keys.contains("param"), "param: null is written")
            }
            let health = try await client.send(.GET, "/health")
            XCTAssertEqual(health.status, 401, "every route needs the key")
            let accepted = try await client.post("/v1/chat/completions", chat("hi", ["max_tokens": 2]),
                                                 headers: ["Authorization": "Bearer s3cret-key"])
            XCTAssertEqual(accepted.status, 200, accepted.body)
            let lowerCaseScheme = try await client.send(.GET, "/v1/models", headers: ["Authorization": "bearer s3cret-key"])
            XCTAssertEqual(lowerCaseScheme.status, 200)
        }
    }

    func testKeyComparison() {
        let key = Array("abc".utf8)
        typealias Check = BearerToken
        XCTAssertTrue(Check.matches(header: Array("Bearer abc".utf8), key: key))
        XCTAssertTrue(Check.matches(header: Array("BEARER abc".utf8), key: key))
        for header in ["Bearer ab", "Bearer abcd", "Bearer abd", "Basic abc", "Bearer", "", "Bearerabc"] {
            XCTAssertFalse(Check.matches(header: Array(header.utf8), key: key), header)
        }
    }

    func testMalformedRequestsAre400s() async throws {
        try await withServer { client in
            let cases: [(body: String, param: String?, message: String)] = [
                ("{not json", nil, "could not parse the JSON body"),
                ("[1, 2]", nil, "Invalid type"),
                ("{\"model\": \"tiny\"}", "messages", "Missing required parameter: 'messages'"),
                ("{\"messages\": \"hi\"}", "messages", "expected an array"),
                ("{\"messages\": [{\"role\": \"user\"}]}", "messages[0].content", "Missing required parameter"),
                ("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": \"ten\"}", "max_tokens", "expected an integer"),
                ("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": -1}", "temperature", "out of range"),
                ("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"top_p\": 0}", "top_p", "out of range"),
                ("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 0}", "n", "at least 1"),
                ("{\"messages\": []}", "messages", "at least one message"),
                ("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stop\": [\"\"]}", "stop", "must not be empty"),
                ("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"response_format\": {\"type\": \"json_object\"}}",
                 "response_format", "not supported"),
                ("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"top_logprobs\": 3, \"logprobs\": true}",
                 "top_logprobs", "not supported"),
                ("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}", "messages[0].content", "text content parts"),
            ]
            for (body, param, message) in cases {
                let reply = try await client.send(.POST, "/v1/chat/completions", body: body)
                XCTAssertEqual(reply.status, 400, body)
                XCTAssertEqual(reply.error["param"] as? String, param, body)
                XCTAssertTrue((reply.error["message"] as? String ?? "").contains(message), "\(body): \(reply.body)")
                XCTAssertEqual(reply.error["type"] as? String, "invalid_request_error")
            }
            let badPrompt = try await client.send(.POST, "/v1/completions", body: "{\"prompt\": {\"a\": 1}}")
            XCTAssertEqual(badPrompt.status, 400)
            XCTAssertEqual(badPrompt.error["param"] as? String, "prompt")
            let badToken = try await client.post("/v1/completions", ["prompt": [1, 5000], "max_tokens": 2])
            XCTAssertEqual(badToken.status, 400)
            XCTAssertTrue((badToken.error["message"] as? String ?? "").contains("5000"), badToken.body)
            // The server still answers.
            let fine = try await client.post("/v1/completions", ["prompt": "ok", "max_tokens": 2])
            XCTAssertEqual(fine.status, 200)
        }
    }

    func testLimitsAreAnsweredWithTheirStatus() async throws {
        try await withServer(.init(modelName: "tiny", maxBodyBytes: 4096, maxTokensLimit: 50)) { client in
            let large = try await client.post("/v1/completions", ["prompt": String(repeating: "x", count: 5000), "max_tokens": 2])
            XCTAssertEqual(large.status, 413)
            XCTAssertEqual(large.error["code"] as? String, "request_too_large")
            XCTAssertTrue((large.error["message"] as? String ?? "").contains("4096 bytes"), large.body)

            let tooMany = try await client.post("/v1/chat/completions", chat("hi", ["max_tokens": 51]))
            XCTAssertEqual(tooMany.status, 400)
            XCTAssertEqual(tooMany.error["param"] as? String, "max_tokens")
            XCTAssertTrue((tooMany.error["message"] as? String ?? "").contains("at most 50"), tooMany.body)
            let newName = try await client.post("/v1/chat/completions", chat("hi", ["max_completion_tokens": 51]))
            XCTAssertEqual(newName.error["param"] as? String, "max_completion_tokens")

            let wide = try await client.post("/v1/chat/completions", chat("hi", ["n": 17, "max_tokens": 2]))
            XCTAssertEqual(wide.status, 400)
            XCTAssertEqual(wide.error["param"] as? String, "n")

            // The tiny model's context is 256 tokens; one character is one token.
            let long = try await client.post("/v1/completions", ["prompt": String(repeating: "y", count: 300), "max_tokens": 2])
            XCTAssertEqual(long.status, 400)
            XCTAssertEqual(long.error["code"] as? String, "context_length_exceeded")
            XCTAssertEqual(long.error["param"] as? String, "prompt")

            // max_tokens past the context is cut by the context (finish reason length), as llama.cpp's server does.
            let end = try await client.post("/v1/completions", ["prompt": String(repeating: "y", count: 250), "max_tokens": 50, "temperature": 0])
            XCTAssertEqual(end.status, 200, end.body)
            XCTAssertEqual(end.usage["completion_tokens"], 256 - (end.usage["prompt_tokens"] ?? 0))
            XCTAssertEqual(end.finishReasons, ["length"])
        }
    }

    /// A client that goes away mid-stream cancels its generation: its completion leaves the batch.
    func testDisconnectCancelsGeneration() async throws {
        let generator = try TinyModel.generator()
        try await withServer(generator: generator) { client in
            let firstChunk = AsyncStream<Void>.makeStream()
            let reading = Task {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(client.port)/v1/completions")
                request.method = .POST
                let body = "{\"prompt\": \"a\", \"max_tokens\": 250, \"temperature\": 1, \"stream\": true, \"ignore_eos\": true}"
                request.body = .bytes(ByteBuffer(string: body))
                let response = try await client.http.execute(request, timeout: .seconds(60))
                for try await _ in response.body {
                    firstChunk.continuation.yield()
                }
            }
            for await _ in firstChunk.stream { break }
            reading.cancel()
            _ = try? await reading.value
            let start = ContinuousClock.now
            while generator.decoder.currentLoad.runningCompletions > 0 && ContinuousClock.now - start < .seconds(10) {
                try await Task.sleep(for: .milliseconds(10))
            }
            XCTAssertEqual(generator.decoder.currentLoad.runningCompletions, 0)
            XCTAssertLessThan(generator.decoder.currentLoad.generatedTokens, 250, "the generation stopped before its end")
        }
    }

    /// So does a client that gives up on a non-streamed response (its timeout closes the connection).
    func testDisconnectCancelsANonStreamedGeneration() async throws {
        let generator = try TinyModel.generator()
        try await withServer(generator: generator) { client in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(client.port)/v1/completions")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: "{\"prompt\": \"a\", \"max_tokens\": 250, \"n\": 4, \"ignore_eos\": true}"))
            let sent = Task { try await client.http.execute(request, timeout: .seconds(30)) }
            while generator.decoder.currentLoad.runningCompletions == 0 { try await Task.sleep(for: .milliseconds(1)) }
            sent.cancel()
            _ = try? await sent.value
            let start = ContinuousClock.now
            while generator.decoder.currentLoad.runningCompletions > 0 && ContinuousClock.now - start < .seconds(10) {
                try await Task.sleep(for: .milliseconds(5))
            }
            XCTAssertEqual(generator.decoder.currentLoad.runningCompletions, 0)
            XCTAssertLessThan(generator.decoder.currentLoad.generatedTokens, 4 * 250, "the generation stopped before its end")
        }
    }

    /// A connection that sends nothing is closed after the idle timeout (no slowloris hold on the server).
    func testIdleConnectionsAreClosed() async throws {
        try await withServer(.init(modelName: "tiny", idleTimeoutSeconds: 1)) { client in
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(client.port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            XCTAssertEqual(connected, 0)
            var limit = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            let start = ContinuousClock.now
            var byte: UInt8 = 0
            let received = recv(socket, &byte, 1, 0)  // 0: the server closed the connection
            let elapsed = ContinuousClock.now - start
            XCTAssertEqual(received, 0)
            XCTAssertGreaterThan(elapsed, .milliseconds(500))
            XCTAssertLessThan(elapsed, .seconds(15))
        }
    }

    /// `shutdown()` lets a request in flight finish, then `run()` returns; no new connection is accepted after.
    func testGracefulShutdownFinishesRequestsInFlight() async throws {
        let generator = try TinyModel.generator()
        let server = ModelServer(generator: generator, configuration: .init(modelName: "tiny", port: 0))
        let running = Task { try await server.run() }
        let port = try await server.listeningPort()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = TestClient(port: port, server: server, http: http)
        let inFlight = Task { try await client.post("/v1/completions", ["prompt": "a", "max_tokens": 200, "temperature": 1, "seed": 1, "n": 4,
                                                                       "ignore_eos": true]) }
        while generator.decoder.currentLoad.runningCompletions == 0 { try await Task.sleep(for: .milliseconds(1)) }
        await server.shutdown()
        let reply = try await inFlight.value
        XCTAssertEqual(reply.status, 200, reply.body)
        XCTAssertEqual(reply.choiceTexts.count, 4)
        XCTAssertEqual(reply.finishReasons, ["length", "length", "length", "length"])
        XCTAssertEqual(reply.usage["completion_tokens"], 4 * 200)
        try await running.value
        do {
            _ = try await client.send(.GET, "/health", timeout: 1)
            XCTFail("the server still accepts connections")
        } catch {}
        try await http.shutdown()
    }
}
