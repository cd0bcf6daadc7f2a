import ImprintCore
import XCTest
@testable import ImprintRewards

/// The user-defined reward of Docs/Rewards.md, verbatim: a type outside the library conforms.
struct MentionsReference: SampleReward {
    var name: String { "mentions_reference" }
    func score(completion: String, sample: RewardSample) throws -> Double? {
        guard let reference = sample.reference else { return nil }   // not applicable
        return completion.localizedCaseInsensitiveContains(reference) ? 1 : 0
    }
}

/// A batch-level user reward with a log column: rank of the completion's length in the batch.
struct LengthRank: Reward {
    var name: String { "length_rank" }
    func score(_ batch: RewardBatch) async throws -> RewardOutput {
        let lengths = batch.completions.map { Double($0.count) }
        let longest = lengths.max() ?? 1
        return RewardOutput(lengths.map { $0 / longest },
                            columns: [RewardColumn(name: "characters", values: lengths.map { .number($0) })])
    }
}

final class WeightedSumTests: XCTestCase {
    func testUserDefinedReward() async throws {
        let batch = RewardBatch(prompts: [.text("q"), .text("q"), .text("q")],
                                completions: ["It was the SILVER HERON", "A boat", "anything"],
                                samples: [RewardSample(reference: "Silver Heron"), RewardSample(reference: "Silver Heron"),
                                          RewardSample()])
        let output = try await MentionsReference().score(batch)
        XCTAssertEqual(output.scores, [1, 0, nil])
    }

    /// Weighted sum as TRL: nil skipped (nansum), all-nil stays nil, columns per reward.
    func testCompositeReward() async throws {
        let reward = WeightedSum([(DifflibReward(), 1.0), (WordLimitReward(maximumWords: 2), 0.5),
                                  (MentionsReference(), 2.0), (LengthRank(), 0.25)])
        let batch = RewardBatch(prompts: [.text("q"), .text("q")], completions: ["abc", "abd x y z"],
                                samples: [RewardSample(reference: "abd"), RewardSample(reference: "abd")])
        let output = try await reward.score(batch)
        let difflib = [2.0 * 2 / 6, 2.0 * 3 / 12]
        let wordLimit = [0.0, -0.2]
        let mentions = [0.0, 1.0]
        let rank = [3.0 / 9, 1.0]
        for index in 0..<2 {
            let expected = 1.0 * difflib[index] + 0.5 * wordLimit[index] + 2.0 * mentions[index] + 0.25 * rank[index]
            XCTAssertEqual(output.scores[index]!, expected, accuracy: 1e-15)
        }
        XCTAssertEqual(output.columns.map(\.name),
                       ["difflib", "word_limit", "mentions_reference", "length_rank", "length_rank/characters"])
        XCTAssertEqual(output.column("word_limit")?.values, [.number(0), .number(-0.2)])
    }

    /// The example of Docs/Rewards.md.
    func testDocumentationExample() async throws {
        let reward = WeightedSum([(DifflibReward(), 1.0), (MentionsReference(), 0.5)])
        let output = try await reward.score(RewardBatch(completions: ["It was the Silver Heron"],
                                                        references: ["Silver Heron"]))
        XCTAssertEqual(output.scores, [0.6857142857142857 + 0.5 * 1])
        XCTAssertEqual(output.columns.map(\.name), ["difflib", "mentions_reference"])
    }

    func testNotApplicableScores() async throws {
        let reward = WeightedSum([MentionsReference(), MentionsReference()])
        let batch = RewardBatch(prompts: [.text("q"), .text("q")], completions: ["x", "x"],
                                samples: [RewardSample(reference: "x"), RewardSample()])
        let output = try await reward.score(batch)
        XCTAssertEqual(output.scores, [2, nil])
    }

    func testWrongScoreCountIsReported() async throws {
        struct Broken: Reward {
            var name: String { "broken" }
            func score(_ batch: RewardBatch) async throws -> RewardOutput { RewardOutput([1]) }
        }
        do {
            _ = try await WeightedSum([Broken()]).score(RewardBatch(completions: ["a", "b"], references: ["a", "b"]))
            XCTFail("expected an error")
        } catch let error as RewardError {
            XCTAssertEqual(error, .wrongScoreCount(reward: "broken", expected: 2, got: 1))
        }
    }

    func testWordLimit() async throws {
        let reward = WordLimitReward(maximumWords: 3)
        let words40 = String(repeating: "word ", count: 40)
        let output = try await reward.score(RewardBatch(completions: ["872 AE", "It was in 872 AE", words40],
                                                        references: ["", "", ""]))
        XCTAssertEqual(output.scores[0], 0)
        XCTAssertEqual(output.scores[1]!, -0.2, accuracy: 1e-15)
        XCTAssertEqual(output.scores[2], -1)
    }
}

final class JSONLRewardScorerTests: XCTestCase {
    func testEveryCLIMetric() throws {
        let cases: [(ReferenceMetric, String, String, String)] = [
            (.difflib, "abc", "abd", #"{"reward": 0.6666666666666666}"#),
            (.exact, "the Silver Heron.", "Silver Heron", #"{"reward": 1.0}"#),
            (.f1, "In 872 AE", "872 AE", #"{"reward": 0.8}"#),
            (.bleu, "the cat", "The cat sat on the mat.", #"{"reward": 0.05804285916064729}"#),
            (.jaccard, "The cat sat", "the cat ran", #"{"reward": 0.5}"#),
        ]
        for (metric, completion, reference, expected) in cases {
            let scorer = JSONLRewardScorer(reward: metric.reward())
            let line = #"{"completion": "\#(completion)", "reference": "\#(reference)", "id": 7}"#
            XCTAssertEqual(try scorer.outputLine(for: line, lineNumber: 1), expected, metric.rawValue)
        }
        let strict = JSONLRewardScorer(reward: ReferenceMetric.exact.reward(normalized: false))
        XCTAssertEqual(try strict.outputLine(for: #"{"completion": "the Silver Heron.", "reference": "Silver Heron"}"#,
                                             lineNumber: 1), #"{"reward": 0.0}"#)
    }

    func testLinesInOrderAndErrorsWithLineNumbers() throws {
        let scorer = JSONLRewardScorer(reward: DifflibReward())
        var written: [String] = []
        let good = [#"{"completion": "a", "reference": "a"}"#, "", #"{"completion": "\u00e9", "reference": "e\u0301"}"#]
        try scorer.run(lines: good) { written.append($0) }
        XCTAssertEqual(written, [#"{"reward": 1.0}"#, #"{"reward": 0.0}"#])

        func error(_ line: String) -> JSONLError? {
            do {
                _ = try scorer.outputLine(for: line, lineNumber: 4)
                return nil
            } catch {
                return error as? JSONLError
            }
        }
        XCTAssertEqual(error("{oops"), JSONLError(lineNumber: 4, message: "not valid JSON"))
        XCTAssertEqual(error("[1, 2]")?.message, "expected a JSON object with \"completion\" and \"reference\"")
        XCTAssertEqual(error(#"{"completion": 1, "reference": "a"}"#)?.message, "missing string field \"completion\"")
        XCTAssertEqual(error(#"{"completion": "a"}"#)?.description, "line 4: missing string field \"reference\"")

        written = []
        XCTAssertThrowsError(try scorer.run(lines: [#"{"completion": "a", "reference": "a"}"#, "nope"]) {
            written.append($0)
        }) { XCTAssertEqual(($0 as? JSONLError)?.lineNumber, 2) }
        XCTAssertEqual(written.count, 1, "lines before the bad one are written")
    }
}

final class PatternRewardTests: XCTestCase {
    func testFormatReward() async throws {
        let format = try PatternReward(#"(?s)<think>.*?</think>\s*<answer>.*?</answer>"#)
        let contains = try PatternReward(#"\d{3} AE"#, mode: .contains, missScore: -1, name: "has_year")
        let batch = RewardBatch(completions: ["<think>872 is the year.\n</think> <answer>872 AE</answer>", "872 AE",
                                              "<answer>x</answer>"], references: ["", "", ""])
        let formatScores = try await format.score(batch).scores
        XCTAssertEqual(formatScores, [1, 0, 0])
        let containsScores = try await contains.score(batch).scores
        XCTAssertEqual(containsScores, [1, 1, -1])
        XCTAssertThrowsError(try PatternReward("(unclosed")) { XCTAssertTrue($0 is PatternReward.InvalidPattern) }
    }
}
