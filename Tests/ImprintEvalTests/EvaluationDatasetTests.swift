import Foundation
import ImprintCore
import XCTest
@testable import ImprintEval

/// The shapes an evaluation file may have, and the errors of a bad one (file and line named).
final class EvaluationDatasetTests: XCTestCase {
    func testRowsWithEveryField() throws {
        let path = try EvalFixtures.file("rows.jsonl", """
            {"question": "What was the ship?", "answer": "Silver Heron", "aliases": ["the Heron"], "fact": "The ship was the Silver Heron.", "fact_id": 7, "phrasing_id": "rephrased_3", "category": "ships"}

            {"question": "What year?", "answer": "872 AE", "fact_id": null}
            """)
        let dataset = try EvaluationDataset(path: path)
        XCTAssertEqual(dataset.source, .rows)
        XCTAssertEqual(dataset.rows, [
            EvaluationRow(question: "What was the ship?", answer: "Silver Heron", aliases: ["the Heron"], fact: "The ship was the Silver Heron.",
                          factID: "7", phrasingID: "rephrased_3", category: "ships", line: 1),
            EvaluationRow(question: "What year?", answer: "872 AE", line: 3),
        ])
    }

    /// Seed 000's `modified_qa_pairs.json` as it is: a JSON array; the title before ": " is the category.
    func testSeedStoryQAPairs() throws {
        let path = try EvalFixtures.file("modified_qa_pairs.json", """
            [{"story_idx": 0, "question": "Aetherium Tides: In what year did the Navigator first pierce the Maelstrom?", "answer": "872 AE"},
             {"story_idx": 1, "question": "Aetherium Tides: What was the Maelstrom of Azure?", "answer": "Churning vortex"}]
            """)
        let dataset = try EvaluationDataset(path: path)
        XCTAssertEqual(dataset.source, .storyQA)
        XCTAssertEqual(dataset.rows.map(\.category), ["Aetherium Tides", "Aetherium Tides"])
        XCTAssertEqual(dataset.rows.map(\.factID), [nil, nil], "story_idx numbers QA rows, not stories: each question is its own fact")
        XCTAssertEqual(dataset.rows[1].line, 2)
    }

    /// Seed 003's rows expand into one row per phrasing, the original question first; the parser's quotes are unwrapped;
    /// a null or empty phrasing is skipped; a row without an answer takes its fact as the reference.
    func testSeedRephrasingRowsExpandIntoPhrasings() throws {
        let path = try EvalFixtures.file("Rephrased_QA.jsonl", """
            {"category": "earthquake", "fact": "A 7.3 quake hit on July 16.", "question": "\\"What hit on July 16?\\"", "answer": "\\"A 7.3 quake.\\"", "rephrased_1": "Which event occurred 7/16?", "rephrased_3": "Name the July sixteenth event.", "rephrased_6": null, "rephrased_2": ""}
            {"category": "strike", "fact": "Workers struck in May.", "rephrased_3": "When did the workers strike?", "rephrased_6": "Which month saw the strike?"}
            """)
        let dataset = try EvaluationDataset(path: path)
        XCTAssertEqual(dataset.source, .rephrasings)
        XCTAssertEqual(dataset.rows.map(\.phrasingID), ["question", "rephrased_1", "rephrased_3", "rephrased_3", "rephrased_6"])
        XCTAssertEqual(dataset.rows.map(\.factID), ["1", "1", "1", "2", "2"])
        XCTAssertEqual(dataset.rows[0].question, "What hit on July 16?")
        XCTAssertEqual(dataset.rows[0].answer, "A 7.3 quake.")
        XCTAssertEqual(dataset.rows[3].answer, "Workers struck in May.", "the testing split has no answer: the fact is the reference")
        XCTAssertEqual(dataset.rows[3].category, "strike")
    }

    func testConversationsGiveQuestionAndText() throws {
        let path = try EvalFixtures.file("train_data.json", """
            [{"conversations": [{"role": "user", "content": "I want you to tell me what you know about the following story: Tides"},
                                {"role": "assistant", "content": "Long ago, the tides..."}]}]
            """)
        let dataset = try EvaluationDataset(path: path)
        XCTAssertEqual(dataset.source, .conversations)
        XCTAssertEqual(dataset.rows.first?.answer, "Long ago, the tides...")
    }

    func testBadRowsNameTheFileLineAndWhatWasExpected() throws {
        let cases: [(String, String)] = [
            ("{\"question\": \"Q?\", \"answer\": \"A\"}\n{\"answer\": \"A\"}\n", "2: missing \"question\" (expected a string)"),
            ("{\"question\": \"Q?\"}\n", "1: missing \"answer\" (expected a string)"),
            ("{\"question\": \"Q?\", \"answer\": 3}\n", "1: \"answer\" must be a string"),
            ("{\"question\": \"Q?\", \"answer\": \"A\", \"aliases\": [\"x\", 2]}\n", "1: \"aliases\"[1] must be a string"),
            ("{\"question\": \"Q?\", \"answer\": \"A\", \"fact_id\": true}\n", "1: \"fact_id\" must be a string or a number"),
            ("{\"question\": \"Q?\", \"answer\": \"A\"}\n[1, 2]\n", "2: not a JSON object"),
            ("{\"rephrased_3\": \"Q?\"}\n", "1: a rephrasing row needs \"answer\" or \"fact\""),
            ("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n", "1: \"messages\" must be a list"),
        ]
        for (text, expected) in cases {
            let path = try EvalFixtures.file("bad.jsonl", text)
            XCTAssertThrowsError(try EvaluationDataset(path: path), expected) { error in
                XCTAssertTrue(String(describing: error).hasPrefix(path + ":" + expected), "\(error)")
            }
        }
    }

    func testSamplingFactsKeepsWholeFactsAndDependsOnTheSeedOnly() {
        let dataset = EvaluationDataset(rows: EvalFixtures.phrasingRows(facts: 10))
        let sampled = dataset.sampling(facts: 4, seed: 3)
        XCTAssertEqual(sampled.rows.count, 12, "every phrasing of a drawn fact")
        XCTAssertEqual(Set(sampled.rows.compactMap(\.factID)).count, 4)
        XCTAssertEqual(sampled.rows, dataset.sampling(facts: 4, seed: 3).rows)
        XCTAssertNotEqual(sampled.rows, dataset.sampling(facts: 4, seed: 4).rows)
        XCTAssertEqual(dataset.sampling(facts: 20, seed: 0).rows, dataset.rows)
        XCTAssertEqual(dataset.keepingPhrasings(["rephrased_3"]).rows.count, 10)
    }
}
