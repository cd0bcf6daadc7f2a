import Foundation
import ImprintCore
import ImprintServerRequests
import XCTest

/// The request decoders `imprint serve` runs (and the `serve-request` fuzz target drives), without a server.
final class RequestDecodingTests: XCTestCase {
    func testChatRequest() throws {
        let body = #"""
            {"model": "tiny", "messages": [{"role": "system", "content": null},
                                           {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]}],
             "max_completion_tokens": 12, "temperature": 0.5, "top_p": 0.9, "top_k": 40, "min_p": 0.05, "n": 3, "stop": "###",
             "seed": -3, "stream": true, "stream_options": {"include_usage": true}, "logprobs": true, "top_logprobs": 0,
             "ignore_eos": true, "tools": [], "frequency_penalty": 0, "logit_bias": {}, "user": "ignored"}
            """#
        let request = try ChatCompletionRequest.decode(Array(body.utf8), limits: RequestLimits())
        XCTAssertEqual(request.messages, [ChatMessage(role: "system", content: ""), ChatMessage(role: "user", content: "Hi there")])
        XCTAssertEqual(request.settings.parameters, SamplingParameters(maxTokens: 12, temperature: 0.5, topP: 0.9, topK: 40, minP: 0.05,
                                                                       stop: ["###"], seed: UInt64(bitPattern: -3)))
        XCTAssertEqual(request.settings.n, 3)
        XCTAssertTrue(request.settings.stream && request.settings.includeUsage && request.settings.ignoreEndOfSequence)
        XCTAssertTrue(request.logprobs)

        let plain = try ChatCompletionRequest.decode(Array(#"{"messages": [{"role": "user", "content": "x"}]}"#.utf8),
                                                     limits: RequestLimits(maxTokens: 50))
        XCTAssertEqual(plain.settings.parameters.maxTokens, 50, "no max_tokens: the limit")
        XCTAssertEqual(plain.settings.n, 1)
        XCTAssertFalse(plain.logprobs || plain.settings.stream)
        XCTAssertNotNil(plain.settings.parameters.seed, "no seed: a random one")
    }

    func testCompletionRequestPrompts() throws {
        func prompt(_ json: String) throws -> CompletionPrompt {
            try CompletionRequest.decode(Array(#"{"prompt": \#(json)}"#.utf8), limits: RequestLimits()).prompt
        }
        XCTAssertEqual(try prompt(#""abc""#), .texts(["abc"]))
        XCTAssertEqual(try prompt(#"["abc", "The cat"]"#), .texts(["abc", "The cat"]))
        XCTAssertEqual(try prompt("[1, 2, 3]"), .tokens([[1, 2, 3]]))
        XCTAssertEqual(try prompt("[[1], [2, 3]]"), .tokens([[1], [2, 3]]))
        let request = try CompletionRequest.decode(Array(#"{"prompt": "a", "logprobs": 0, "best_of": 2, "n": 2}"#.utf8),
                                                   limits: RequestLimits())
        XCTAssertTrue(request.logprobs)
        XCTAssertEqual(request.settings.n, 2)
    }

    func testRewardRequest() throws {
        let body = #"""
            {"reward": ["exact", "f1:0.5"], "prompts": ["When?", [{"role": "user", "content": "Where?"}]],
             "completions": ["In 872 AE", [{"role": "assistant", "content": "Par"}, {"role": "assistant", "content": "is"}]],
             "completion_ids": [[1], [2]], "answer": ["872 AE", "Paris"], "fact_id": [null, 18446744073709551615], "extra": [{"b": 1, "a": [true]}, 0.5]}
            """#
        let request = try RewardRequest.decode(Array(body.utf8), limits: RequestLimits())
        XCTAssertEqual(request.specifications.map(\.name), ["exact", "f1"])
        XCTAssertEqual(request.specifications.map(\.weight), [1, 0.5])
        XCTAssertEqual(request.batch.completions, ["In 872 AE", "Paris"])
        XCTAssertEqual(request.batch.prompts, [.text("When?"), .messages([.user("Where?")])])
        XCTAssertEqual(request.batch.samples.map(\.reference), ["872 AE", "Paris"])
        XCTAssertEqual(request.batch.samples.map(\.groupID), ["", "18446744073709551615"], "as Python's str()")
        XCTAssertEqual(request.batch.samples.map { $0.extra }, [["extra": #"{"a":[true],"b":1}"#], ["extra": "0.5"]],
                       "completion_ids is no column")
    }

    /// Each refusal is the `APIError` the server answers: status, field, and the message's gist.
    func testRefusals() {
        let limits = RequestLimits(maxBodyBytes: 4096, maxTokens: 50, maxCompletions: 4, maxStopStrings: 2)
        let user = #""messages": [{"role": "user", "content": "hi"}]"#
        let chat: [(String, Int, String?, String)] = [
            ("{not json", 400, nil, "could not parse the JSON body"),
            ("[1, 2]", 400, nil, "Invalid type for 'body'"),
            (#"{"messages": [{"role": "user"}]}"#, 400, "messages[0].content", "Missing required parameter"),
            ("{\(user), \"max_tokens\": 51}", 400, "max_tokens", "at most 50 (--max-tokens-limit)"),
            ("{\(user), \"max_completion_tokens\": 0}", 400, "max_completion_tokens", "at least 1"),
            ("{\(user), \"n\": 5}", 400, "n", "at most 4 completions together (--max-batch)"),
            ("{\(user), \"stop\": [\"a\", \"b\", \"c\"]}", 400, "stop", "at most 2 are allowed"),
            ("{\(user), \"top_k\": -1}", 400, "top_k", "top_k = -1 is out of range"),
            ("{\(user), \"min_p\": 2}", 400, "min_p", "out of range"),
            ("{\(user), \"presence_penalty\": 0.5}", 400, "presence_penalty", "not supported"),
            ("{\(user), \"logit_bias\": {\"1\": 2}}", 400, "logit_bias", "not supported"),
            ("{\(user), \"tools\": [{\"type\": \"function\"}]}", 400, "tools", "not supported"),
            ("{\(user), \"tools\": \"none\"}", 400, "tools", "expected an array"),
            ("{\(user), \"seed\": 18446744073709551616}", 400, nil, "an integer beyond 64 bits"),
            ("{\(user), \"n\": 1.5}", 400, nil, "a fraction or an exponent where an integer is expected"),
            ("{\(user), \"x\": \"\(String(repeating: "y", count: 4096))\"}", 413, nil, "limit of 4096 bytes"),
        ]
        for (body, status, param, message) in chat {
            XCTAssertThrowsError(try ChatCompletionRequest.decode(Array(body.utf8), limits: limits), String(body.prefix(80))) { error in
                check(error, status, param, message, body)
            }
        }
        let completions: [(String, Int, String?, String)] = [
            (#"{"prompt": {"a": 1}}"#, 400, "prompt", "expected a string, a list of strings"),
            (#"{"prompt": []}"#, 400, "prompt", "at least one prompt"),
            (#"{"prompt": "a", "echo": true}"#, 400, "echo", "not supported"),
            (#"{"prompt": "a", "suffix": "b"}"#, 400, "suffix", "not supported"),
            (#"{"prompt": "a", "best_of": 3}"#, 400, "best_of", "must equal n"),
            (#"{"prompt": "a", "logprobs": 5}"#, 400, "logprobs", "logprobs = 5 is not supported"),
        ]
        for (body, status, param, message) in completions {
            XCTAssertThrowsError(try CompletionRequest.decode(Array(body.utf8), limits: limits), body) { error in
                check(error, status, param, message, body)
            }
        }
        let rewards: [(String, Int, String?, String)] = [
            (#"{"reward": "#, 400, nil, "not valid JSON"),
            (#"["difflib"]"#, 400, nil, "must be a JSON object"),
            (#"{"completions": ["a"]}"#, 400, "reward", "Missing required parameter: 'reward'"),
            (#"{"reward": [], "completions": ["a"]}"#, 400, "reward", "non-empty list"),
            (#"{"reward": "rouge", "completions": ["a"]}"#, 400, "reward", "unknown reward 'rouge'"),
            (#"{"reward": "difflib", "completions": ["a", 3]}"#, 400, "completions", "completions[1]"),
            (#"{"reward": "difflib", "completions": ["a"], "prompts": [{}]}"#, 400, "prompts", "prompts[0]"),
            (#"{"reward": "difflib", "completions": ["a", "b"], "reference": ["a"]}"#, 400, "reference", "one value per completion (2)"),
        ]
        for (body, status, param, message) in rewards {
            XCTAssertThrowsError(try RewardRequest.decode(Array(body.utf8), limits: limits), body) { error in
                check(error, status, param, message, body)
            }
        }
    }

    /// JSON nests at most 512 levels (Foundation's parsers: a 400, at once, however deep), and no request type decodes
    /// recursively: `tools` nested 500 deep is counted, not walked, on a thread with a small stack.
    func testDeepJSONIsRefusedWithoutRecursion() throws {
        let user = #""messages": [{"role": "user", "content": "hi"}]"#
        for depth in [513, 200_000] {
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let start = Date()
            XCTAssertThrowsError(try ChatCompletionRequest.decode(Array("{\(user), \"user\": \(nested)}".utf8), limits: RequestLimits())) {
                XCTAssertEqual(($0 as? APIError)?.statusCode, 400)
            }
            XCTAssertThrowsError(try CompletionRequest.decode(Array("{\"prompt\": \(nested)}".utf8), limits: RequestLimits())) {
                XCTAssertEqual(($0 as? APIError)?.statusCode, 400)
            }
            XCTAssertThrowsError(try RewardRequest.decode(Array("{\"reward\": \"exact\", \"completions\": [\"a\"], \"reference\": [\(nested)]}".utf8),
                                                          limits: RequestLimits())) {
                XCTAssertEqual(($0 as? APIError)?.statusCode, 400)
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        }
        let tools = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                _ = try ChatCompletionRequest.decode(Array("{\(user), \"tools\": \(tools)}".utf8), limits: RequestLimits())
            } catch {
                outcome.error = error as? APIError
            }
            done.signal()
        }
        thread.stackSize = 512 << 10
        thread.start()
        done.wait()
        XCTAssertEqual(outcome.error?.param, "tools")
    }
}

/// The small-stack thread's error, written before it signals and read after the wait.
private final class Outcome: @unchecked Sendable {
    var error: APIError?
}

private func check(_ error: Error, _ status: Int, _ param: String?, _ message: String, _ body: String,
                   file: StaticString = #filePath, line: UInt = #line) {
    guard let error = error as? APIError else { return XCTFail("\(error) is not an APIError", file: file, line: line) }
    let body = String(body.prefix(80))
    XCTAssertEqual(error.statusCode, status, body, file: file, line: line)
    XCTAssertEqual(error.param, param, body, file: file, line: line)
    XCTAssertEqual(error.type, "invalid_request_error", body, file: file, line: line)
    XCTAssertTrue(error.message.contains(message), "\(body): \(error.message)", file: file, line: line)
}
