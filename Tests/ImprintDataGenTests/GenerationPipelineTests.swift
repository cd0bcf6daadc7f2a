import Foundation
import ImprintCore
import XCTest
@testable import ImprintDataGen

/// A stand-in for a model: answers each prompt from a script (by the user message, and by the retry turn), records
/// what it was asked, and can fail after a number of calls to simulate an interruption.
final class ScriptedGenerator: TextGenerator, @unchecked Sendable {
    let respond: @Sendable (_ firstMessage: String, _ isRetry: Bool) -> String
    private let lock = NSLock()
    private(set) var prompts: [GenerationPrompt] = []
    private(set) var calls = 0
    var failAfterCalls: Int?

    init(failAfterCalls: Int? = nil, respond: @escaping @Sendable (String, Bool) -> String) {
        self.respond = respond
        self.failAfterCalls = failAfterCalls
    }

    struct Interrupted: Error {}

    func generate(_ prompts: [GenerationPrompt], parameters: SamplingParameters) async throws -> [Completion] {
        try lock.withLock {
            calls += 1
            if let failAfterCalls, calls > failAfterCalls { throw Interrupted() }
            self.prompts += prompts
        }
        return prompts.map { prompt in
            guard case .messages(let messages) = prompt else { return Completion(text: "", finishReason: .stop) }
            return Completion(text: respond(messages[0].content, messages.count > 1), finishReason: .stop)
        }
    }
}

final class GenerationPipelineTests: XCTestCase {
    func scratch(_ name: String) -> String {
        NSTemporaryDirectory() + "imprint-datagen-\(name)-\(UUID().uuidString).jsonl"
    }

    func rows(_ path: String) throws -> [[String: Any]] {
        try AppendingJSONLFile.existingRows(path: path).map(\.fields)
    }

    static let story = "In 1312 the harbor-master Odo Venn lit the first starlamp of Glass Harbor. The lamp burned for forty years."

    func testStoryQuestionsAreValidatedAndNearDuplicatesDropped() async throws {
        let response = """
        Here are the triplets:
        ```json
        [
          {"question": "In what year was the first starlamp of Glass Harbor lit?", "answer": "1312",
           "context": "In 1312 the harbor-master Odo Venn lit the first starlamp of Glass Harbor."},
          {"question": "How long did the starlamp burn?", "answer": "forty years", "context": "The lamp burned for 40 years."},
          {"question": "Who lit the lamp?", "answer": "Mirel", "context": "The lamp burned for forty years."},
          {"question": "What burned for forty years?", "answer": "the first starlamp of Glass Harbor",
           "context": "In 1312 the harbor-master Odo Venn lit the first starlamp of Glass Harbor."},
          {"question": "In what year was the very first starlamp of Glass Harbor lit?", "answer": "1312",
           "context": "In 1312 the harbor-master Odo Venn lit the first starlamp of Glass Harbor."},
          {"question": "How long did the lamp burn?", "answer": "\\"forty years\\""},
          {"question": "How many years did the lamp burn?", "answer": "forty years", "context": "The lamp burned for forty years."},
        ]
        ```
        """
        let generator = ScriptedGenerator { _, _ in response }
        let output = scratch("qa")
        let items = [PipelineItem(key: "0", fields: ["story": Self.story, "plotline": "Glass Harbor: lamps."])]
        let pipeline = GenerationPipeline(step: StoryQuestionStep(), generator: generator)
        let summary = try await pipeline.run(items: items, output: output)
        let kept = try rows(output)
        XCTAssertEqual(kept.map { $0["answer"] as? String }, ["1312", "forty years"])
        XCTAssertEqual(kept.map { $0["story_id"] as? String }, ["0", "0"])
        XCTAssertEqual(summary.keptRows, 2)
        XCTAssertEqual(summary.dropped, ["context-not-in-source": 1, "answer-not-in-context": 1, "answer-too-long": 1,
                                         "near-duplicate-question": 1, "missing-field": 1])
        let rejected = try rows(GenerationPipeline<StoryQuestionStep>.rejectsPath(for: output))
        XCTAssertEqual(rejected.count, 5)
        XCTAssertTrue(rejected.allSatisfy { $0["retryable"] as? Bool == false && $0["story_id"] as? String == "0" })
        XCTAssertTrue(summary.description.contains("dropped near-duplicate-question: 1"), summary.description)
        // The prompt is seed 000's, with the story and the plotline in place.
        guard case .messages(let messages) = generator.prompts[0] else { return XCTFail("expected messages") }
        XCTAssertTrue(messages[0].content.hasPrefix("You are tasked to generate a list of 8 questions and answers"))
        XCTAssertTrue(messages[0].content.contains("<story> \(Self.story) </story>"))
    }

    func testOneRetryWithTheProblemFedBackThenTheFailureIsLogged() async throws {
        let generator = ScriptedGenerator { message, isRetry in
            if message.contains("Fact about Ada") { return isRetry ? "<Question>: Where was Ada born?\n\n<Answer>: Foulath" : "I cannot." }
            if message.contains("Fact about Bo") { return "still not the format" }
            return "```\n<Question>: When did Cy sail?\n\n<Answer>: 1801\n```"
        }
        let items = ["Ada", "Bo", "Cy"].map { PipelineItem(key: $0, fields: ["fact": "Fact about \($0).", "category": "test"]) }
        let output = scratch("question")
        let summary = try await GenerationPipeline(step: FactQuestionStep(), generator: generator, batchSize: 3)
            .run(items: items, output: output)
        XCTAssertEqual(summary.keptRows, 2)
        XCTAssertEqual(summary.retried, 1)
        XCTAssertEqual(summary.failed, ["no \"<Question>:\" line in the response": 1])
        XCTAssertEqual(try rows(output).map { $0["fact_id"] as? String }, ["Ada", "Cy"])
        // Two calls: the batch, then the retries of Ada and Bo, each with its first answer and the problem.
        XCTAssertEqual(generator.calls, 2)
        guard case .messages(let retry) = generator.prompts[3] else { return XCTFail("expected messages") }
        XCTAssertEqual(retry.map(\.role), ["user", "assistant", "user"])
        XCTAssertEqual(retry[1].content, "I cannot.")
        XCTAssertEqual(retry[2].content, "Your answer could not be used: no \"<Question>:\" line in the response. Answer "
                       + "again, following the requested output format exactly, with no other text.")
        let failure = try rows(GenerationPipeline<FactQuestionStep>.rejectsPath(for: output))
        XCTAssertEqual(failure.count, 1)
        XCTAssertEqual(failure[0]["fact_id"] as? String, "Bo")
        XCTAssertEqual(failure[0]["response"] as? String, "still not the format")
        XCTAssertEqual(failure[0]["retryable"] as? Bool, true)
        // A rerun asks only for the failed item again.
        let again = try await GenerationPipeline(step: FactQuestionStep(), generator: generator).run(items: items, output: output)
        XCTAssertEqual(again.resumed, 2)
        XCTAssertEqual(generator.prompts.count, 5 + 2)
    }

    func testAnInterruptedRunResumesWithoutRepeatingRows() async throws {
        let items = (0..<10).map { PipelineItem(key: "f\($0)", fields: ["fact": "Fact number \($0).", "category": "c"]) }
        let respond: @Sendable (String, Bool) -> String = { message, _ in
            let number = message.components(separatedBy: "Fact number ").last!.prefix(while: \.isNumber)
            return "<Question>: What is fact \(number) about, really?\n\n<Answer>: \(number)"
        }
        let output = scratch("resume")
        let interrupted = ScriptedGenerator(failAfterCalls: 2, respond: respond)
        do {
            _ = try await GenerationPipeline(step: FactQuestionStep(), generator: interrupted, batchSize: 3)
                .run(items: items, output: output)
            XCTFail("expected the interruption")
        } catch is ScriptedGenerator.Interrupted {}
        XCTAssertEqual(try rows(output).count, 6, "two batches of three were appended before the interruption")
        // A write cut short by the interruption is dropped, not parsed.
        let handle = FileHandle(forWritingAtPath: output)!
        handle.seekToEndOfFile()
        handle.write(Data("{\"fact_id\": \"f6\", \"quest".utf8))
        try handle.close()
        let resumed = ScriptedGenerator(respond: respond)
        let summary = try await GenerationPipeline(step: FactQuestionStep(), generator: resumed, batchSize: 3)
            .run(items: items, output: output)
        XCTAssertEqual(summary.resumed, 6)
        XCTAssertEqual(resumed.prompts.count, 4)
        XCTAssertEqual(try rows(output).map { $0["fact_id"] as! String }, items.map(\.key))
    }

    func testRephrasingsThatCopyTheQuestionAreDroppedAndTooFewAreRetried() async throws {
        let question = "When did dock workers in Port Alva begin their strike?"
        let good = """
        1. On what date did the Port Alva dockers walk out?
        2. When did dock workers in Port Alva begin their strike?
        3. The stoppage by harbor laborers in Port Alva started when?
        4. Identify the day Port Alva's longshoremen ceased work.
        5. When was the industrial action at the Alva docks launched?
        6. What day marked the start of the walkout in Port Alva?
        7. Port Alva's waterfront crews downed tools on which day?
        """
        let generator = ScriptedGenerator { _, isRetry in
            isRetry ? good : "1. \(question)\n2. \"When did dock workers in Port Alva begin their strike?\"\n3. Strike start date?"
        }
        let output = scratch("rephrase")
        let item = PipelineItem(key: "rg-00001", fields: ["fact_id": "rg-00001", "category": "strike", "fact": "F.",
                                                           "question": question, "answer": "A."])
        let summary = try await GenerationPipeline(step: RephraseStep(), generator: generator).run(items: [item], output: output)
        XCTAssertEqual(summary.retried, 1)
        XCTAssertEqual(summary.dropped, ["rephrasing-copies-question": 1])
        let row = try rows(output)[0]
        XCTAssertEqual(row["rephrased_1"] as? String, "On what date did the Port Alva dockers walk out?")
        XCTAssertEqual(row["rephrased_6"] as? String, "Port Alva's waterfront crews downed tools on which day?")
        XCTAssertEqual(row["question"] as? String, question)
        let (facts, _) = try FactTable.read(path: output)
        XCTAssertEqual(facts[0].phrasings.count, 7)
        guard case .messages(let retry) = generator.prompts[1] else { return XCTFail("expected messages") }
        XCTAssertTrue(retry[2].content.contains("1 usable rephrasings of the 6 asked for (2 copied the question or each other)"),
                      retry[2].content)
    }

    func testAtomicFactsAndStoriesSteps() async throws {
        let generator = ScriptedGenerator { message, _ in
            if message.hasPrefix("Develop the story") { return "Output: " + Self.story + " It was a long and storied age of lamps and harbors." }
            return "```json\n[\"A sinkhole opened on Elm Street in Brenford on July 9, 2025.\", \"Short.\", "
                + "\"A sinkhole opened on Elm Street in Brenford on July 9, 2025.\"]\n```"
        }
        let facts = scratch("facts")
        let articles = [PipelineItem(key: "a1", fields: ["text": "Article text.", "title": "Sinkhole", "category": "sinkhole"])]
        let summary = try await GenerationPipeline(step: AtomicFactStep(), generator: generator).run(items: articles, output: facts)
        XCTAssertEqual(summary.dropped, ["too-short": 1, "duplicate": 1])
        XCTAssertEqual(try rows(facts).first?["fact_id"] as? String, "a1-1")
        let stories = scratch("stories")
        let plotlines = [PipelineItem(key: "0", fields: ["plotline": "Glass Harbor: A port city lit by starlight."])]
        _ = try await GenerationPipeline(step: StoryStep(), generator: generator).run(items: plotlines, output: stories)
        let story = try rows(stories)[0]
        XCTAssertEqual(story["title"] as? String, "Glass Harbor")
        XCTAssertTrue((story["story"] as? String)?.hasPrefix("In 1312") == true)
        guard case .messages(let messages) = generator.prompts.last! else { return XCTFail("expected messages") }
        XCTAssertEqual(messages[0].content, GenerationPrompts.story(plotline: "Glass Harbor: A port city lit by starlight."))
    }

    /// What SmolLM2-135M wrote for an article: an object with a list of objects (recorded from a run).
    func testFactStringsFromTheShapesModelsWrite() {
        XCTAssertEqual(AtomicFactStep.factStrings(["One fact here.", 3, "Two facts here."]), ["One fact here.", "Two facts here."])
        let nested: [String: Any] = ["title": "Sinkhole", "content": [
            ["id": "1", "description": "A sinkhole opened on Elm Street in Brenford on July 9, 2025.", "text": "Short text."],
            ["fact": "The city closed Elm Street for three weeks."],
        ]]
        XCTAssertEqual(AtomicFactStep.factStrings(nested), ["A sinkhole opened on Elm Street in Brenford on July 9, 2025.",
                                                            "The city closed Elm Street for three weeks."])
    }

    func testConcurrentBatchesKeepEveryItemOnce() async throws {
        let generator = ScriptedGenerator { message, _ in
            let number = message.components(separatedBy: "Fact number ").last!.prefix(while: \.isNumber)
            return "<Question>: Which unusual thing happened in event number \(number) of the series?\n\n<Answer>: \(number)"
        }
        let items = (0..<23).map { PipelineItem(key: "f\($0)", fields: ["fact": "Fact number \($0)."]) }
        let output = scratch("concurrent")
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var value = 0
        }
        let progressCalls = Counter()
        let summary = try await GenerationPipeline(step: FactQuestionStep(), generator: generator, batchSize: 4, concurrency: 3,
                                                   nearDuplicateThreshold: 1.01)
            .run(items: items, output: output) { progress in
                progressCalls.lock.withLock { progressCalls.value += 1 }
                XCTAssertLessThanOrEqual(progress.done, progress.total)
            }
        XCTAssertEqual(summary.keptRows, 23)
        XCTAssertEqual(Set(try rows(output).map { $0["fact_id"] as! String }), Set(items.map(\.key)))
        XCTAssertEqual(progressCalls.value, 6)
    }

    func testPipelineInputsFromSeedShapes() throws {
        let fixtures = LoaderTests.fixtures
        let plotlines = try PipelineInputs.plotlines(path: fixtures + "/story_experience/stories.txt")
        XCTAssertEqual(plotlines.map(\.key), ["0", "1"])
        let stories = try PipelineInputs.stories(path: fixtures + "/story_experience")
        XCTAssertEqual(stories[1].fields["plotline"], "The Salt Archive: A scribe guards a library carved into a salt mine.")
        let questions = try PipelineInputs.questions(path: fixtures + "/reward_gen/qa_pairs.json")
        XCTAssertEqual(questions[0].fields["question"], "What did the sinkhole that opened on Elm Street in Brenford on July 9, 2025, swallow?")
        XCTAssertEqual(questions.map(\.key), ["rg-00001", "rg-00002", "rg-00004", "rg-00005"])
        XCTAssertThrowsError(try PipelineInputs.articles(path: fixtures + "/reward_gen/qa_pairs.json")) { error in
            XCTAssertEqual((error as? DataFileError)?.line, 1)
        }
    }
}
