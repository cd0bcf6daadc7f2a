import ImprintCore
import ImprintRewards
import XCTest
@testable import ImprintDataGen

final class NovelFactGeneratorTests: XCTestCase {
    func testSeededRandomMatchesSplitMix64() {
        var random = SeededRandom(seed: 0)
        XCTAssertEqual(random.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(random.next(), 0x6E78_9E6A_A1B9_65F4)
        var bounded = SeededRandom(seed: 42)
        for _ in 0..<1000 { XCTAssertTrue((0..<7).contains(bounded.below(7))) }
        var sampler = SeededRandom(seed: 3)
        XCTAssertEqual(Set(sampler.sample(5, from: 5)), Set(0..<5))
    }

    func testSameSeedSameBytesOtherSeedOtherFacts() throws {
        let first = try NovelFactGenerator(seed: 11).facts(count: 200)
        let again = try NovelFactGenerator(seed: 11).facts(count: 200)
        XCTAssertEqual(JSONLines.text(first.map(FactTable.row)), JSONLines.text(again.map(FactTable.row)))
        let other = try NovelFactGenerator(seed: 12).facts(count: 200)
        XCTAssertNotEqual(first.map(\.statement), other.map(\.statement))
        // A prefix of a larger set is not required to match, but the count is exact and ids are sequential.
        XCTAssertEqual(first.count, 200)
        XCTAssertEqual(first.map(\.id), (1...200).map { String(format: "f%05d", $0) })
    }

    /// Pins the grammar and the random draws: a change to either changes every generated dataset.
    func testFirstFactOfSeedZeroIsStable() throws {
        let fact = try NovelFactGenerator(seed: 0).facts(count: 1)[0]
        XCTAssertEqual(fact.phrasings.count, 7)
        XCTAssertEqual(FactTable.row(fact).text, Self.seedZeroFirstRow)
    }

    static let seedZeroFirstRow = #"{"fact_id": "f00001", "category": "birthplace", "fact": "Heitaev Lexnaen was born in Upper Foulath.", "question": "Where was Heitaev Lexnaen born?", "answer": "Upper Foulath", "aliases": ["Foulath"], "rephrased_1": "Which locale can claim Heitaev Lexnaen as its native?", "rephrased_2": "Lexnaen's birth happened in what locality?", "rephrased_3": "Name the birthplace of Heitaev Lexnaen.", "rephrased_4": "From which hometown did Lexnaen originate?", "rephrased_5": "Tell me which locality Heitaev Lexnaen came from originally.", "rephrased_6": "In which town did Lexnaen come into the world?", "distractors": ["Zodaergate", "Hahaby", "Saint Grialhar"], "subject": "Heitaev Lexnaen"}"#

    func testEveryFactHasSevenDistinctPhrasingsAndNoQuestionIsShared() throws {
        for difficulty in [FactDifficulty.easy, .standard, .hard] {
            let facts = try NovelFactGenerator(seed: 5, difficulty: difficulty).facts(count: 1_000)
            var owner: [String: String] = [:]
            for fact in facts {
                XCTAssertEqual(fact.phrasings.count, 7, fact.id)
                XCTAssertEqual(Set(fact.phrasings).count, 7, "\(fact.id): \(fact.phrasings)")
                for phrasing in fact.phrasings {
                    if let other = owner[phrasing.lowercased()] { XCTFail("\(fact.id) and \(other) share \"\(phrasing)\"") }
                    owner[phrasing.lowercased()] = fact.id
                }
            }
        }
    }

    /// An accepted answer names one thing: no alias of one answer is the answer or alias of a different answer,
    /// no accepted answer appears in its own question, and distractors are never accepted.
    func testAnswersAreUnambiguousAndNotInTheQuestion() throws {
        for difficulty in [FactDifficulty.standard, .hard] {
            let facts = try NovelFactGenerator(seed: 9, difficulty: difficulty).facts(count: 1_000)
            var canonicalOf: [String: String] = [:]
            for fact in facts {
                for accepted in [fact.answer] + fact.aliases {
                    let key = accepted.lowercased()
                    if let canonical = canonicalOf[key] {
                        XCTAssertEqual(canonical, fact.answer, "\"\(accepted)\" accepts both \(canonical) and \(fact.answer)")
                    }
                    canonicalOf[key] = fact.answer
                    for phrasing in fact.phrasings {
                        XCTAssertFalse(phrasing.lowercased().contains(key), "\(fact.id): \"\(accepted)\" in \"\(phrasing)\"")
                    }
                }
                let accepted = Set(([fact.answer] + fact.aliases).map { $0.lowercased() })
                XCTAssertTrue(fact.distractors.allSatisfy { !accepted.contains($0.lowercased()) }, fact.id)
                XCTAssertEqual(fact.distractors.count, difficulty.distractors, fact.id)
                XCTAssertTrue(fact.statement.contains(fact.answer), fact.id)
            }
            // No two facts ask the same question of the same subject and relation.
            let keys = facts.map { "\($0.subject ?? "")|\($0.category)" }
            XCTAssertEqual(Set(keys).count, keys.count)
        }
    }

    func testDifficultyControlsTheWorld() throws {
        let easy = try NovelFactGenerator(seed: 1, difficulty: .easy).facts(count: 100)
        XCTAssertEqual(Set(easy.compactMap(\.subject)).count, 100, "easy: one fact per person")
        XCTAssertTrue(easy.allSatisfy { ["birthplace", "birth_year", "profession", "mentor"].contains($0.category) })
        let hard = try NovelFactGenerator(seed: 1, difficulty: .hard).facts(count: 100)
        XCTAssertLessThan(Set(hard.compactMap(\.subject)).count, 40)
        XCTAssertEqual(Set(hard.map(\.category)).count, Relation.all.count)
        var invalid = FactDifficulty.standard
        invalid.relations = ["birthplace", "colour"]
        XCTAssertThrowsError(try NovelFactGenerator(difficulty: invalid).facts(count: 3)) { error in
            XCTAssertTrue("\(error)".contains("unknown relation colour"), "\(error)")
        }
        XCTAssertEqual(try NovelFactGenerator().facts(count: 0), [])
        let lookAlikes = FactDifficulty(relations: ["mentor"], factsPerEntity: 1, distractors: 2, confusableNames: 1,
                                        answerPool: 4)
        XCTAssertEqual(try NovelFactGenerator(seed: 3, difficulty: lookAlikes).facts(count: 4).count, 4)
    }

    /// Seed 003's GPT-4o-mini rephrasings averaged sentence-BLEU 0.168 and Jaccard 0.274 off the diagonal; the
    /// grammar's phrasings must be at least as diverse (lower).
    func testPhrasingsAreAtLeastAsDiverseAsSeed003() throws {
        let facts = try NovelFactGenerator(seed: 2).facts(count: 300)
        let report = DiversityReport(facts: facts)
        XCTAssertLessThanOrEqual(report.bleu.offDiagonalMean, 0.168)
        XCTAssertLessThanOrEqual(report.jaccard.offDiagonalMean, 0.274)
    }

    func testNumberWords() {
        XCTAssertEqual(NumberWords.aliases(412), ["four hundred twelve", "four hundred and twelve"])
        XCTAssertEqual(NumberWords.aliases(40), ["forty"])
        XCTAssertEqual(NumberWords.aliases(900), ["nine hundred"])
        XCTAssertEqual(NumberWords.article("apothecary"), "an")
    }
}
