import ImprintCore
import XCTest
@testable import ImprintRewards

/// A correctness reward for tests: +1 when the completion contains the sample's reference, else -1.
struct ContainsReference: SampleReward {
    var name: String { "contains_reference" }
    func score(completion: String, sample: RewardSample) throws -> Double? {
        guard let reference = sample.reference else { return nil }
        return completion.contains(reference) ? 1 : -1
    }
}

final class GroupGeneralizationRewardTests: XCTestCase {
    func sample(_ group: String?, _ phrasing: String?) -> RewardSample {
        RewardSample(reference: "872", groupID: group, phrasingID: phrasing)
    }

    func batch(_ rows: [(String, RewardSample)]) -> RewardBatch {
        RewardBatch(prompts: rows.map { .text("question \($0.1.phrasingID ?? "?")") }, completions: rows.map(\.0),
                    samples: rows.map(\.1))
    }

    /// The documented example: four phrasings, three right, weight 0.5, linear bonus.
    func testDocumentedExample() async throws {
        let reward = GroupGeneralizationReward(correctness: ContainsReference(), weight: 0.5)
        let output = try await reward.score(batch([
            ("In 872.", sample("F", "q1")), ("872 AE", sample("F", "q2")), ("It was 872", sample("F", "q3")),
            ("In 827.", sample("F", "q4")),
        ]))
        XCTAssertEqual(output.scores, [1.375, 1.375, 1.375, -1])
        XCTAssertEqual(output.column("group_fraction")?.values, Array(repeating: .number(0.75), count: 4))
        XCTAssertEqual(output.column("group_bonus")?.values, [.number(0.375), .number(0.375), .number(0.375), .number(0)])
    }

    /// Hand-computed: two groups, several completions per phrasing, a sample without a group,
    /// and one whose correctness is not applicable.
    func testHandComputedGroups() async throws {
        let rows: [(String, RewardSample)] = [
            // group A: q1 has 2 completions (1 right) -> share 0.5; q2 right -> 1; q3 wrong -> 0. p = 0.5
            ("872", sample("A", "q1")), ("nope", sample("A", "q1")), ("872!", sample("A", "q2")), ("no", sample("A", "q3")),
            // group B: q1 right, q2 right -> p = 1
            ("872", sample("B", "q1")), ("872", sample("B", "q2")),
            // no group: base only
            ("872", sample(nil, "q1")),
            // correctness not applicable (no reference): nil, and not counted
            ("872", RewardSample(groupID: "B", phrasingID: "q3")),
        ]
        let linear = try await GroupGeneralizationReward(correctness: ContainsReference()).score(batch(rows))
        XCTAssertEqual(linear.scores, [1.5, -1, 1.5, -1, 2, 2, 1, nil])

        let squared = try await GroupGeneralizationReward(correctness: ContainsReference(), weight: 2, shape: .power(2))
            .score(batch(rows))
        XCTAssertEqual(squared.scores, [1.5, -1, 1.5, -1, 3, 3, 1, nil])

        let everyone = try await GroupGeneralizationReward(correctness: ContainsReference(), credit: .allCompletions)
            .score(batch(rows))
        XCTAssertEqual(everyone.scores, [1.5, -0.5, 1.5, -0.5, 2, 2, 1, nil])

        // anyCompletion: q1 of A counts as answered -> p = 2/3
        let anyShare = try await GroupGeneralizationReward(correctness: ContainsReference(), phrasingShare: .anyCompletion,
                                                           correctAtLeast: 1).score(batch(rows))
        XCTAssertEqual(anyShare.scores[0]!, 1 + 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(anyShare.scores[1], -1)

        let allOrNothing = try await GroupGeneralizationReward(correctness: ContainsReference(), shape: .allPhrasings)
            .score(batch(rows))
        XCTAssertEqual(allOrNothing.scores, [1, -1, 1, -1, 2, 2, 1, nil])
    }

    /// Without phrasing ids, the question text tells phrasings apart.
    func testPhrasingFallsBackToTheQuestion() async throws {
        let samples = [RewardSample(reference: "872", question: "When?", groupID: "F"),
                       RewardSample(reference: "872", question: "When?", groupID: "F"),
                       RewardSample(reference: "872", question: "What year?", groupID: "F")]
        let output = try await GroupGeneralizationReward(correctness: ContainsReference())
            .score(RewardBatch(prompts: samples.map { _ in .text("") }, completions: ["872", "x", "872"], samples: samples))
        // "When?" share 0.5, "What year?" share 1 -> p = 0.75
        XCTAssertEqual(output.scores, [1.75, -1, 1.75])
    }

    func testBonusShapes() {
        XCTAssertEqual(BonusShape.linear(0.75), 0.75)
        XCTAssertEqual(BonusShape.power(2)(0.75), 0.5625)
        XCTAssertEqual(BonusShape.atLeast(0.8)(0.75), 0)
        XCTAssertEqual(BonusShape.allPhrasings(1), 1)
        XCTAssertEqual(BonusShape("half") { $0 / 2 }(0.5), 0.25)
    }
}
