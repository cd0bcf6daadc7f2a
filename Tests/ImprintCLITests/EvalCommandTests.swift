import Foundation
import ImprintHTTPStubServer
import XCTest

/// `imprint eval` and `imprint eval compare` end to end on the tiny SFT model (byte-level tokenizer, SmolLM2's chat
/// template): the report folder, the judge cache across runs, argument and data errors, a URL refused until the HTTP
/// client exists.
final class EvalCommandTests: XCTestCase {
    let tinyModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImprintSFTTests/Fixtures/tiny").path
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-eval-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rows = (0..<3).flatMap { fact in
            ["question", "rephrased_3", "rephrased_6"].map { phrasing in
                "{\"question\": \"Question \(fact) as \(phrasing)?\", \"answer\": \"Answer \(fact)\", \"fact\": \"Fact \(fact).\", "
                    + "\"fact_id\": \(fact), \"phrasing_id\": \"\(phrasing)\"}"
            }
        }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: directory.appendingPathComponent("data.jsonl"))
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func evaluate(_ output: String, _ extra: [String]) throws -> ProcessResult {
        try imprint(["eval", "--model", tinyModel, "--data", path("data.jsonl"), "--output", path(output), "--max-tokens", "6",
                     "--bootstrap-replicates", "200", "--quiet"] + extra, timeout: 120)
    }

    func testADeterministicJudgeWritesTheReportFolder() throws {
        let result = try evaluate("contains", ["--judge", "contains", "--include-trained"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("accuracy: "), result.stdout)
        XCTAssertTrue(result.stdout.contains("held-out (3 facts): both "), result.stdout)
        XCTAssertTrue(result.stdout.contains("memorization gap: "), result.stdout)
        for name in ["report.json", "report.md", "report.html", "answers.jsonl", "heldout.svg", "trained.svg", "phrasings.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path("contains/" + name)), name)
        }
        let answers = try String(contentsOf: URL(fileURLWithPath: path("contains/answers.jsonl")), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(answers.count, 9)
        XCTAssertTrue(answers[1].contains("\"phrasing_id\":\"rephrased_3\""), String(answers[1]))
        XCTAssertTrue(answers[1].contains("\"judge_output\":\"contains none of 1 accepted answers\""), String(answers[1]))

        // Held-out phrasings only by default.
        let heldOut = try evaluate("heldout", ["--judge", "exact"])
        XCTAssertEqual(heldOut.status, 0, heldOut.stderr)
        let lines = try String(contentsOf: URL(fileURLWithPath: path("heldout/answers.jsonl")), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
    }

    /// The second run with the same LLM judge and cache asks the judge nothing: every verdict is a cache hit.
    func testTheJudgeCacheAnswersASecondRun() throws {
        let judge = ["--judge", "llm", "--judge-model", tinyModel, "--judge-prompt", "yesno", "--judge-cache", path("cache.jsonl")]
        let first = try evaluate("first", judge)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("judge cache: 0 of 6 verdicts"), first.stdout)
        let second = try evaluate("second", judge)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("judge cache: 6 of 6 verdicts"), second.stdout)
        let report = try String(contentsOf: URL(fileURLWithPath: path("second/report.json")), encoding: .utf8)
        XCTAssertTrue(report.contains("\"cache_hits\" : 6"), report)

        let compared = try imprint(["eval", "compare", path("first"), path("second"), "--output", path("compare")])
        XCTAssertEqual(compared.status, 0, compared.stderr)
        XCTAssertTrue(compared.stdout.hasPrefix("first − second = 0.0 points [0.0, 0.0], p = 1 (6 shared questions)"), compared.stdout)
        for name in ["compare.json", "compare.md", "compare.html", "heldout.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path("compare/" + name)), name)
        }
    }

    /// `imprint sft --eval-questions` answers the questions every N steps through the evaluator; `imprint eval --metrics`
    /// then draws the curve beside the loss.
    func testSFTEvaluatesQuestionsDuringTrainingAndTheReportDrawsTheCurve() throws {
        let stories = URL(fileURLWithPath: tinyModel).deletingLastPathComponent().appendingPathComponent("stories.jsonl").path
        let trained = try imprint(["sft", "--model", tinyModel, "--data", stories, "--output", path("sft"), "--max-steps", "2",
                                   "--batch-size", "2", "--lora-rank", "2", "--plain", "--eval-questions", path("data.jsonl"),
                                   "--eval-questions-steps", "1", "--eval-max-tokens", "4"], timeout: 120)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("evaluation at step 1: eval_accuracy "), trained.stderr)
        let metrics = try String(contentsOf: URL(fileURLWithPath: path("sft/metrics.jsonl")), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").filter { $0.contains("\"eval_heldout_all\"") }.count, 2, metrics)

        let report = try evaluate("after", ["--judge", "f1", "--adapter", path("sft"), "--metrics", path("sft/metrics.jsonl")])
        XCTAssertEqual(report.status, 0, report.stderr)
        for name in ["learning.svg", "training.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path("after/" + name)), name)
        }
    }

    func testErrorsNameTheOptionOrTheLine() throws {
        let noJudgeModel = try evaluate("x", ["--judge", "llm"])
        XCTAssertNotEqual(noJudgeModel.status, 0)
        XCTAssertTrue(noJudgeModel.stderr.contains("--judge llm needs --judge-model"), noJudgeModel.stderr)

        let unknown = try evaluate("x", ["--judge", "bleu"])
        XCTAssertTrue(unknown.stderr.contains("--judge bleu: expected one of exact, alias, f1, contains, llm"), unknown.stderr)

        let adapterOnServer = try imprint(["eval", "--model", "http://127.0.0.1:8000/v1", "--adapter", path("x"), "--data",
                                           path("data.jsonl"), "--judge", "exact", "--output", path("x")])
        XCTAssertNotEqual(adapterOnServer.status, 0)
        XCTAssertTrue(adapterOnServer.stderr.contains("--adapter applies to a local model"), adapterOnServer.stderr)

        try Data("{\"question\": \"Q?\", \"answer\": \"A\"}\n{\"question\": 5, \"answer\": \"A\"}\n".utf8)
            .write(to: directory.appendingPathComponent("bad.jsonl"))
        let bad = try imprint(["eval", "--model", tinyModel, "--data", path("bad.jsonl"), "--judge", "exact", "--output", path("x")])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("bad.jsonl:2: \"question\" must be a string"), bad.stderr)

        let wrongHeldOut = try evaluate("x", ["--judge", "exact", "--heldout", "rephrased_9"])
        XCTAssertTrue(wrongHeldOut.stderr.contains("no row has a held-out phrasing (rephrased_9)"), wrongHeldOut.stderr)

        let oneRun = try imprint(["eval", "compare", path("first"), "--output", path("compare")])
        XCTAssertTrue(oneRun.stderr.contains("give at least two evaluation folders"), oneRun.stderr)
    }

    /// `--model URL`: the answers come from an OpenAI-compatible server (a loopback stub that answers every question
    /// "Paris"), asked with the model it lists; the report is written as for a local model.
    func testModelBehindAServer() async throws {
        let server = try await StubServer.start { request, _ in
            if request.method == "GET" { return .json(["object": "list", "data": [["id": "stub-model", "object": "model"]]]) }
            return .json(["choices": [["index": 0, "message": ["role": "assistant", "content": "Paris"], "finish_reason": "stop"]],
                          "usage": ["prompt_tokens": 12, "completion_tokens": 1]])
        }
        defer { Task { try? await server.shutdown() } }
        let result = try imprint(["eval", "--model", "http://127.0.0.1:\(server.port)/v1", "--data", path("data.jsonl"),
                                  "--judge", "exact", "--output", path("server"), "--quiet"], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        let questions = server.requests.filter { $0.method == "POST" }
        XCTAssertFalse(questions.isEmpty)
        for request in questions {
            XCTAssertEqual(request.path, "/v1/chat/completions")
            XCTAssertEqual(request.json?["model"] as? String, "stub-model")
        }
        let answers = try String(contentsOf: directory.appendingPathComponent("server/answers.jsonl"), encoding: .utf8)
        XCTAssertEqual(answers.split(separator: "\n").count, questions.count)
        XCTAssertTrue(answers.contains("\"answer\":\"Paris\""), answers)
        let report = try String(contentsOf: directory.appendingPathComponent("server/report.json"), encoding: .utf8)
        XCTAssertTrue(report.contains("stub-model"), String(report.prefix(400)))
    }
}
