import Foundation
import ImprintFormats

extension PretrainedTokenizer {
    /// Builds a BERT WordPiece tokenizer from a GGUF file (`tokenizer.ggml.model` `bert`), as transformers'
    /// `BertTokenizer` does: `BertNormalizer` (lowercasing and accent stripping from
    /// `tokenizer.ggml.normalizer.lowercase`/`strip_accents`, both on by default as in llama.cpp), `BertPreTokenizer`,
    /// WordPiece with `##` continuations and the `WordPiece` decoder. With special tokens, CLS
    /// (`tokenizer.ggml.bos_token_id`, else `cls_token_id`) comes first and SEP (`seperator_token_id`) last, as
    /// llama.cpp and BERT's template add them.
    ///
    /// llama.cpp's converter stores the vocabulary with a phantom space: a word-initial piece `p` as `▁p`, a
    /// continuation `##p` as `p`, bracketed specials (`[CLS]`) unchanged. The original spellings are restored here,
    /// so that `idToToken` and `decode` give what transformers gives.
    ///
    /// - Throws: `TokenizerError` naming the file and the key when the unknown token is missing.
    convenience init(ggufWordPiece file: GGUFFile) throws {
        let metadata = file.metadata
        let path = file.url.path
        let stored = try metadata.strings("tokenizer.ggml.tokens")
        let types = try Self.ggufTokenTypes(metadata, count: stored.count, file: path)
        let tokens = stored.map(Self.wordPieceSpelling)
        var vocabulary = Vocabulary()
        vocabulary.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = id }

        func tokenId(_ keys: String...) throws -> Int? {
            for key in keys {
                if let id = try metadata.intIfPresent(key), id >= 0, id < tokens.count { return id }
            }
            return nil
        }
        guard let unknownId = try tokenId("tokenizer.ggml.unknown_token_id") ?? vocabulary["[UNK]"] else {
            throw TokenizerError.missingField(file: path, field: "tokenizer.ggml.unknown_token_id")
        }
        let classifierId = try tokenId("tokenizer.ggml.bos_token_id", "tokenizer.ggml.cls_token_id")
        let separatorId = try tokenId("tokenizer.ggml.seperator_token_id")
        let lowercase = try metadata.boolIfPresent("tokenizer.ggml.normalizer.lowercase") ?? true
        let stripAccents = try metadata.boolIfPresent("tokenizer.ggml.normalizer.strip_accents") ?? lowercase

        let addedTokens = Self.ggufAddedTokens(tokens, types: types)
        var template: [PostProcessor.Piece] = []
        if let classifierId { template.append(.special([classifierId])) }
        template.append(.sequence)
        if let separatorId { template.append(.special([separatorId])) }
        let model = WordPieceModel(tokens: tokens, vocabulary: vocabulary, unknownId: unknownId)
        self.init(model: .wordPiece(model),
                  normalizer: .bert(BertNormalization(cleanText: true, handleChineseCharacters: true,
                                                      stripAccents: stripAccents, lowercase: lowercase)),
                  preTokenizer: .sequence([.whitespaceSplit, .punctuation(behavior: .isolated)]),
                  postProcessor: template.count > 1 ? .template(template) : nil,
                  decoder: .wordPiece(prefix: "##", cleanup: true), addedTokens: addedTokens,
                  bosToken: classifierId.map { tokens[$0] }, eosToken: try tokenId("tokenizer.ggml.eos_token_id").map { tokens[$0] },
                  padToken: try tokenId("tokenizer.ggml.padding_token_id").map { tokens[$0] },
                  unknownToken: tokens[unknownId], chatTemplate: try metadata.stringIfPresent("tokenizer.chat_template"),
                  cleansUpTokenizationSpaces: false)
    }

    /// The WordPiece spelling of a phantom-space GGUF token: `▁p` -> `p`, `[X]` -> `[X]`, `p` -> `##p`.
    static func wordPieceSpelling(_ stored: String) -> String {
        if LiteralText.hasPrefix(stored, "[") && stored.utf8.last == UInt8(ascii: "]") { return stored }
        if LiteralText.hasPrefix(stored, "▁") { return String(decoding: stored.utf8.dropFirst(3), as: UTF8.self) }
        return "##" + stored
    }
}
