import Foundation

extension Tokenizer {
    /// The variables `transformers` adds from `special_tokens_map`: `bos_token`, `eos_token`, `unk_token`,
    /// `pad_token`, each only when the tokenizer has it.
    public var specialTokenVariables: [String: JinjaValue] {
        var variables: [String: JinjaValue] = [:]
        if let bosToken { variables["bos_token"] = .string(bosToken) }
        if let eosToken { variables["eos_token"] = .string(eosToken) }
        if let unknownToken { variables["unk_token"] = .string(unknownToken) }
        if let padToken { variables["pad_token"] = .string(padToken) }
        return variables
    }

    /// Renders `messages` with the tokenizer's chat template, as `apply_chat_template(messages, tokenize=False)`.
    ///
    /// - Parameters:
    ///   - messages: `{"role": ..., "content": ...}` objects (see `JinjaValue.message(role:content:)`).
    ///   - addGenerationPrompt: append the assistant header that starts the model's turn.
    ///   - tools: JSON-schema tool descriptions, passed as `tools`.
    ///   - variables: extra template variables; they override the special tokens.
    ///   - now: the time `strftime_now` formats (`nil`: the real clock, as transformers does).
    /// - Throws: `TokenizerError.missingField` when there is no template; `TemplateError` from the template.
    public func applyChatTemplate(messages: [JinjaValue], addGenerationPrompt: Bool, tools: [JinjaValue]? = nil,
                                  variables: [String: JinjaValue] = [:], now: Date? = nil) throws -> String {
        let template = try compiledChatTemplate()
        return try template.render(messages: messages, addGenerationPrompt: addGenerationPrompt, tools: tools,
                                   variables: specialTokenVariables.merging(variables) { $1 }, now: now)
    }

    /// Renders plain `(role, content)` messages with the tokenizer's chat template.
    public func applyChatTemplate(_ messages: [(role: String, content: String)], addGenerationPrompt: Bool) throws -> String {
        try applyChatTemplate(messages: messages.map { .message(role: $0.role, content: $0.content) },
                              addGenerationPrompt: addGenerationPrompt)
    }

    /// The parsed chat template. - Throws: `TokenizerError.missingField` when the tokenizer has none.
    public func compiledChatTemplate() throws -> ChatTemplate {
        if let cached = (self as? PretrainedTokenizer)?.cachedChatTemplate { return try cached.get() }
        guard let chatTemplate else { throw TokenizerError.missingField(file: "(tokenizer)", field: "chat_template") }
        return try ChatTemplate(chatTemplate)
    }
}
