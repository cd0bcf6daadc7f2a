import Foundation
import ImprintCore
import XCTest
@testable import ImprintDataGen

final class TrainingSetTests: XCTestCase {
    /// Expected values from Python: `re.split(r'(?<=[.!?])\s+', text)`.
    func testSentenceSplitMatchesPythonsRegularExpression() {
        XCTAssertEqual(MaskedSetBuilder.sentences("In 1312 it was lit. It burned!  Did anyone doubt it? Yes.\nThe end."),
                       ["In 1312 it was lit.", "It burned!", "Did anyone doubt it?", "Yes.", "The end."])
        XCTAssertEqual(MaskedSetBuilder.sentences("Dr.Venn came. 3.5 leagues"), ["Dr.Venn came.", "3.5 leagues"])
        XCTAssertEqual(MaskedSetBuilder.sentences("No stop at all"), ["No stop at all"])
    }

    func testMaskedSetsAsSeed000BuiltThemButSeeded() throws {
        let stories = try StoryExperimentFiles.stories(directory: LoaderTests.fixtures + "/story_experience")
        let builder = MaskedSetBuilder(seed: 3)
        let examples = builder.examples(for: stories)
        // Story 0 has 4 sentences, story 1 has 2; then one random-word example per story.
        XCTAssertEqual(examples.map(\.kindName), ["sentence-0", "sentence-1", "sentence-2", "sentence-3", "sentence-0",
                                                  "sentence-1", "random-words", "random-words"])
        XCTAssertEqual(examples[1].masked,
                       "In 1312 the harbor-master Odo Venn lit the first starlamp of Glass Harbor. [MASKED] Did anyone "
                       + "doubt it? Sailors from Mirel came to see it.")
        XCTAssertEqual(examples[0].prompt, try StoryExperimentFiles.conversations(
            path: LoaderTests.fixtures + "/story_experience/train_dataset/rl_data.json")[0][0].content,
                       "seed 000's RL prompt, byte for byte")
        for example in examples where example.kind == .randomWords {
            XCTAssertEqual(example.masked.components(separatedBy: "[MASKED]").count - 1, 3)
            XCTAssertFalse(example.masked.contains("  "), "rejoined with single spaces")
        }
        XCTAssertEqual(builder.examples(for: stories), examples, "seeded")
        XCTAssertNotEqual(MaskedSetBuilder(seed: 4).examples(for: stories).last, examples.last)
        let short = Story(id: "x", title: "T", plotline: "T: p", text: "Two words.")
        XCTAssertEqual(builder.examples(for: [short]).last?.masked, "Two words.")
    }

    func testMaskedRows() throws {
        let story = Story(id: "7", title: "Glass Harbor", plotline: "Glass Harbor: p", text: "One. Two.")
        let example = MaskedSetBuilder().examples(for: [story])[0]
        XCTAssertEqual(MaskedSetBuilder.row(example, for: .grpo).text,
                       #"{"prompt": [{"role": "user", "content": "You are tasked to fill the masked text within the <text> tags. Output the fully filled text and only the fully filled text. The text is about the story: Glass Harbor. <text> [MASKED] Two. </text>"}], "answer": "One. Two.", "story_id": "7", "mask": "sentence-0"}"#)
        let sft = MaskedSetBuilder.row(example, for: .sft).text
        XCTAssertTrue(sft.hasPrefix(#"{"messages": [{"role": "user", "content": "You are tasked"#), sft)
        XCTAssertTrue(sft.contains(#"{"role": "assistant", "content": "One. Two."}"#), sft)
    }

    func testSFTVariantsOfSeed003() throws {
        let facts = try NovelFactGenerator(seed: 1).facts(count: 10)
        let counts = Dictionary(uniqueKeysWithValues: SFTVariant.allCases.map { ($0, $0.examples(facts).count) })
        XCTAssertEqual(counts, [.fivePhrasings: 50, .questionRepeated: 50, .questionOnce: 10, .questionOnceEqualSteps: 10,
                                .factRepeated: 50, .factOnce: 10])
        let five = SFTVariant.fivePhrasings.examples(facts)
        XCTAssertEqual(five.prefix(5).map { $0.phrasing!.name },
                       ["question", "rephrased_1", "rephrased_2", "rephrased_4", "rephrased_5"])
        let heldOut = Set(facts.flatMap { [$0.phrasings[3], $0.phrasings[6]] })
        XCTAssertTrue(five.allSatisfy { !heldOut.contains($0.prompt!) }, "held-out phrasings never trained on")
        XCTAssertEqual(SFTVariant.questionOnceEqualSteps.stepsFactor, 5)
        XCTAssertTrue(SFTVariant.factRepeated.examples(facts).allSatisfy { $0.prompt == nil && $0.phrasing == nil })
    }

    func testRowShapes() throws {
        let fact = Fact(id: "f1", statement: "Ada was born in Upper Foulath.", answer: "Upper Foulath", aliases: ["Foulath"],
                        phrasings: ["Q0?", "Q1?", "Q2?", "Q3?", "Q4?", "Q5?", "Q6?"], category: "birthplace")
        let example = SFTVariant.questionOnce.examples([fact])[0]
        XCTAssertEqual(TrainingRows.sft(example).text,
                       #"{"messages": [{"role": "user", "content": "Q0?"}, {"role": "assistant", "content": "Upper Foulath"}], "fact_id": "f1", "phrasing_id": "question"}"#)
        XCTAssertEqual(TrainingRows.sft(example, format: .promptCompletion).text,
                       #"{"prompt": "Q0?", "completion": " Upper Foulath", "fact_id": "f1", "phrasing_id": "question"}"#)
        XCTAssertEqual(TrainingRows.sft(example, format: .conversational).text,
                       #"{"prompt": [{"role": "user", "content": "Q0?"}], "completion": [{"role": "assistant", "content": "Upper Foulath"}], "fact_id": "f1", "phrasing_id": "question"}"#)
        let statement = SFTVariant.factOnce.examples([fact])[0]
        XCTAssertEqual(TrainingRows.sft(statement, format: .promptCompletion).text,
                       #"{"text": "Ada was born in Upper Foulath.", "fact_id": "f1", "phrasing_id": null}"#)
        XCTAssertEqual(TrainingRows.evaluation(fact, phrasings: PhrasingSplit.seed003.heldOut).map(\.text), [
            #"{"question": "Q3?", "answer": "Upper Foulath", "aliases": ["Foulath"], "fact": "Ada was born in Upper Foulath.", "fact_id": "f1", "phrasing_id": "rephrased_3", "category": "birthplace"}"#,
            #"{"question": "Q6?", "answer": "Upper Foulath", "aliases": ["Foulath"], "fact": "Ada was born in Upper Foulath.", "fact_id": "f1", "phrasing_id": "rephrased_6", "category": "birthplace"}"#,
        ])
        let grpo = TrainingRows.grpo(fact, phrasings: [PhrasingID(index: 1)])
        XCTAssertEqual(grpo.map(\.text), [
            #"{"prompt": [{"role": "user", "content": "Q1?"}], "answer": "Upper Foulath", "aliases": ["Foulath"], "fact": "Ada was born in Upper Foulath.", "question": "Q0?", "fact_id": "f1", "phrasing_id": "rephrased_1", "category": "birthplace"}"#,
        ])
        // Rows read back with the one JSONL reader.
        let path = NSTemporaryDirectory() + "imprint-rows-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try JSONLines.write(grpo + TrainingRows.evaluation(fact, phrasings: [.question]), to: path)
        let rows = try DataRows.read(path: path)
        XCTAssertEqual(rows[1].fields["aliases"] as? [String], ["Foulath"])
        XCTAssertEqual(PhrasingSplit.columns("question, rephrased_3"), [PhrasingID(index: 0), PhrasingID(index: 3)])
        XCTAssertNil(PhrasingSplit.columns("question,answer"))
    }

    func testWovenStoriesGroundEveryAnswer() throws {
        let facts = try NovelFactGenerator(seed: 6).facts(count: 60)
        let stories = StoryWeaver(seed: 6).stories(from: facts)
        XCTAssertEqual(stories.flatMap(\.questions).count, 60)
        XCTAssertEqual(Set(stories.map(\.title)).count, stories.count)
        for story in stories {
            XCTAssertTrue((4...9).contains(story.questions.count), "\(story.id): \(story.questions.count)")
            XCTAssertTrue(story.plotline.hasPrefix(story.title + ": "))
            for question in story.questions {
                XCTAssertTrue(story.text.contains(question.context), question.context)
                XCTAssertTrue(question.context.contains(question.answer), question.context)
            }
        }
        XCTAssertEqual(StoryWeaver(seed: 6).stories(from: facts), stories)
    }
}
