import Foundation
import XCTest

/// `imprint tokenize`, `detokenize` and `chat-template`.
final class TokenizerCommandTests: XCTestCase {
    /// tokenize → detokenize → chat-template on the default model, against ids and renders recorded from
    /// `transformers` (ImprintModelTests/Fixtures/make_default_model_fixture.py: the chat prompt and its ids).
    func testTokenizerCommandsOnTheDefaultModel() throws {
        let path = try requireDefaultModel()
        let reference = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: modelFixtures.appendingPathComponent("default-model/reference.json"))) as? [String: Any])
        let prompt = try XCTUnwrap(reference["prompt"] as? String), ids = try XCTUnwrap(reference["input_ids"] as? [Int])

        let rendered = try imprint(["chat-template", "--model", path, "--jsonl"], input: """
        {"messages": [{"role": "user", "content": "What is the capital of France?"}], "add_generation_prompt": true}

        """)
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(rendered.stdout.utf8), options: .fragmentsAllowed) as? String, prompt)

        let encoded = String(decoding: try JSONSerialization.data(withJSONObject: [prompt], options: []), as: UTF8.self)
        let tokenized = try imprint(["tokenize", "--model", path, "--jsonl"], input: String(encoded.dropFirst().dropLast()) + "\n")
        XCTAssertEqual(tokenized.status, 0, tokenized.stderr)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(tokenized.stdout.utf8)) as? [Int], ids)

        let detokenized = try imprint(["detokenize", "--model", path, "--jsonl", "--skip-special-tokens"], input: "\(ids)\n")
        XCTAssertEqual(detokenized.status, 0, detokenized.stderr)
        let text = try JSONSerialization.jsonObject(with: Data(detokenized.stdout.utf8), options: .fragmentsAllowed) as? String
        XCTAssertEqual(text, prompt.replacingOccurrences(of: "<|im_start|>", with: "").replacingOccurrences(of: "<|im_end|>", with: ""))
        XCTAssertNotEqual(try imprint(["tokenize", "--model", path, "--jsonl"], input: "not json\n").status, 0)
    }

    /// `--now` fixes the time `strftime_now` renders: the same template at two times, in UTC and at an offset
    /// (the wall-clock time there), whatever this machine's clock and time zone.
    func testChatTemplateRendersStrftimeNowAtTheGivenTime() throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-now-\(UUID().uuidString).jinja")
        try Data(#"{{ strftime_now("%d %b %Y %H:%M") }}|{% for m in messages %}{{ m.content }}{% endfor %}"#.utf8).write(to: template)
        defer { try? FileManager.default.removeItem(at: template) }
        let input = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n"
        let expectations = [("2026-11-22T12:00:00Z", "22 Nov 2026 12:00|hi"),
                            ("2027-02-03T23:45:00Z", "03 Feb 2027 23:45|hi"),
                            ("2027-02-03T23:45:00-05:00", "03 Feb 2027 23:45|hi"),
                            ("2027-02-03T23:45:00+0530", "03 Feb 2027 23:45|hi")]
        for (now, expected) in expectations {
            let result = try imprint(["chat-template", "--now", now, "--template", template.path, "--jsonl"], input: input)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, "\"\(expected)\"\n", now)
        }
        let bad = try imprint(["chat-template", "--now", "yesterday", "--template", template.path, "--jsonl"], input: input)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--now yesterday: expected an ISO 8601 time"), bad.stderr)
    }

    /// Crafted inputs (a template recursing forever, a range of 10^8, a JSONL line nested 200,000 arrays deep)
    /// stop the command with status 1 and a message naming the limit, instead of a stack overflow (status 139)
    /// or a hang.
    func testChatTemplateStopsCraftedInputsWithALimitError() throws {
        func run(template source: String, input: String) throws -> ProcessResult {
            let template = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-limit-\(UUID().uuidString).jinja")
            try Data(source.utf8).write(to: template)
            defer { try? FileManager.default.removeItem(at: template) }
            return try imprint(["chat-template", "--template", template.path, "--jsonl"], input: input)
        }
        let conversation = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n"
        let recursion = try run(template: "{% macro f(n) %}{{ f(n+1) }}{% endmacro %}{{ f(0) }}", input: conversation)
        XCTAssertEqual(recursion.status, 1, recursion.stderr)
        XCTAssertEqual(recursion.stderr, "imprint: line 1: chat template line 1, column 21: macro calls nest deeper than 200 "
                       + "levels (ChatTemplate.Limits.maximumCallDepth)\n")

        let range = try run(template: "{% for i in range(100000000) %}x{% endfor %}", input: conversation)
        XCTAssertEqual(range.status, 1, range.stderr)
        XCTAssertTrue(range.stderr.contains("more than 100000 (ChatTemplate.Limits.maximumRangeLength"), range.stderr)

        let depth = 200_000
        let deepLine = "{\"messages\": " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}\n"
        let deep = try run(template: "{{ messages }}", input: conversation + deepLine)
        XCTAssertEqual(deep.status, 1, deep.stderr)
        XCTAssertEqual(deep.stderr, "imprint: line 2: invalid JSON at byte 524: arrays and objects nest deeper than 512 levels\n")
        XCTAssertEqual(deep.stdout, "\"[{'role': 'user', 'content': 'hi'}]\"\n")
    }
}
