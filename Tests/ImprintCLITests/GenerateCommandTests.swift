import Foundation
import XCTest

/// `imprint generate`: JSONL prompts in, completions with finish_reason and token counts out.
final class GenerateCommandTests: XCTestCase {
    func testGenerateAnswersInOrderOnTheDefaultModel() throws {
        let path = try requireDefaultModel()
        let input = """
        {"messages": [{"role": "user", "content": "What is the capital of France?"}]}
        {"prompt": "The capital of France is"}

        """
        let result = try imprint(["generate", "--model", path, "--jsonl", "--max-tokens", "8"], input: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.jsonLines()
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue((lines[0]["completion"] as? String ?? "").contains("Paris"), "\(lines[0])")
        XCTAssertEqual((lines[0]["tokens"] as? [Int] ?? []).prefix(6), [504, 3575, 282, 4649, 314, 7042])  // transformers' greedy ids
        XCTAssertNotEqual(try imprint(["generate", "--model", path, "--jsonl"], input: "{\"nothing\": 1}\n").status, 0)
    }

    /// The tiny model's context is 16 positions: a 5-token prompt gets at most 11 new tokens, whatever --max-tokens
    /// asks (the issue: --max-tokens 100000 on the default model ran on for minutes).
    func testGenerationEndsAtTheContextLength() throws {
        let model = try TinyChatModel(contextLength: 16)
        defer { model.remove() }
        let input = "{\"prompt\": \"hello\"}\n\n{\"prompt\": \"hi\"}\n"
        let result = try imprint(["generate", "--model", model.path, "--jsonl", "--max-tokens", "100000"], input: input, timeout: 30)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.jsonLines()
        XCTAssertEqual(lines.map { $0["finish_reason"] as? String }, ["length", "length"])
        XCTAssertEqual(lines.map { $0["prompt_tokens"] as? Int }, [5, 2])
        XCTAssertEqual(lines.map { $0["completion_tokens"] as? Int }, [11, 14])
        XCTAssertEqual(lines.map { ($0["tokens"] as? [Int])?.count }, [11, 14])

        // --max-tokens below the room left: it decides, and the tokens are the same ones.
        let short = try imprint(["generate", "--model", model.path, "--jsonl", "--max-tokens", "4"], input: "{\"prompt\": \"hello\"}\n")
        let shortLine = try XCTUnwrap(try short.jsonLines().first)
        XCTAssertEqual(shortLine["finish_reason"] as? String, "length")
        XCTAssertEqual(shortLine["tokens"] as? [Int], Array((lines[0]["tokens"] as? [Int] ?? []).prefix(4)))

        // A prompt that fills the context is refused, naming its line and both lengths.
        let tooLong = try imprint(["generate", "--model", model.path, "--jsonl"],
                                  input: "{\"prompt\": \"hi\"}\n{\"prompt\": \"\(String(repeating: "x", count: 16))\"}\n")
        XCTAssertNotEqual(tooLong.status, 0)
        XCTAssertEqual(tooLong.stdout, "")
        XCTAssertTrue(tooLong.stderr.contains("stdin line 2: the prompt has 16 tokens, but the model's context length is 16"),
                      tooLong.stderr)

        // So is a prompt that encodes to no tokens (this tokenizer adds no BOS): an error naming its line, not a trap.
        let empty = try imprint(["generate", "--model", model.path, "--jsonl"], input: "{\"prompt\": \"hi\"}\n{\"prompt\": \"\"}\n")
        XCTAssertEqual(empty.status, 1, empty.stderr)  // a data error, not a usage error (64)
        XCTAssertFalse(empty.stderr.contains("Usage:"), empty.stderr)
        XCTAssertTrue(empty.stderr.contains("stdin line 2: the prompt encodes to no tokens"), empty.stderr)

        // A line that is not UTF-8 is refused, not generated from as U+FFFD.
        let bytes = Data("{\"prompt\": \"hi\"}\n{\"prompt\": \"h".utf8) + Data([0xFF]) + Data("\"}\n".utf8)
        let invalid = try imprint(["generate", "--model", model.path, "--jsonl"], inputBytes: bytes)
        XCTAssertEqual(invalid.status, 1, invalid.stderr)
        XCTAssertTrue(invalid.stderr.contains("stdin line 2: not UTF-8 text"), invalid.stderr)
    }

    /// An end-of-sequence token ends a completion with finish_reason "stop", the token included.
    func testEndOfSequenceFinishesWithStop() throws {
        let open = try TinyChatModel(contextLength: 16)
        defer { open.remove() }
        let free = try XCTUnwrap(try imprint(["generate", "--model", open.path, "--jsonl"], input: "{\"prompt\": \"hello\"}\n")
            .jsonLines().first?["tokens"] as? [Int])
        // Make the third greedy token the end-of-sequence token: generation stops at its first occurrence.
        let stopToken = free[2], stopIndex = try XCTUnwrap(free.firstIndex(of: free[2]))
        let stopping = try TinyChatModel(contextLength: 16, endOfSequence: stopToken)
        defer { stopping.remove() }
        let result = try imprint(["generate", "--model", stopping.path, "--jsonl"], input: "{\"prompt\": \"hello\"}\n")
        let line = try XCTUnwrap(try result.jsonLines().first)
        XCTAssertEqual(line["finish_reason"] as? String, "stop")
        XCTAssertEqual(line["tokens"] as? [Int], Array(free[...stopIndex]))
        XCTAssertEqual(line["completion_tokens"] as? Int, stopIndex + 1)
    }

    /// Each sampling option out of range is refused before any model is loaded, naming the option and its range.
    func testSamplingOptionsOutOfRangeAreNamed() throws {
        let cases: [([String], String)] = [
            (["--top-p", "7"], "--top-p = 7.0 is out of range: expected a value in (0, 1]"),
            (["--top-p", "0"], "--top-p = 0.0 is out of range: expected a value in (0, 1]"),
            (["--temperature=-1"], "--temperature = -1.0 is out of range: expected a value >= 0"),
            (["--top-k=-2"], "--top-k = -2 is out of range: expected a value >= 0"),
            (["--min-p", "1.5"], "--min-p = 1.5 is out of range: expected a value in [0, 1]"),
            (["--max-tokens", "0"], "--max-tokens = 0 is out of range: expected a value >= 1"),
        ]
        for (options, message) in cases {
            let result = try imprint(["generate", "--model", "/nonexistent", "--jsonl"] + options, input: "{\"prompt\": \"hi\"}\n")
            XCTAssertNotEqual(result.status, 0, "\(options)")
            XCTAssertTrue(result.stderr.contains(message), "\(options): \(result.stderr)")
        }
    }
}
