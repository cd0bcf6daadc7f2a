import Foundation
import ImprintHTTPStubServer
import XCTest

/// `imprint datagen`: the offline generator, seed-file loading, stories, masks, splits and the similarity table run
/// as a shell runs them; one LLM step on a tiny model.
final class DataGenCommandTests: XCTestCase {
    let dataGenFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImprintDataGenTests/Fixtures").path
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-datagen-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func lines(_ name: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path(name), encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func testFactsAreReproducibleByteForByte() throws {
        for name in ["a.jsonl", "b.jsonl"] {
            let result = try imprint(["datagen", "facts", "--count", "30", "--seed", "5", "--output", path(name)])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("a.jsonl"))), try Data(contentsOf: URL(fileURLWithPath: path("b.jsonl"))))
        let facts = try lines("a.jsonl")
        XCTAssertEqual(facts.count, 30)
        XCTAssertNotNil(facts[0]["rephrased_6"] as? String)
        let csv = try imprint(["datagen", "facts", "--count", "5", "--difficulty", "hard", "--output", path("f.csv")])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertTrue(try String(contentsOfFile: path("f.csv"), encoding: .utf8).hasPrefix("fact_id,category,fact,question,answer,aliases,rephrased_1"))
        let bad = try imprint(["datagen", "facts", "--relations", "colour", "--output", path("x.jsonl")])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown relation colour"), bad.stderr)
    }

    func testSeed003FileLoadsWithItsReport() throws {
        let result = try imprint(["datagen", "facts", "--from", dataGenFixtures + "/reward_gen/qa_pairs.json", "--output", path("rg.jsonl")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("rows: 5, kept: 4, distinct facts: 4"), result.stderr)
        XCTAssertTrue(result.stderr.contains("repeated facts: 1 rows repeat 1 facts; dropped: 1"), result.stderr)
        XCTAssertEqual(try lines("rg.jsonl").map { $0["fact_id"] as! String }, ["rg-00001", "rg-00002", "rg-00004", "rg-00005"])
    }

    func testStoriesMaskSplitAndSimilarityOffline() throws {
        XCTAssertEqual(try imprint(["datagen", "facts", "--count", "24", "--seed", "2", "--output", path("f.jsonl")]).status, 0)
        let stories = try imprint(["datagen", "stories", "--facts", path("f.jsonl"), "--output", path("s.jsonl"),
                                   "--qa-output", path("qa.jsonl"), "--seed", "2"])
        XCTAssertEqual(stories.status, 0, stories.stderr)
        let storyRows = try lines("s.jsonl"), qa = try lines("qa.jsonl")
        XCTAssertEqual(qa.count, 24)
        for row in qa {
            let story = storyRows.first { $0["story_id"] as? String == row["story_id"] as? String }!["story"] as! String
            XCTAssertTrue(story.contains(row["context"] as! String))
        }
        let mask = try imprint(["datagen", "mask", "--stories", path("s.jsonl"), "--output", path("m.jsonl"), "--for", "sft", "--seed", "1"])
        XCTAssertEqual(mask.status, 0, mask.stderr)
        XCTAssertNotNil(try lines("m.jsonl").first?["messages"])
        let split = try imprint(["datagen", "split", "--input", path("f.jsonl"), "--output", path("split"),
                                 "--variant", "five-phrasings", "--variant", "fact-once", "--format", "prompt-completion"])
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertEqual(split.stdout, "sft-five-phrasings.jsonl: 120 rows\nsft-fact-once.jsonl: 24 rows\ngrpo.jsonl: 120 rows\neval.jsonl: 48 rows\n")
        let evaluation = try lines("split/eval.jsonl")
        XCTAssertEqual(Set(evaluation[0].keys), ["question", "answer", "aliases", "fact", "fact_id", "phrasing_id", "category"])
        XCTAssertEqual(Set(evaluation.map { $0["phrasing_id"] as! String }), ["rephrased_3", "rephrased_6"])
        let similarity = try imprint(["datagen", "similarity", "--input", path("f.jsonl"), "--json", path("sim.json")])
        XCTAssertEqual(similarity.status, 0, similarity.stderr)
        XCTAssertTrue(similarity.stdout.hasPrefix("Sentence BLEU (mean of 24 questions; off-diagonal mean 0."), similarity.stdout)
        XCTAssertNotNil(try lines("sim.json").first?["jaccard"])
        let missing = try imprint(["datagen", "split", "--input", path("nope.jsonl"), "--output", path("split2")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nope.jsonl: cannot read the dataset file"), missing.stderr)
    }

    /// `rephrase` through a local model: the tiny model of the SFT tests, its context raised so seed 003's long
    /// prompt fits. Its output is noise, so every question fails after the retry, logged with the reason; a rerun
    /// tries the failures again.
    func testRephraseWithALocalModelLogsFailuresAndResumes() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ImprintSFTTests/Fixtures/tiny")
        let model = directory.appendingPathComponent("tiny")
        try FileManager.default.copyItem(at: source, to: model)
        let configurationURL = model.appendingPathComponent("config.json")
        var configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: configurationURL)) as! [String: Any]
        configuration["max_position_embeddings"] = 8192
        try JSONSerialization.data(withJSONObject: configuration).write(to: configurationURL)
        let arguments = ["datagen", "rephrase", "--model", model.path, "--input", dataGenFixtures + "/reward_gen/rephrased.jsonl",
                         "--output", path("r.jsonl"), "--max-tokens", "8", "--quiet"]
        let result = try imprint(arguments, timeout: 600)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("rephrase: 2 items (0 already done), 0 rows kept, 0 retried"), result.stderr)
        let rejected = try lines("r.rejected.jsonl")
        XCTAssertEqual(rejected.map { $0["fact_id"] as! String }, ["rg-00001", "rg-00002"])
        XCTAssertTrue(rejected.allSatisfy { ($0["detail"] as! String).contains("usable rephrasings of the 6 asked for") })
        let rerun = try imprint(arguments, timeout: 600)
        XCTAssertTrue(rerun.stderr.contains("rephrase: 2 items (0 already done)"), rerun.stderr)
    }

    /// `rephrase` through an OpenAI-compatible server (a loopback stub answering six numbered rephrasings): the
    /// requests go to its chat endpoint with the model it lists, and the parsed rephrasings are kept.
    func testRephraseThroughAServer() async throws {
        let server = try await StubServer.start { request, _ in
            if request.method == "GET" { return .json(["object": "list", "data": [["id": "stub-writer", "object": "model"]]]) }
            let list = (1...6).map { "\($0). In which year, by record number \($0 * 7), did the event in question take place?" }
            return .json(["choices": [["index": 0, "message": ["role": "assistant", "content": list.joined(separator: "\n")],
                                       "finish_reason": "stop"]],
                          "usage": ["prompt_tokens": 80, "completion_tokens": 60]])
        }
        defer { Task { try? await server.shutdown() } }
        let result = try imprint(["datagen", "rephrase", "--model", "http://127.0.0.1:\(server.port)/v1", "--input",
                                  dataGenFixtures + "/reward_gen/rephrased.jsonl", "--output", path("u.jsonl"), "--quiet"], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
        let posts = server.requests.filter { $0.method == "POST" }
        XCTAssertFalse(posts.isEmpty)
        XCTAssertTrue(posts.allSatisfy { $0.path == "/v1/chat/completions" && $0.json?["model"] as? String == "stub-writer" })
        let kept = try lines("u.jsonl")
        XCTAssertFalse(kept.isEmpty, result.stderr)
        XCTAssertTrue(kept.allSatisfy { ($0["rephrased_6"] as? String)?.contains("record number 42") == true }, "\(kept)")
    }
}
