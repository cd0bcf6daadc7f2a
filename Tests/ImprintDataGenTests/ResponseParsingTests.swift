import XCTest
@testable import ImprintDataGen

final class ResponseParsingTests: XCTestCase {
    func testJSONInFencesWithChatterTrailingCommasAndCurlyQuotes() throws {
        let fenced = "Sure! Here you go:\n```json\n[{\"question\": \"Q?\", \"answer\": \"A\"},]\n```\nHope this helps [really]."
        XCTAssertEqual((try ResponseParsing.json(fenced) as? [[String: String]])?.first?["answer"], "A")
        let trailing = "[\"one fact.\", \"two facts.\"] and then the model kept talking }"
        XCTAssertEqual(try ResponseParsing.json(trailing) as? [String], ["one fact.", "two facts."])
        let curly = "{\u{201C}question\u{201D}: \u{201C}Q?\u{201D}, \u{201C}answer\u{201D}: \u{201C}A\u{201D}}"
        XCTAssertEqual((try ResponseParsing.json(curly) as? [String: String])?["question"], "Q?")
        XCTAssertThrowsError(try ResponseParsing.json("[{\"question\": \"Q?\"")) { error in
            XCTAssertEqual(error as? ResponseProblem, ResponseProblem("the JSON in the response is cut short (brackets never close)"))
        }
        XCTAssertThrowsError(try ResponseParsing.json("no json here")) { error in
            XCTAssertEqual(error as? ResponseProblem, ResponseProblem("no JSON array or object in the response"))
        }
        let withBrackets = #"[{"context": "the ] bracket and \" quote"}]"#
        XCTAssertEqual((try ResponseParsing.json(withBrackets) as? [[String: String]])?.first?["context"], "the ] bracket and \" quote")
    }

    /// Seed 003's `split("1.")` parser cut "a 7.3 magnitude" and kept "3. " prefixes; items start only at line starts.
    func testNumberedListsKeepNumbersInsideItems() {
        let response = """
        ```
        1. What quake of 7.3 magnitude struck on 7/16/2025?
        2) "Which M7.3 tremor hit the tri-state area?"
        **3.** Identify the seven point three event.
        4. Name the earthquake that
           rattled MI, OH, PA.
        5. Question: Describe the temblor of July sixteenth.
        6. How strong was the quake?
        ```
        """
        XCTAssertEqual(ResponseParsing.numberedList(response), [
            "What quake of 7.3 magnitude struck on 7/16/2025?",
            "Which M7.3 tremor hit the tri-state area?",
            "Identify the seven point three event.",
            "Name the earthquake that rattled MI, OH, PA.",
            "Describe the temblor of July sixteenth.",
            "How strong was the quake?",
        ])
        XCTAssertEqual(ResponseParsing.numberedList("- first one\n- \"second one\""), ["first one", "second one"])
        XCTAssertEqual(ResponseParsing.numberedList("nothing numbered"), [])
    }

    func testQuestionAnswerInSeed003FormatAndJSON() throws {
        let seedFormat = "```\n<Question>: \"What did Brenford close after the sinkhole?\"\n\n<Answer>: Elm Street.\n```"
        let pair = try ResponseParsing.questionAnswer(seedFormat)
        XCTAssertEqual(pair.question, "What did Brenford close after the sinkhole?")
        XCTAssertEqual(pair.answer, "Elm Street.")
        let loose = try ResponseParsing.questionAnswer("question: Who? \nANSWER: Ada\n\nextra chatter")
        XCTAssertEqual(loose.question, "Who?")
        XCTAssertEqual(loose.answer, "Ada")
        XCTAssertEqual(try ResponseParsing.questionAnswer(#"{"question": "Q?", "answer": "\"A\""}"#).answer, "A")
        XCTAssertThrowsError(try ResponseParsing.questionAnswer("<Question>: Who?")) { error in
            XCTAssertEqual(error as? ResponseProblem, ResponseProblem("no \"<Answer>:\" line after the question"))
        }
    }

    func testCleanItem() {
        XCTAssertEqual(ResponseParsing.cleanItem("  \"Where was it?\"  "), "Where was it?")
        XCTAssertEqual(ResponseParsing.cleanItem("<Question>: Where?"), "Where?")
        XCTAssertEqual(ResponseParsing.cleanItem("Rephrased: **Where** now?"), "Where now?")
        XCTAssertEqual(ResponseParsing.cleanItem("Note: keep this label"), "Note: keep this label")
    }
}
