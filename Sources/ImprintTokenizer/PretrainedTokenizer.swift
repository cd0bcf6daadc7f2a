import Foundation

/// The tokenizer pipeline of HF `tokenizers`: added tokens are split off the raw text, every other stretch is
/// normalized, pre-tokenized into words and encoded by byte-pair merges, then the post-processor adds the
/// special tokens. Built from `tokenizer.json` (`PretrainedTokenizer(directory:)`) or from GGUF metadata
/// (`PretrainedTokenizer(gguf:)`).
public final class PretrainedTokenizer: Tokenizer, @unchecked Sendable {
    let model: TokenizerModel
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor?
    let decoder: Decoder?
    /// Added tokens matched on the raw text (`normalized: false`).
    private let rawTokenMatcher: AddedTokenMatcher
    /// Added tokens matched on normalized text (`normalized: true`).
    private let normalizedTokenMatcher: AddedTokenMatcher
    let addedTokensById: [Int: AddedToken]
    private let addedTokensByContent: [String: AddedToken]
    /// `tokenStrings[id]`: the token of every id, added tokens included ("" for holes).
    private let tokenStrings: [String]
    /// When the pre-tokenizer ends with `ByteLevel` (most byte-level families): the steps before it, its options and
    /// the BPE model, so that words reach the model as raw text (`BytePairModel.encodeByteLevel`).
    private let byteLevelTail: (leading: PreTokenizer?, addPrefixSpace: Bool, useRegex: Bool, model: BytePairModel)?
    /// Whether `decode` applies transformers' `clean_up_tokenization` (`" ."` -> `"."`, ...).
    let cleansUpTokenizationSpaces: Bool

    public let bosToken: String?
    public let eosToken: String?
    public let padToken: String?
    public let unknownToken: String?
    public let chatTemplate: String?
    /// The added tokens, in id order.
    public let addedTokens: [AddedToken]
    /// The chat template, parsed once (nil when there is none).
    let cachedChatTemplate: Result<ChatTemplate, Error>?

    init(model: TokenizerModel, normalizer: Normalizer?, preTokenizer: PreTokenizer?, postProcessor: PostProcessor?,
         decoder: Decoder?, addedTokens: [AddedToken], bosToken: String?, eosToken: String?, padToken: String?,
         unknownToken: String?, chatTemplate: String?, cleansUpTokenizationSpaces: Bool) {
        self.model = model
        switch (preTokenizer, model.bytePair) {
        case (.byteLevel(let addPrefixSpace, let useRegex)?, let bytePair?):
            byteLevelTail = (nil, addPrefixSpace, useRegex, bytePair)
        case (.sequence(let steps)?, let bytePair?) where steps.count > 1:
            if case .byteLevel(let addPrefixSpace, let useRegex) = steps.last!,
               !steps.dropLast().contains(where: { if case .byteLevel = $0 { return true } else { return false } }) {
                byteLevelTail = (steps.count == 2 ? steps[0] : .sequence(Array(steps.dropLast())), addPrefixSpace, useRegex, bytePair)
            } else {
                byteLevelTail = nil
            }
        default:
            byteLevelTail = nil
        }
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedTokens = addedTokens.sorted { $0.id < $1.id }
        rawTokenMatcher = AddedTokenMatcher(addedTokens.filter { !$0.normalized || normalizer == nil })
        normalizedTokenMatcher = AddedTokenMatcher(normalizer == nil ? [] : addedTokens.filter(\.normalized))
        var byId: [Int: AddedToken] = [:]
        var byContent: [String: AddedToken] = [:]
        for token in addedTokens {
            byId[token.id] = token
            byContent[token.content] = token
        }
        addedTokensById = byId
        addedTokensByContent = byContent
        let count = max(model.tokens.count, (addedTokens.map(\.id).max() ?? -1) + 1)
        var strings = model.tokens + Array(repeating: "", count: count - model.tokens.count)
        for token in addedTokens { strings[token.id] = token.content }
        tokenStrings = strings
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.padToken = padToken
        self.unknownToken = unknownToken
        self.chatTemplate = chatTemplate
        self.cachedChatTemplate = chatTemplate.map { source in Result { try ChatTemplate(source) } }
        self.cleansUpTokenizationSpaces = cleansUpTokenizationSpaces
    }

    public var vocabularySize: Int { tokenStrings.count }

    public func tokenToId(_ token: String) -> Int? {
        addedTokensByContent[token]?.id ?? model.vocabulary[token]
    }

    public func idToToken(_ id: Int) -> String? {
        guard id >= 0 && id < tokenStrings.count else { return nil }
        return tokenStrings[id]
    }

    public func isSpecial(_ id: Int) -> Bool { addedTokensById[id]?.special ?? false }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        for (index, segment) in rawTokenMatcher.split(text[...]).enumerated() {
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(let raw):
                let normalized = normalizer?.apply(String(raw)) ?? String(raw)
                for part in normalizedTokenMatcher.split(normalized[...]) {
                    switch part {
                    case .token(let id):
                        ids.append(id)
                    case .text(let piece):
                        encodeWords(String(piece), isFirstSegment: index == 0, into: &ids)
                    }
                }
            }
        }
        if addSpecialTokens, let postProcessor { return postProcessor.apply(ids) }
        return ids
    }

    /// Encodes every text, spreading the texts over the processor's cores (the word cache is shared).
    public func encode(batch texts: [String], addSpecialTokens: Bool) -> [[Int]] {
        var results = [[Int]](repeating: [], count: texts.count)
        let workers = min(texts.count, ProcessInfo.processInfo.activeProcessorCount)
        guard workers > 1 else { return texts.map { encode($0, addSpecialTokens: addSpecialTokens) } }
        results.withUnsafeMutableBufferPointer { output in
            let buffer = output
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var index = worker
                while index < texts.count {
                    buffer[index] = encode(texts[index], addSpecialTokens: addSpecialTokens)
                    index += workers
                }
            }
        }
        return results
    }

    /// Pre-tokenizes normalized text and appends the ids of every word.
    private func encodeWords(_ text: String, isFirstSegment: Bool, into ids: inout [Int]) {
        if let byteLevelTail {
            let pieces = byteLevelTail.leading?.apply([text], isFirstSegment: isFirstSegment) ?? [text]
            for var piece in pieces {
                if byteLevelTail.addPrefixSpace && !LiteralText.hasPrefix(piece, " ") { piece = " " + piece }
                if byteLevelTail.useRegex {
                    for word in PreTokenizer.split(piece, pattern: .known(.gpt2), behavior: .isolated, invert: false) {
                        byteLevelTail.model.encodeByteLevel(word, into: &ids)
                    }
                } else {
                    byteLevelTail.model.encodeByteLevel(piece, into: &ids)
                }
            }
            return
        }
        guard let preTokenizer else {
            model.encode(text, into: &ids)
            return
        }
        for word in preTokenizer.apply([text], isFirstSegment: isFirstSegment) {
            model.encode(word, into: &ids)
        }
    }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        let tokens = tokens(of: ids, skipSpecialTokens: skipSpecialTokens)
        let text = decoder?.decode(tokens) ?? tokens.joined(separator: " ")
        return cleansUpTokenizationSpaces ? Self.cleanUpTokenization(text) : text
    }

    /// The token strings of `ids`, special tokens dropped when asked; ids out of range are skipped as HF does.
    func tokens(of ids: [Int], skipSpecialTokens: Bool) -> [String] {
        ids.compactMap { id in
            guard id >= 0 && id < tokenStrings.count else { return nil }
            if skipSpecialTokens && isSpecial(id) { return nil }
            return tokenStrings[id]
        }
    }

    /// transformers' `clean_up_tokenization`: removes the space before punctuation and English contractions.
    static func cleanUpTokenization(_ text: String) -> String {
        var result = text
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            result = LiteralText.replacing(from, with: to, in: result)
        }
        return result
    }
}
