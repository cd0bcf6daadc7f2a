import Foundation
import ImprintModel
import ImprintRewards
import ImprintServer
import ImprintTokenizer
import XCTest

/// `POST /v1/rewards`: Imprint's rewards for a TRL reward function, in TRL's calling shape.
final class RewardsEndpointTests: XCTestCase {
    func testReferenceMetricsAndWeightedSums() async throws {
        try await withServer { client in
            let difflib = try await client.post("/v1/rewards", ["reward": "difflib", "prompts": ["p1", "p2"],
                                                                "completions": ["abc", "The cat"], "completion_ids": [[1], [2]],
                                                                "reference": ["abd", "The cat"]])
            XCTAssertEqual(difflib.status, 200, difflib.body)
            XCTAssertEqual(difflib.json["rewards"] as? [Double], [0.6666666666666666, 1.0])

            // TRL's conversational format, the reference under TRL's `answer` name, two rewards weighed.
            let conversational = try await client.post("/v1/rewards", [
                "reward": ["exact", "f1:0.5"],
                "prompts": [[["role": "user", "content": "When?"]], [["role": "user", "content": "Where?"]]],
                "completions": [[["role": "assistant", "content": "In 872 AE"]], [["role": "assistant", "content": "Paris"]]],
                "answer": ["872 AE", "Paris"],
            ])
            XCTAssertEqual(conversational.status, 200, conversational.body)
            let rewards = try XCTUnwrap(conversational.json["rewards"] as? [Double])
            XCTAssertEqual(rewards[0], 0 + 0.5 * 0.8, accuracy: 1e-12)  // exact 0, F1 0.8
            XCTAssertEqual(rewards[1], 1 + 0.5 * 1, accuracy: 1e-12)
            let columns = try XCTUnwrap(conversational.json["columns"] as? [String: [Any]])
            XCTAssertEqual(columns["normalized_match"] as? [Double], [0, 1])
        }
    }

    /// The class comment's worked example of `GroupGeneralizationReward`, with exact match as correctness:
    /// three of a fact's four phrasings answered right: p = 3/4, so 1 + 0.75 for them and 0 for the wrong one.
    func testGroupGeneralization() async throws {
        try await withServer { client in
            let reply = try await client.post("/v1/rewards", [
                "reward": "group_generalization=exact",
                "completions": ["Paris", "paris", "Paris.", "Lyon", "Rome"],
                "reference": ["Paris", "Paris", "Paris", "Paris", "Rome"],
                "fact_id": ["F", "F", "F", "F", "G"],
                "phrasing_id": ["q1", "q2", "q3", "q4", "q1"],
            ])
            XCTAssertEqual(reply.status, 200, reply.body)
            XCTAssertEqual(reply.json["rewards"] as? [Double], [1.75, 1.75, 1.75, 0, 2])
        }
    }

    /// `judge` asks the served model itself, its prompts joining the decoding batch. The tiny model's context is
    /// widened so seed 003's long judge prompt fits; its verdicts are noise, but each is parsed and logged.
    func testJudgeAsksTheServedModel() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-serve-judge-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: TinyModel.path)
        for file in ["model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
        var configuration = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json")))
                                          as? [String: Any])
        configuration["max_position_embeddings"] = 8192
        try JSONSerialization.data(withJSONObject: configuration).write(to: directory.appendingPathComponent("config.json"))
        let decoder = BatchedDecoder(model: try ModelLoader.load(path: directory.path))
        let generator = BatchedTextGenerator(decoder: decoder, tokenizer: try PretrainedTokenizer.load(modelPath: directory.path),
                                             identity: "tiny-long")
        try await withServer(generator: generator) { client in
            // One completion: the judge prompt's prefill is slow in a debug build.
            let reply = try await client.post("/v1/rewards", [
                "reward": "judge", "prompts": ["When was the bridge built?"], "completions": ["It was built in 1890."],
                "fact": ["The bridge was built in 1890."],
            ])
            XCTAssertEqual(reply.status, 200, reply.body)
            let rewards = try XCTUnwrap(reply.json["rewards"] as? [Double])
            XCTAssertEqual(rewards.count, 1)
            XCTAssertTrue(rewards.allSatisfy { $0 == 1 || $0 == -1 }, "\(rewards)")
            let columns = try XCTUnwrap(reply.json["columns"] as? [String: [Any]])
            let outcomes = try XCTUnwrap(columns["judge_outcome"] as? [String])
            XCTAssertTrue(outcomes.allSatisfy { ["correct", "incorrect", "unparseable"].contains($0) }, "\(outcomes)")
            XCTAssertEqual((columns["judge_output"] as? [String])?.count, 1)
        }
        XCTAssertGreaterThan(decoder.currentLoad.generatedTokens, 0)
    }

    func testBadRewardRequestsAre400s() async throws {
        try await withServer { client in
            let cases: [([String: Any], String?, String)] = [
                (["completions": ["a"]], "reward", "Missing required parameter: 'reward'"),
                (["reward": "rouge", "completions": ["a"]], "reward", "unknown reward 'rouge'"),
                (["reward": "bleu:heavy", "completions": ["a"]], "reward", "weight after ':'"),
                (["reward": "group_generalization", "completions": ["a"]], "reward", "needs its correctness reward"),
                (["reward": "difflib"], "completions", "Missing required parameter: 'completions'"),
                (["reward": "difflib", "completions": ["a", 3]], "completions", "completions[1]"),
                (["reward": "difflib", "completions": ["a", "b"], "reference": ["a"]], "reference", "one value per completion (2)"),
                (["reward": "difflib", "completions": ["a"], "prompts": ["p", "q"]], "prompts", "one prompt per completion"),
                (["reward": "difflib", "completions": ["a"]], nil, "has no 'reference' field"),
            ]
            for (body, param, message) in cases {
                let reply = try await client.post("/v1/rewards", body)
                XCTAssertEqual(reply.status, 400, "\(body)")
                XCTAssertEqual(reply.error["param"] as? String, param, "\(body)")
                XCTAssertTrue((reply.error["message"] as? String ?? "").contains(message), "\(body): \(reply.body)")
                XCTAssertEqual(reply.header("Connection"), param == nil ? "close" : nil, "an error after scoring began closes the connection")
            }
            let notJSON = try await client.send(.POST, "/v1/rewards", body: "{\"reward\": ")
            XCTAssertEqual(notJSON.status, 400)
        }
    }
}
