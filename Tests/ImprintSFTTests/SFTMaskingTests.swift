import Foundation
import ImprintCore
import ImprintSFT
import ImprintTokenizer
import XCTest

/// Completion-only masks under every chat template of the tokenizer fixtures (`Fixtures/templates.json`), with the
/// tiny byte-level tokenizer: the trained tokens decode to exactly the completion's render, never the prompt.
final class SFTMaskingTests: XCTestCase {
    let question = "Tell me about the owl story."
    let answer = "An owl taught the children to read the stars."
    let followUp = "Who was the owl?"
    let secondAnswer = "A wise old bird."

    func templates() throws -> [String: String] {
        try JSONDecoder().decode([String: String].self,
                                 from: Data(contentsOf: SFTFixtures.directory.appendingPathComponent("templates.json")))
    }

    /// The tiny tokenizer with `template` as its chat template.
    func tokenizer(template: String) throws -> PretrainedTokenizer {
        let folder = try SFTFixtures.scratchDirectory("template")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: SFTFixtures.tinyModel).appendingPathComponent("tokenizer.json"),
                                         to: folder.appendingPathComponent("tokenizer.json"))
        let config: [String: Any] = ["eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "bos_token": "<|im_start|>",
                                     "chat_template": template]
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        return try PretrainedTokenizer.load(modelPath: folder.path)
    }

    func split(_ example: SFTExample, _ tokenizer: PretrainedTokenizer) -> (trained: String, untrained: String) {
        (tokenizer.decode(zip(example.ids, example.completionMask).filter { $0.1 }.map(\.0)),
         tokenizer.decode(zip(example.ids, example.completionMask).filter { !$0.1 }.map(\.0)))
    }

    func testFixtureHoldsTheTokenizerTestsTemplates() throws {
        XCTAssertEqual(try templates().count, 11)
    }

    func testPromptCompletionTrainsOnlyTheCompletionUnderEveryTemplate() throws {
        for (name, template) in try templates().sorted(by: { $0.key < $1.key }) {
            let tokenizer = try tokenizer(template: template)
            let prompt = [ChatMessage.user(question)], completion = [ChatMessage.assistant(answer)]
            let example = try SFTExampleEncoder(tokenizer: tokenizer, maxLength: 8192)
                .encode(.conversationalPromptCompletion(prompt: prompt, completion: completion))
            let promptText = try tokenizer.applyChatTemplate([("user", question)], addGenerationPrompt: true)
            let fullText = try tokenizer.applyChatTemplate([("user", question), ("assistant", answer)], addGenerationPrompt: false)
            XCTAssertTrue(fullText.hasPrefix(promptText), name)
            let (trained, untrained) = split(example, tokenizer)
            XCTAssertEqual(untrained, promptText, name)
            XCTAssertEqual(trained, String(fullText.dropFirst(promptText.count)), name)
            XCTAssertTrue(trained.contains(answer), "\(name): \(trained)")
        }
    }

    /// Templates whose render of a conversation's first turns is not a prefix of the whole render, so assistant
    /// turns before the last cannot be located by prefixes: Qwen3 adds an empty think block only to the last
    /// assistant turn, Phi-3.5 ends every render without a generation prompt with the EOS token. TRL needs
    /// `{% generation %}` blocks for these; here a multi-turn row is refused with a typed error.
    let rewritingTemplates: Set<String> = ["Qwen-Qwen3-0.6B", "microsoft-Phi-3.5-mini-instruct"]

    func testMessagesTrainOnlyAssistantTurnsUnderEveryTemplate() throws {
        for (name, template) in try templates().sorted(by: { $0.key < $1.key }) {
            let tokenizer = try tokenizer(template: template)
            let encoder = SFTExampleEncoder(tokenizer: tokenizer, maxLength: 8192)
            let singleTurn = try encoder.encode(.conversation([.user(question), .assistant(answer)]))
            let (trained, untrained) = split(singleTurn, tokenizer)
            XCTAssertTrue(trained.contains(answer) && !trained.contains(question), "\(name): \(trained)")
            XCTAssertTrue(untrained.contains(question) && !untrained.contains(answer), "\(name): \(untrained)")

            let messages: [ChatMessage] = [.user(question), .assistant(answer), .user(followUp), .assistant(secondAnswer)]
            guard !rewritingTemplates.contains(name) else {
                XCTAssertThrowsError(try encoder.encode(.conversation(messages)), name) { error in
                    XCTAssertEqual(error as? AssistantMaskError, .prefixMismatch(messageIndex: 1), name)
                }
                continue
            }
            let example = try encoder.encode(.conversation(messages))
            let (multiTrained, multiUntrained) = split(example, tokenizer)
            XCTAssertTrue(multiTrained.contains(answer) && multiTrained.contains(secondAnswer), "\(name): \(multiTrained)")
            XCTAssertFalse(multiTrained.contains(question) || multiTrained.contains(followUp), "\(name): \(multiTrained)")
            XCTAssertTrue(multiUntrained.contains(question) && multiUntrained.contains(followUp), "\(name): \(multiUntrained)")
            let all = try SFTExampleEncoder(tokenizer: tokenizer, completionOnlyLoss: false, maxLength: 8192)
                .encode(.conversation(messages))
            XCTAssertEqual(all.ids, example.ids, name)
            XCTAssertTrue(all.completionMask.allSatisfy { $0 }, name)
        }
    }
}
