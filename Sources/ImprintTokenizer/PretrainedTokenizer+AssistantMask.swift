import Foundation

/// A rendered conversation with the tokens that belong to assistant turns marked, for completion-only SFT.
public struct MaskedConversation: Sendable, Equatable {
    /// The chat template's render of the whole conversation.
    public let text: String
    /// `encode(text, addSpecialTokens: false)`, as `apply_chat_template(tokenize=True)` encodes.
    public let ids: [Int]
    /// `assistantMask[i]` is true when token `i` overlaps an assistant turn's content.
    public let assistantMask: [Bool]
    /// The assistant spans in `text`, as UTF-8 byte offsets.
    public let assistantSpans: [Range<Int>]
}

/// Why assistant spans could not be derived.
public enum AssistantMaskError: Error, CustomStringConvertible, Equatable {
    /// Rendering the conversation up to message `messageIndex` is not a prefix of the full render (the template
    /// rewrites earlier turns, e.g. drops reasoning), so the turn cannot be located by prefixes.
    case prefixMismatch(messageIndex: Int)
    /// Token byte lengths do not add up to the text (a normalizer changed the text), so tokens cannot be aligned.
    case unalignedTokens(textBytes: Int, tokenBytes: Int)

    public var description: String {
        switch self {
        case .prefixMismatch(let index):
            return "the chat template's render up to message \(index) is not a prefix of the full render"
        case .unalignedTokens(let textBytes, let tokenBytes):
            return "tokens cover \(tokenBytes) bytes but the text has \(textBytes); cannot align the assistant mask"
        }
    }
}

extension PretrainedTokenizer {
    /// Renders `messages` and marks the tokens of every assistant turn, deriving the turns from renders of
    /// prefixes (no `{% generation %}` block needed): an assistant turn starts where the render of the messages
    /// before it with `add_generation_prompt=True` ends, and ends where the render through it ends, minus
    /// trailing whitespace (so the end-of-turn token is trained, the newline after it is not).
    ///
    /// - Throws: `TemplateError`, `AssistantMaskError` when the template rewrites earlier turns, or
    ///   `TokenizerError.missingField` when there is no chat template.
    /// - Parameter template: the template to render with; the tokenizer's own when nil.
    public func encodeConversation(_ messages: [JinjaValue], template: ChatTemplate? = nil, tools: [JinjaValue]? = nil,
                                   variables: [String: JinjaValue] = [:]) throws -> MaskedConversation {
        let chatTemplate = try template ?? compiledChatTemplate()
        let context = specialTokenVariables.merging(variables) { $1 }
        func render(_ messages: [JinjaValue], _ addGenerationPrompt: Bool) throws -> String {
            try chatTemplate.render(messages: messages, addGenerationPrompt: addGenerationPrompt, tools: tools, variables: context)
        }
        let text = try render(messages, false)
        let textBytes = Array(text.utf8)
        var spans: [Range<Int>] = []
        for (index, message) in messages.enumerated() {
            guard case .object(let fields) = message, fields["role"] == .string("assistant") else { continue }
            var beforeBytes = Array(try render(Array(messages[..<index]), true).utf8)
            var throughBytes = Array(try render(Array(messages[...index]), false).utf8)
            if !textBytes.starts(with: beforeBytes) {
                // Templates that write something only once a conversation has messages (SmolLM2's and Qwen2's
                // default system prompt before a first message that is not a system one) render the messages
                // before an opening assistant turn differently from the conversation's start. The turn's
                // content then starts where two renders that differ only in its content part ways.
                beforeBytes = try contentStart(of: fields, after: Array(messages[..<index]), render: render)
            }
            guard textBytes.starts(with: beforeBytes), textBytes.starts(with: throughBytes), beforeBytes.count <= throughBytes.count else {
                throw AssistantMaskError.prefixMismatch(messageIndex: index)
            }
            while throughBytes.count > beforeBytes.count, let last = throughBytes.last, [0x20, 0x0A, 0x0D, 0x09].contains(last) {
                throughBytes.removeLast()
            }
            spans.append(beforeBytes.count..<throughBytes.count)
        }
        let ids = encode(text, addSpecialTokens: false)
        let tokenRanges = try byteRanges(of: ids, textByteCount: textBytes.count)
        let mask = tokenRanges.map { range in spans.contains { $0.overlaps(range) } }
        return MaskedConversation(text: text, ids: ids, assistantMask: mask, assistantSpans: spans)
    }

    /// The render of `earlier` followed by the assistant message `fields` up to where its content starts: the common
    /// prefix of two renders whose contents differ in their first byte.
    private func contentStart(of fields: OrderedDictionary, after earlier: [JinjaValue],
                              render: ([JinjaValue], Bool) throws -> String) throws -> [UInt8] {
        func rendered(_ content: String) throws -> [UInt8] {
            var message = fields
            message["content"] = .string(content)
            return Array(try render(earlier + [.object(message)], false).utf8)
        }
        let (first, second) = (try rendered("A"), try rendered("B"))
        let common = zip(first, second).prefix { $0 == $1 }.count
        return Array(first[..<common])
    }

    /// The UTF-8 byte range of `text` each token of `encode(text, addSpecialTokens: false)` covers.
    func byteRanges(of ids: [Int], textByteCount: Int) throws -> [Range<Int>] {
        let byteLevel = decoder.map(Self.containsByteLevel) ?? false
        var lengths: [Int] = ids.map { id in
            guard let token = idToToken(id) else { return 0 }
            if addedTokensById[id] != nil { return token.utf8.count }
            if byteLevel { return ByteLevelAlphabet.bytes(of: token)?.count ?? token.utf8.count }
            if Decoder.fallbackByte(token) != nil { return 1 }
            return LiteralText.replacing("▁", with: " ", in: token).utf8.count
        }
        var total = lengths.reduce(0, +)
        // A SentencePiece prefix space ("▁" prepended by the normalizer) is not in the text.
        if total == textByteCount + 1, let first = lengths.indices.first(where: { lengths[$0] > 0 }) {
            lengths[first] -= 1
            total -= 1
        }
        guard total == textByteCount else { throw AssistantMaskError.unalignedTokens(textBytes: textByteCount, tokenBytes: total) }
        var ranges: [Range<Int>] = []
        var offset = 0
        for length in lengths {
            ranges.append(offset..<(offset + length))
            offset += length
        }
        return ranges
    }

    private static func containsByteLevel(_ decoder: Decoder) -> Bool {
        switch decoder {
        case .byteLevel: return true
        case .sequence(let steps): return steps.contains(where: containsByteLevel)
        default: return false
        }
    }
}
