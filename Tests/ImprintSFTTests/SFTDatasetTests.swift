import Foundation
import ImprintCore
import ImprintSFT
import XCTest

final class SFTDatasetTests: XCTestCase {
    func testReadsTheFourTRLShapesAndConversations() throws {
        let cases: [(String, SFTRecord)] = [
            (#"{"text": "once upon a time"}"#, .text("once upon a time")),
            (#"{"prompt": "Q: ", "completion": "A"}"#, .promptCompletion(prompt: "Q: ", completion: "A")),
            (#"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}"#,
             .conversation([.user("hi"), .assistant("yo")])),
            (#"{"conversations": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}"#,
             .conversation([.user("hi"), .assistant("yo")])),
            (#"{"prompt": [{"role": "user", "content": "hi"}], "completion": [{"role": "assistant", "content": "yo"}]}"#,
             .conversationalPromptCompletion(prompt: [.user("hi")], completion: [.assistant("yo")])),
        ]
        for (line, expected) in cases {
            XCTAssertEqual(try SFTDataset(path: SFTFixtures.jsonl([line])).records, [expected], line)
        }
    }

    /// U+FEFF inside a row is text (Python's `json` keeps it); only a signature before the first row is skipped.
    func testByteOrderMarksInRowsAreKept() throws {
        let path = try SFTFixtures.jsonl(["\u{FEFF}{\"text\": \"\u{FEFF}#\"}", "{\"text\": \"b\u{FEFF}\u{FEFF}\"}"])
        let records = try SFTDataset(path: path).records
        guard records.count == 2, case .text(let first) = records[0], case .text(let second) = records[1] else {
            return XCTFail("unexpected records \(records)")
        }
        XCTAssertEqual(first.unicodeScalars.map(\.value), [0xFEFF, 0x23])
        XCTAssertEqual(second.unicodeScalars.map(\.value), [0x62, 0xFEFF, 0xFEFF])
    }

    func testMalformedLineIsReportedWithItsNumber() throws {
        let good = #"{"prompt": "a", "completion": "b"}"#
        let path = try SFTFixtures.jsonl([good, "", good, #"{"prompt": "a", "completion": "b""#, good])
        XCTAssertThrowsError(try SFTDataset(path: path)) { error in
            XCTAssertEqual(error as? SFTDataError, SFTDataError(file: path, line: 4, reason: .notAnObject("invalid JSON")))
            XCTAssertTrue(String(describing: error).hasPrefix("\(path):4: "), String(describing: error))
        }
    }

    func testWrongFieldsAndMixedShapesAreReported() throws {
        let wrongType = try SFTFixtures.jsonl([#"{"text": "x"}"#, #"{"text": 3}"#])
        XCTAssertThrowsError(try SFTDataset(path: wrongType)) { error in
            XCTAssertEqual((error as? SFTDataError)?.line, 2)
            XCTAssertEqual((error as? SFTDataError)?.reason, .wrongType(key: "text", expected: "a string"))
        }
        let badMessage = try SFTFixtures.jsonl([#"{"messages": [{"role": "user"}]}"#])
        XCTAssertThrowsError(try SFTDataset(path: badMessage)) { error in
            XCTAssertEqual((error as? SFTDataError)?.reason,
                           .wrongType(key: "messages[0]", expected: "{\"role\": string, \"content\": string}"))
        }
        let unknown = try SFTFixtures.jsonl([#"{"question": "x"}"#])
        XCTAssertThrowsError(try SFTDataset(path: unknown)) { error in
            XCTAssertEqual((error as? SFTDataError)?.reason, .unknownShape(keys: ["question"]))
        }
        let mixed = try SFTFixtures.jsonl([#"{"text": "x"}"#, #"{"prompt": "a", "completion": "b"}"#])
        XCTAssertThrowsError(try SFTDataset(path: mixed)) { error in
            XCTAssertEqual(error as? SFTDataError, SFTDataError(file: mixed, line: 2,
                                                                reason: .mixedShapes(expected: "text", found: "prompt/completion")))
        }
    }

    func testJSONArrayItemsAreNumbered() throws {
        let url = try SFTFixtures.scratchDirectory("array").appendingPathComponent("train.json")
        try #"[{"conversations": [{"role": "user", "content": "a"}]}, {"conversations": 5}]"#.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SFTDataset(path: url.path)) { error in
            XCTAssertEqual((error as? SFTDataError)?.line, 2)
        }
    }

    func testEncodingAppendsEOSMasksThePromptAndTruncates() throws {
        let tokenizer = try SFTFixtures.tokenizer()
        let encoder = SFTExampleEncoder(tokenizer: tokenizer, maxLength: 1024)
        let example = try encoder.encode(.promptCompletion(prompt: "Tell me about the owl.", completion: " An owl read stars."))
        let promptCount = tokenizer.encode("Tell me about the owl.", addSpecialTokens: true).count
        XCTAssertEqual(example.ids.last, tokenizer.eosTokenId)
        XCTAssertEqual(example.completionMask, (0..<example.ids.count).map { $0 >= promptCount })
        XCTAssertEqual(tokenizer.decode(zip(example.ids, example.completionMask).filter(\.1).map(\.0)),
                       " An owl read stars.<|im_end|>")

        let text = try encoder.encode(.text("the owl<|im_end|>"))
        XCTAssertEqual(text.ids, tokenizer.encode("the owl<|im_end|>", addSpecialTokens: true), "no second EOS")
        XCTAssertTrue(text.completionMask.allSatisfy { $0 })

        let everything = SFTExampleEncoder(tokenizer: tokenizer, completionOnlyLoss: false, maxLength: 5)
        let truncated = try everything.encode(.promptCompletion(prompt: "Tell me about the owl. ", completion: "An owl."))
        XCTAssertEqual(truncated.ids, Array(tokenizer.encode("Tell me about the owl. An owl.<|im_end|>", addSpecialTokens: true).prefix(5)))
        XCTAssertEqual(truncated.completionMask, [Bool](repeating: true, count: 5))
    }

    func testRowWithNothingLeftToTrainIsReported() throws {
        let path = try SFTFixtures.jsonl([#"{"prompt": "a", "completion": "b"}"#,
                                          #"{"prompt": "a very long prompt that fills the budget", "completion": "b"}"#])
        let encoder = SFTExampleEncoder(tokenizer: try SFTFixtures.tokenizer(), maxLength: 8)
        XCTAssertThrowsError(try encoder.encode(SFTDataset(path: path))) { error in
            XCTAssertEqual(error as? SFTDataError, SFTDataError(file: path, line: 2, reason: .noTrainedTokens))
        }
    }

    func testDataOrderIsSeededAndCoversEveryExampleEachEpoch() {
        let examples = (0..<10).map { SFTExample(ids: [$0, $0], completionMask: [false, true]) }
        let order = SFTDataOrder(examples: examples, batchSize: 4, shuffle: true, seed: 7)
        XCTAssertEqual(order.batchesPerEpoch, 3)
        for epoch in 0..<2 {
            let seen = (0..<3).flatMap { order.batch(epoch * 3 + $0) }.map { $0.ids[0] }
            XCTAssertEqual(seen.sorted(), Array(0..<10))
        }
        let again = SFTDataOrder(examples: examples, batchSize: 4, shuffle: true, seed: 7)
        XCTAssertEqual((0..<6).map { again.batch($0) }, (0..<6).map { order.batch($0) })
        XCTAssertNotEqual(order.batch(0), order.batch(3), "each epoch has its own permutation")
        let inOrder = SFTDataOrder(examples: examples, batchSize: 4, shuffle: false, seed: 7)
        XCTAssertEqual(inOrder.batch(2).map { $0.ids[0] }, [8, 9])
    }

    func testSplitAndPacking() {
        let examples = (0..<10).map { SFTExample(ids: [$0, $0, $0], completionMask: [false, true, true]) }
        let (train, evaluation) = SFTDataOrder.split(examples, evaluationFraction: 0.2, seed: 1)
        XCTAssertEqual(train.count, 8)
        XCTAssertEqual(evaluation.count, 2)
        XCTAssertEqual(Set((train + evaluation).map { $0.ids[0] }), Set(0..<10))
        let packed = SFTDataOrder.pack(examples, length: 4)
        XCTAssertEqual(packed.map(\.ids.count), [4, 4, 4, 4, 4, 4, 4, 2])
        XCTAssertEqual(packed[0].ids, [0, 0, 0, 1])
        XCTAssertEqual(packed[0].completionMask, [false, true, true, false])
    }
}

/// SFT datasets with bytes that are not UTF-8 and lone surrogate escapes: typed errors naming the file and line.
final class SFTAdversarialDataTests: XCTestCase {
    func testInvalidUTF8AndLoneSurrogates() throws {
        let good = #"{"prompt": "a", "completion": "b"}"#
        let url = try SFTFixtures.scratchDirectory("adversarial").appendingPathComponent("data.jsonl")
        try Data(Array((good + "\n").utf8) + Array(#"{"prompt": "a"#.utf8) + [0xFF] + Array(#"", "completion": "b"}"#.utf8)).write(to: url)
        XCTAssertThrowsError(try SFTDataset(path: url.path)) { error in
            XCTAssertEqual("\(error)", "\(url.path): the dataset is not UTF-8 text (line 2)")
        }
        let path = try SFTFixtures.jsonl([good, #"{"prompt": "\ud800", "completion": "b"}"#])
        XCTAssertThrowsError(try SFTDataset(path: path)) { error in
            XCTAssertEqual(error as? SFTDataError, SFTDataError(file: path, line: 2, reason: .notAnObject("invalid JSON")))
        }
    }
}
