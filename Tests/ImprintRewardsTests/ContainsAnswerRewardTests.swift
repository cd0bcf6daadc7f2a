import ImprintCore
import XCTest
import ImprintRewards

final class ContainsAnswerRewardTests: XCTestCase {
    func score(_ completion: String, _ reference: String, aliases: String? = nil) async throws -> Double? {
        let sample = RewardSample(reference: reference, extra: aliases.map { ["aliases": $0] } ?? [:])
        return try await ContainsAnswerReward().score(RewardBatch(prompts: [.text("q")], completions: [completion],
                                                                  samples: [sample])).scores[0]
    }

    func testWholeNormalizedWords() async throws {
        let upper = "Upper Foulath"
        let inSentence = try await score("He was born in Upper Foulath.", upper)
        let otherPlace = try await score("In Lower Foulath", upper)
        let partOfWord = try await score("Upper Foulathian", upper)
        XCTAssertEqual(inSentence, 1)
        XCTAssertEqual(otherPlace, -1)
        XCTAssertEqual(partOfWord, -1)
    }

    func testAliasesFromAJSONArrayOrPlainText() async throws {
        let array = try await score("Foulath, I think", "Upper Foulath", aliases: #"["Foulath","the town"]"#)
        let plain = try await score("four hundred twelve", "412", aliases: "four hundred twelve")
        let empty = try await score("The", "The", aliases: "[]")
        XCTAssertEqual(array, 1)
        XCTAssertEqual(plain, 1)
        XCTAssertEqual(empty, -1, "an answer that normalizes to nothing never matches")
    }

    func testMissingReferenceIsAnError() async {
        do {
            _ = try await ContainsAnswerReward().score(RewardBatch(prompts: [.text("q")], completions: ["x"], samples: [RewardSample()]))
            XCTFail("expected a missing-field error")
        } catch {}
    }
}
