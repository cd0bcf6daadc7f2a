import ImprintCore
import XCTest
@testable import ImprintRewards

/// `NAME[=PARAMETER][:WEIGHT]`, as `imprint grpo --reward` and `POST /v1/rewards` name rewards.
final class RewardSpecificationTests: XCTestCase {
    func testNamesParametersAndWeights() throws {
        let bleu = try RewardSpecification("bleu:0.5")
        XCTAssertEqual([bleu.name, bleu.parameter], ["bleu", nil])
        XCTAssertEqual(bleu.weight, 0.5)
        XCTAssertEqual(bleu.reward(judge: nil, batchSize: 1).name, "bleu")
        let words = try RewardSpecification("word_count=12:-2")
        XCTAssertEqual([words.name, words.parameter], ["word_count", "12"])
        XCTAssertEqual(words.weight, -2)
        XCTAssertEqual((words.reward(judge: nil, batchSize: 1) as? WordCountReward)?.target, 12)
        let group = try RewardSpecification("group_generalization=exact")
        XCTAssertFalse(group.needsJudge)
        let reward = try XCTUnwrap(group.reward(judge: nil, batchSize: 1) as? GroupGeneralizationReward)
        XCTAssertEqual(reward.correctness.name, "normalized_match")
        XCTAssertTrue(try RewardSpecification("judge").needsJudge)
        XCTAssertTrue(try RewardSpecification("group_generalization=judge:2").needsJudge)
    }

    func testMistakesAreNamed() {
        let cases = [
            ("dfflib", "unknown reward 'dfflib'"),
            ("bleu:heavy", "the weight after ':' must be a number"),
            ("bleu:inf", "the weight after ':' must be a number"),
            ("word_count", "word_count needs a positive target"),
            ("word_count=-3", "word_count needs a positive target"),
            ("group_generalization", "group_generalization needs its correctness reward"),
            ("group_generalization=word_count", "group_generalization needs its correctness reward"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try RewardSpecification(text), text) { error in
                let error = error as? RewardSpecificationError
                XCTAssertEqual(error?.text, text)
                XCTAssertTrue(error?.description.hasPrefix("\(text): ") == true && error?.message.contains(message) == true, "\(String(describing: error))")
            }
        }
    }

    /// TRL's column names map to the fields rewards read, one way for datasets and the rewards service.
    func testColumnsBecomeSampleFields() {
        let sample = RewardSample(columns: ["answer": "Paris", "question": "Capital?", "fact_id": "F1", "phrasing_id": "q2", "topic": "geo"])
        XCTAssertEqual(sample, RewardSample(reference: "Paris", question: "Capital?", groupID: "F1", phrasingID: "q2", extra: ["topic": "geo"]))
        XCTAssertEqual(RewardSample(columns: ["reference": "a", "answer": "b"]).reference, "a")
        XCTAssertEqual(RewardSample(columns: ["reference": "a", "answer": "b"]).extra, ["answer": "b"])
    }
}
