import Foundation
import ImprintHTTPStubServer
import XCTest

/// `imprint grpo --reward judge --judge-model URL`: the judge behind an OpenAI-compatible server (a loopback stub).
final class GRPOJudgeServerTests: XCTestCase {
    var model: TinyChatModel!
    var directory: URL!

    override func setUpWithError() throws {
        // No end-of-sequence token: every completion is --max-completion-length characters long, long enough for the
        // judge's validity gates (12 characters), so answers reach the judge.
        model = try TinyChatModel(contextLength: 96)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-grpo-judge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rows = ["{\"prompt\": \"The ship: \", \"fact\": \"The ship is the Silver Heron.\"}",
                    "{\"prompt\": \"The city: \", \"fact\": \"The city is Eldoria.\"}"]
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: directory.appendingPathComponent("data.jsonl"))
    }

    override func tearDown() {
        model.remove()
        try? FileManager.default.removeItem(at: directory)
    }

    func arguments(judge: String) -> [String] {
        ["grpo", "--model", model.path, "--data", directory.appendingPathComponent("data.jsonl").path,
         "--output", directory.appendingPathComponent("run").path, "--reward", "judge", "--judge-model", judge,
         "--num-generations", "2", "--batch-size", "4", "--max-completion-length", "20", "--lora-rank", "2",
         "--max-steps", "1", "--save-steps", "0", "--plain"]
    }

    func testJudgeServerIsAskedWithTheKeyAndTheModelItLists() async throws {
        let key = "sk-judge-test-key-123"
        let server = try await StubServer.start { request, _ in
            if request.method == "GET" { return .json(["object": "list", "data": [["id": "stub-judge", "object": "model"]]]) }
            return .json(["choices": [["index": 0, "message": ["role": "assistant", "content": "Final Verdict: 1"], "finish_reason": "stop"]],
                          "usage": ["prompt_tokens": 50, "completion_tokens": 4]])
        }
        defer { Task { try? await server.shutdown() } }
        // Without a path the URL means <URL>/v1.
        let result = try imprint(arguments(judge: "http://127.0.0.1:\(server.port)") + ["--api-key-env", "IMPRINT_TEST_JUDGE_KEY"],
                                 environment: ["IMPRINT_TEST_JUDGE_KEY": key], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stderr.contains(key) || result.stdout.contains(key))
        let requests = server.requests
        XCTAssertEqual(requests.first.map { "\($0.method) \($0.path)" }, "GET /v1/models")
        let judged = requests.dropFirst()
        XCTAssertFalse(judged.isEmpty, "no answer reached the judge")
        for request in requests { XCTAssertEqual(request.headers["authorization"], "Bearer \(key)") }
        for request in judged {
            XCTAssertEqual(request.path, "/v1/chat/completions")
            XCTAssertEqual(request.json?["model"] as? String, "stub-judge")
            let messages = request.json?["messages"] as? [[String: String]]
            XCTAssertTrue(messages?.last?["content"]?.hasPrefix("Please act as an impartial judge") == true)
        }
        let metrics = try String(contentsOf: directory.appendingPathComponent("run/metrics.jsonl"), encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"rewards/judge/mean\""), metrics)
    }

    func testServerOptionsAreRefusedWithoutAServer() throws {
        let local = try imprint(arguments(judge: model.path) + ["--api-key-env", "HOME"])
        XCTAssertNotEqual(local.status, 0)
        XCTAssertTrue(local.stderr.contains("--judge-model-name and --api-key-env are for a --judge-model server URL"), local.stderr)
        let unset = try imprint(arguments(judge: "http://127.0.0.1:9/v1") + ["--api-key-env", "IMPRINT_NO_SUCH_VARIABLE"])
        XCTAssertNotEqual(unset.status, 0)
        XCTAssertTrue(unset.stderr.contains("the environment variable IMPRINT_NO_SUCH_VARIABLE is not set"), unset.stderr)
    }

    /// A judge server that cannot be reached stops the command before training, naming the server.
    func testUnreachableJudgeServerIsReported() async throws {
        let port = try await StubServer.closedPort()
        let result = try imprint(arguments(judge: "http://127.0.0.1:\(port)/v1"), timeout: 120)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("http://127.0.0.1:\(port)/v1/models: the connection failed after 5 attempts"), result.stderr)
    }
}
