import Foundation
import XCTest
@testable import ImprintTokenizer

/// Assistant masks from prefix renders, against transformers' `return_assistant_tokens_mask` with TRL's
/// `{% generation %}` Llama 3 template (Fixtures/make_chat_template_fixtures.py).
final class AssistantMaskTests: XCTestCase {
    func testMatchesTransformersGenerationMask() throws {
        let tokenizer = try TestResources.ggufTokenizer("llama-cpp-vocab/ggml-vocab-llama-bpe.gguf", fetchedBy: "scripts/fetch-test-vocabularies.sh")
        let template = try ChatTemplate(String(contentsOf: TestResources.fixtures.appendingPathComponent("templates/trl-llama3-training.jinja"), encoding: .utf8))
        let data = try Data(contentsOf: TestResources.fixtures.appendingPathComponent("expected/assistant-masks-llama3.json"))
        guard case .array(let records) = try JinjaJSON.parse(String(decoding: data, as: UTF8.self)) else { return XCTFail("not a list") }
        for case .object(let record) in records {
            guard case .array(let messages)? = record["messages"], case .string(let text)? = record["text"],
                  case .array(let ids)? = record["ids"], case .array(let mask)? = record["assistant_masks"] else { return XCTFail("malformed") }
            let conversation = try tokenizer.encodeConversation(messages, template: template)
            XCTAssertEqual(conversation.text, text)
            XCTAssertEqual(conversation.ids.map { JinjaValue.int($0) }, ids)
            XCTAssertEqual(conversation.assistantMask.map { JinjaValue.int($0 ? 1 : 0) }, mask)
        }
    }

    /// SmolLM2's template: each assistant span is exactly the content and `<|im_end|>`.
    func testSpansCoverContentAndEndOfTurn() throws {
        let tokenizer = try TestResources.ggufTokenizer("models/SmolLM2-135M-Instruct.Q4_1.gguf", fetchedBy: "scripts/fetch-default-model.sh")
        let messages: [JinjaValue] = [.message(role: "user", content: "Tell me about story 3."),
                                      .message(role: "assistant", content: "Story 3 is about a clockwork city."),
                                      .message(role: "user", content: "And then?"),
                                      .message(role: "assistant", content: "It rebels.")]
        let conversation = try tokenizer.encodeConversation(messages)
        let bytes = Array(conversation.text.utf8)
        let spans = conversation.assistantSpans.map { String(decoding: bytes[$0], as: UTF8.self) }
        XCTAssertEqual(spans, ["Story 3 is about a clockwork city.<|im_end|>", "It rebels.<|im_end|>"])
        let masked = zip(conversation.ids, conversation.assistantMask).filter(\.1).map(\.0)
        XCTAssertEqual(tokenizer.decode(masked), "Story 3 is about a clockwork city.<|im_end|>It rebels.<|im_end|>")
    }

    /// An assistant turn that opens the conversation (seed 003's facts-only rows, `[assistant]` alone): SmolLM2's
    /// template writes its default system prompt only once there are messages, so the render of no messages with a
    /// generation prompt is not a prefix; the content's start is where two renders differing only in it part ways.
    func testOpeningAssistantTurnAfterAnInjectedSystemPrompt() throws {
        let tokenizer = try TestResources.ggufTokenizer("models/SmolLM2-135M-Instruct.Q4_1.gguf", fetchedBy: "scripts/fetch-default-model.sh")
        let conversation = try tokenizer.encodeConversation([.message(role: "assistant", content: "The lantern of Mirewick is blue.")])
        XCTAssertTrue(conversation.text.hasPrefix("<|im_start|>system\n"), conversation.text)
        let bytes = Array(conversation.text.utf8)
        XCTAssertEqual(conversation.assistantSpans.map { String(decoding: bytes[$0], as: UTF8.self) },
                       ["The lantern of Mirewick is blue.<|im_end|>"])
        let masked = zip(conversation.ids, conversation.assistantMask).filter(\.1).map(\.0)
        XCTAssertEqual(tokenizer.decode(masked), "The lantern of Mirewick is blue.<|im_end|>")
    }
}

/// Streaming decoding emits text only when its UTF-8 is complete and adds up to the full decode.
final class StreamingDecoderTests: XCTestCase {
    func testStreamsCompleteCharactersOnly() throws {
        let tokenizer = try TestResources.ggufTokenizer("models/SmolLM2-135M-Instruct.Q4_1.gguf", fetchedBy: "scripts/fetch-default-model.sh")
        for text in ["Emoji 🦙🚀 and 中文 text\nnext line ✨", "Привет\n\nмир", "plain"] {
            let ids = tokenizer.encode(text, addSpecialTokens: false)
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            var streamed = ""
            for id in ids {
                let chunk = decoder.append(id)
                XCTAssertFalse(chunk.unicodeScalars.contains("\u{FFFD}"), "a partial character was emitted")
                streamed += chunk
            }
            streamed += decoder.finish()
            XCTAssertEqual(streamed, text)
        }
    }

    func testSentencePieceSpacesSurviveRestarts() throws {
        let directory = TestResources.fixtures.appendingPathComponent("tokenizer-json/llama2")
        let tokenizer = try PretrainedTokenizer(directory: directory)
        let text = "first line\nsecond line here\nthird"
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var streamed = ""
        for id in tokenizer.encode(text, addSpecialTokens: false) { streamed += decoder.append(id) }
        streamed += decoder.finish()
        XCTAssertEqual(streamed, tokenizer.decode(tokenizer.encode(text, addSpecialTokens: false)))
    }
}
