import Foundation
import ImprintCore
import XCTest
@testable import ImprintDataGen

/// Seed files as they are, on small invented fixtures of the same shapes (Fixtures/reward_gen, Fixtures/story_experience).
final class LoaderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func testSeed003QAPairsKeepFirstRemovesQuotesAndReportsRepeats() throws {
        let (facts, report) = try FactTable.read(path: Self.fixtures + "/reward_gen/qa_pairs.json")
        XCTAssertEqual(report.rows, 5)
        XCTAssertEqual(report.repeatedRows, 1)
        XCTAssertEqual(report.repeatedFacts, 1)
        XCTAssertEqual(report.droppedRepeats, 1)
        XCTAssertEqual(report.kept, 4)
        XCTAssertEqual(report.distinctFacts, 4)
        XCTAssertEqual(report.quotesRemoved["question"], 5)
        XCTAssertEqual(report.quotesRemoved["answer"], 5)
        XCTAssertNil(report.quotesRemoved["fact"])
        XCTAssertEqual(report.questionsSharedByDifferentFacts, 1)
        XCTAssertEqual(facts.map(\.id), ["rg-00001", "rg-00002", "rg-00004", "rg-00005"])
        XCTAssertEqual(facts[0].question, "What did the sinkhole that opened on Elm Street in Brenford on July 9, 2025, swallow?")
        XCTAssertEqual(facts[0].answer, "The sinkhole swallowed two parked cars.")
        XCTAssertEqual(facts[1].statement, "Brenford officials closed Elm Street for three weeks of repairs after the sinkhole.")
        XCTAssertEqual(facts[2].statement, "\"Harbor Lights\" is set to premiere on August 2, 2025, on a regional network.")
        XCTAssertEqual(facts[2].question, "When is \"Harbor Lights\" set to premiere?")
        XCTAssertEqual(facts[3].answer, "Two parked cars.")
        XCTAssertEqual(facts[0].category, "sinkhole")
        XCTAssertEqual(facts[0].phrasings.count, 1)
    }

    func testSeed003KeepAllKeepsRowIDs() throws {
        let (facts, report) = try FactTable.read(path: Self.fixtures + "/reward_gen/qa_pairs.json", repeated: .keepAll)
        XCTAssertEqual(facts.map(\.id), ["rg-00001", "rg-00002", "rg-00003", "rg-00004", "rg-00005"])
        XCTAssertEqual(report.droppedRepeats, 0)
        XCTAssertEqual(report.repeatedRows, 1)
        XCTAssertEqual(facts[2].category, "crash")
    }

    func testRephrasedRowsHaveSevenPhrasings() throws {
        let (facts, _) = try FactTable.read(path: Self.fixtures + "/reward_gen/rephrased.jsonl")
        XCTAssertEqual(facts.count, 2)
        XCTAssertEqual(facts[0].phrasings.count, 7)
        XCTAssertEqual(facts[0].question, "When did dock workers in Port Alva begin their strike?")
        XCTAssertEqual(facts[0].phrasing(PhrasingID(name: "rephrased_3")!), "Identify the day Port Alva's longshoremen ceased work.")
        XCTAssertEqual(facts[1].phrasing(.question), "How high did ash from Mount Kerel's September 1, 2025 eruption rise?")
    }

    /// The published training CSV's shape (rephrased_3 and rephrased_6 held out): phrasings stop at the first gap,
    /// quoting follows RFC 4180 (commas, doubled quotes, line breaks in quoted fields, CRLF).
    func testCSVWithQuotedFieldsAndCRLF() throws {
        let rows = try CSVTable.read(path: Self.fixtures + "/reward_gen/training.csv")
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].line, 2)
        XCTAssertEqual(rows[1].line, 4, "the quoted line break moves the second row to line 4")
        XCTAssertEqual(rows[0].fields["fact"], "Dock workers in Port Alva, a harbor town, began a strike.")
        XCTAssertEqual(rows[0].fields["question"], "\"When\" did they strike?")
        XCTAssertEqual(rows[0].fields["rephrased_4"], "Which day?\nThe first one.")
        let (facts, _) = try FactTable.read(path: Self.fixtures + "/reward_gen/training.csv")
        XCTAssertEqual(facts[1].phrasings, ["What erupted?", "What blew?", "Which mountain?"])
    }

    func testMalformedCSVNamesFileAndLine() {
        XCTAssertThrowsError(try CSVTable.read(path: Self.fixtures + "/reward_gen/unterminated.csv")) { error in
            XCTAssertEqual(error as? DataFileError,
                           DataFileError(path: Self.fixtures + "/reward_gen/unterminated.csv", line: 2,
                                         reason: "a quoted field is never closed"))
        }
        XCTAssertThrowsError(try CSVTable.read(path: Self.fixtures + "/reward_gen/short_row.csv")) { error in
            XCTAssertEqual((error as? DataFileError)?.line, 3)
            XCTAssertTrue("\(error)".contains("3 fields where the header has 4"), "\(error)")
        }
    }

    func testMissingColumnNamesTheLine() throws {
        let path = NSTemporaryDirectory() + "imprint-missing-\(UUID().uuidString).jsonl"
        try Data("{\"fact\": \"F.\", \"question\": \"Q?\", \"answer\": \"A\"}\n{\"fact\": \"G.\", \"answer\": \"B\"}\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try FactTable.read(path: path)) { error in
            XCTAssertEqual(error as? DataFileError,
                           DataFileError(path: path, line: 2, reason: "the row has no \"question\" (expected a string)"))
        }
    }

    func testGeneratedFactsRoundTripThroughJSONLAndCSV() throws {
        let facts = try NovelFactGenerator(seed: 4).facts(count: 40)
        for name in ["facts.jsonl", "facts.csv"] {
            let path = NSTemporaryDirectory() + "imprint-\(UUID().uuidString)-" + name
            defer { try? FileManager.default.removeItem(atPath: path) }
            try FactTable.write(facts, to: path)
            let (read, report) = try FactTable.read(path: path)
            XCTAssertEqual(read, facts, name)
            XCTAssertEqual(report.quotesRemoved, [:], name)
        }
    }

    func testStoryExperimentDirectory() throws {
        let directory = Self.fixtures + "/story_experience"
        let stories = try StoryExperimentFiles.stories(directory: directory)
        XCTAssertEqual(stories.count, 2)
        XCTAssertEqual(stories[0].title, "Glass Harbor")
        XCTAssertEqual(stories[1].plotline, "The Salt Archive: A scribe guards a library carved into a salt mine.")
        XCTAssertEqual(stories[0].questions.map(\.answer), ["1312", "forty years"])
        XCTAssertEqual(stories[1].questions.first?.context, "beneath the town of Orrin")
        XCTAssertTrue(stories.allSatisfy { story in story.questions.allSatisfy { story.text.contains($0.context) } })
        let titled = try StoryExperimentFiles.titledQuestions(path: directory + "/modified_qa_pairs.json")
        XCTAssertEqual(titled.map(\.rowIndex), [0, 1])
        XCTAssertEqual(titled[1].question, "Glass Harbor: How long did the first starlamp burn?")
        let conversations = try StoryExperimentFiles.conversations(path: directory + "/train_dataset/rl_data.json")
        XCTAssertEqual(conversations.first?.map(\.role), ["user", "assistant"])
    }
}
