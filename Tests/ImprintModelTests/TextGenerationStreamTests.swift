import ImprintCore
import XCTest
@testable import ImprintModel

/// The text of a streamed completion arrives as it becomes final: an incomplete character and a possible start
/// of a stop string wait, and the pieces put back together are the completion's text.
final class TextGenerationStreamTests: XCTestCase {
    /// A toy detokenizer: token 1 is "x", 2 "a", 3 "b", 4 "c"; tokens 9, 10 are the two bytes of "é" (9 alone
    /// decodes to U+FFFD, as a byte-level tokenizer decodes half a character).
    let decode: @Sendable ([Int]) -> String = { tokens in
        var text = ""
        var index = 0
        while index < tokens.count {
            switch tokens[index] {
            case 9 where index + 1 < tokens.count && tokens[index + 1] == 10: text += "é"; index += 1
            case 9: text += "\u{FFFD}"
            default: text += ["", "x", "a", "b", "c"][tokens[index] % 5]
            }
            index += 1
        }
        return text
    }

    func events(_ tokens: [Int], end: SequenceEnd, stop: [String]) async throws -> [TextGenerationEvent] {
        let (stream, continuation) = AsyncThrowingStream<DecodingEvent, Error>.makeStream()
        for token in tokens { continuation.yield(.token(completion: 0, token: token, logProbability: -1)) }
        continuation.yield(.finished(completion: 0, end: end))
        continuation.finish()
        var all: [TextGenerationEvent] = []
        for try await event in TextGenerationStream(events: stream, promptTokenCount: 3, completions: 1, stop: stop, decode: decode) {
            all.append(event)
        }
        return all
    }

    func texts(_ events: [TextGenerationEvent]) -> [String] {
        events.map {
            switch $0 {
            case let .token(_, _, _, text): return text
            case let .finished(_, text, _): return text
            }
        }
    }

    func testIncompleteCharactersWait() async throws {
        let events = try await events([1, 9, 10, 1], end: .length, stop: [])
        XCTAssertEqual(texts(events), ["x", "", "é", "x", ""])
        guard case let .finished(_, _, result) = events.last else { return XCTFail("no end") }
        XCTAssertEqual(result, Completion(text: "xéx", tokenIds: [1, 9, 10, 1], finishReason: .length, promptTokenCount: 3,
                                          logProbabilities: [-1, -1, -1, -1]))
    }

    /// "a" may start the stop string "ab": it waits; "ac" proves it was not one; "ab" ends the text before it.
    func testPossibleStopStringsWait() async throws {
        let stopped = try await events([1, 2, 4, 2, 3], end: .stopString, stop: ["ab"])
        XCTAssertEqual(texts(stopped), ["x", "", "ac", "", "", ""])
        let cut = try await events([1, 2], end: .length, stop: ["ab"])
        XCTAssertEqual(texts(cut), ["x", "", "a"])
        let events = try await events([2, 2, 3, 1], end: .stopString, stop: ["ab", "bx"])
        XCTAssertEqual(texts(events).joined(), "a")
        guard case let .finished(_, _, result) = events.last else { return XCTFail("no end") }
        XCTAssertEqual(result.text, "a")
        XCTAssertEqual(result.finishReason, .stop)
    }
}
