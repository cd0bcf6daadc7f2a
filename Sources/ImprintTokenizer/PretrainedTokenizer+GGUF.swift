import Foundation
import ImprintFormats

extension PretrainedTokenizer {
    /// GGUF `tokenizer.ggml.token_type` values (llama.cpp `llama_token_type`).
    enum GGUFTokenType: Int {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// Loads the tokenizer stored in a GGUF file's `tokenizer.ggml.*` metadata.
    public convenience init(ggufPath path: String) throws {
        try self.init(gguf: try GGUFFile(path: path))
    }

    /// Builds the tokenizer from `tokenizer.ggml.*` metadata, reproducing the Hugging Face tokenizer the file
    /// was converted from, with the special tokens llama.cpp's `llama_vocab` adds.
    ///
    /// `tokenizer.ggml.model`:
    /// - `gpt2`: byte-level BPE; `tokenizer.ggml.pre` selects the family's pre-tokenizer (`GGUFBytePairFamily`).
    /// - `llama`: SentencePiece BPE: merges follow the scores, `▁` for spaces, `<0xNN>` byte fallback, as
    ///   transformers' `LlamaConverter` builds it.
    /// - `gemma4`: BPE over raw UTF-8 with the file's merges, spaces as `▁`, no prefix space, `<0xNN>` byte
    ///   fallback (transformers' `GemmaTokenizer`).
    /// - `bert`: WordPiece with BERT's normalizer and pre-tokenizer (`PretrainedTokenizer+GGUFWordPiece.swift`).
    /// - `t5`: SentencePiece Unigram with the file's precompiled charsmap (`PretrainedTokenizer+GGUFUnigram.swift`).
    ///
    /// Special tokens follow llama.cpp (src/llama-vocab.cpp): `tokenizer.ggml.add_bos_token` and `add_eos_token`
    /// when present; otherwise SentencePiece adds BOS, byte-level BPE adds BOS only for the pre-tokenizers llama.cpp
    /// names (Llama 3), and neither adds EOS. Gemma 4 always adds BOS. WordPiece adds CLS before and SEP after.
    ///
    /// - Throws: `TokenizerError.unsupportedType` naming the file and `tokenizer.ggml.model` or
    ///   `tokenizer.ggml.pre`; `FormatError` for missing or mistyped keys.
    public convenience init(gguf file: GGUFFile) throws {
        let metadata = file.metadata
        let path = file.url.path
        let modelType = try metadata.string("tokenizer.ggml.model")
        if modelType == "bert" {
            try self.init(ggufWordPiece: file)
            return
        }
        if modelType == "t5" {
            try self.init(ggufUnigram: file)
            return
        }
        let tokens = try metadata.strings("tokenizer.ggml.tokens")
        let types = try Self.ggufTokenTypes(metadata, count: tokens.count, file: path)
        var vocabulary = Vocabulary()
        vocabulary.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = id }

        func tokenString(_ key: String) throws -> String? {
            guard let id = try metadata.intIfPresent(key), id >= 0, id < tokens.count else { return nil }
            return tokens[id]
        }
        let bosToken = try tokenString("tokenizer.ggml.bos_token_id")
        let eosToken = try tokenString("tokenizer.ggml.eos_token_id")
        let unknownToken = try tokenString("tokenizer.ggml.unknown_token_id")
            ?? types.firstIndex(of: GGUFTokenType.unknown.rawValue).map { tokens[$0] }
        let chatTemplate = try metadata.stringIfPresent("tokenizer.chat_template")

        let model: BytePairModel
        let normalizer: Normalizer?
        let preTokenizer: PreTokenizer?
        let decoder: Decoder
        var addsBOS: Bool
        switch modelType {
        case "gpt2":
            let family = try GGUFBytePairFamily(try metadata.stringIfPresent("tokenizer.ggml.pre") ?? "default", file: path)
            model = BytePairModel(tokens: tokens, vocabulary: vocabulary, merges: try Self.ggufMerges(metadata, file: path),
                                  ignoreMerges: family.ignoreMerges, byteFallback: false, unknownId: nil, fuseUnknown: false)
            normalizer = family.normalizer
            preTokenizer = family.preTokenizer
            decoder = .byteLevel
            addsBOS = try metadata.boolIfPresent("tokenizer.ggml.add_bos_token") ?? family.addsBOSByDefault
        case "llama":
            let scores = try metadata.floats("tokenizer.ggml.scores")
            guard scores.count == tokens.count else {
                throw TokenizerError.invalidField(file: path, field: "tokenizer.ggml.scores",
                                                  expected: "\(tokens.count) entries, one per token (found \(scores.count))")
            }
            model = BytePairModel(tokens: tokens, vocabulary: vocabulary,
                                  merges: Self.sentencePieceMerges(tokens: tokens, scores: scores, vocabulary: vocabulary),
                                  ignoreMerges: false, byteFallback: true,
                                  unknownId: unknownToken.flatMap { vocabulary[$0] }, fuseUnknown: true)
            let addsSpacePrefix = try metadata.boolIfPresent("tokenizer.ggml.add_space_prefix") ?? true
            let replace = Normalizer.replace(pattern: .literal(" "), content: "▁")
            normalizer = addsSpacePrefix ? .sequence([.prepend("▁"), replace]) : replace
            preTokenizer = nil
            var steps: [Decoder] = [.replace(pattern: .literal("▁"), content: " "), .byteFallback, .fuse]
            if addsSpacePrefix { steps.append(.strip(content: " ", start: 1, stop: 0)) }
            decoder = .sequence(steps)
            addsBOS = try metadata.boolIfPresent("tokenizer.ggml.add_bos_token") ?? true
        case "gemma4":
            model = BytePairModel(tokens: tokens, vocabulary: vocabulary, merges: try Self.ggufMerges(metadata, file: path),
                                  ignoreMerges: false, byteFallback: true,
                                  unknownId: unknownToken.flatMap { vocabulary[$0] }, fuseUnknown: true)
            normalizer = .replace(pattern: .literal(" "), content: "▁")
            // Splits at spaces, which the normalizer has already replaced: the whole text is one word, as in HF.
            preTokenizer = .split(pattern: .literal(" "), behavior: .mergedWithPrevious, invert: false)
            decoder = .sequence([.replace(pattern: .literal("▁"), content: " "), .byteFallback, .fuse])
            // llama.cpp overrides add_bos_token to true for Gemma 4 (ggml-org/llama.cpp#21500).
            addsBOS = true
        default:
            throw TokenizerError.unsupportedType(file: path, field: "tokenizer.ggml.model", type: modelType)
        }

        let addedTokens = Self.ggufAddedTokens(tokens, types: types)
        var template: [PostProcessor.Piece] = []
        if addsBOS, let bosToken { template.append(.special([vocabulary[bosToken]!])) }
        template.append(.sequence)
        if try metadata.boolIfPresent("tokenizer.ggml.add_eos_token") ?? false, let eosToken {
            template.append(.special([vocabulary[eosToken]!]))
        }
        self.init(model: .bytePair(model), normalizer: normalizer, preTokenizer: preTokenizer,
                  postProcessor: template.count > 1 ? .template(template) : nil, decoder: decoder,
                  addedTokens: addedTokens, bosToken: bosToken, eosToken: eosToken,
                  padToken: try tokenString("tokenizer.ggml.padding_token_id"), unknownToken: unknownToken,
                  chatTemplate: chatTemplate, cleansUpTokenizationSpaces: false)
    }

    /// `tokenizer.ggml.token_type`, one per token (all normal when absent).
    static func ggufTokenTypes(_ metadata: GGUFMetadata, count: Int, file: String) throws -> [Int] {
        let types = try metadata.contains("tokenizer.ggml.token_type")
            ? metadata.ints("tokenizer.ggml.token_type") : Array(repeating: GGUFTokenType.normal.rawValue, count: count)
        guard types.count == count else {
            throw TokenizerError.invalidField(file: file, field: "tokenizer.ggml.token_type",
                                              expected: "\(count) entries, one per token (found \(types.count))")
        }
        return types
    }

    /// The control and user-defined tokens, matched before the model runs (control ones are special).
    static func ggufAddedTokens(_ tokens: [String], types: [Int]) -> [AddedToken] {
        tokens.indices.compactMap { id in
            let type = GGUFTokenType(rawValue: types[id])
            guard type == .control || type == .userDefined else { return nil }
            return AddedToken(id: id, content: tokens[id], special: type == .control, normalized: false)
        }
    }

    /// `tokenizer.ggml.merges` as pairs, each `"left right"` split at its first space.
    /// - Throws: `TokenizerError.invalidField` naming the file and the entry for a merge without a space.
    static func ggufMerges(_ metadata: GGUFMetadata, file: String) throws -> [(String, String)] {
        try metadata.strings("tokenizer.ggml.merges").enumerated().map { index, line in
            guard let pair = LiteralText.splitAtFirstSpace(line) else {
                throw TokenizerError.invalidField(file: file, field: "tokenizer.ggml.merges[\(index)]", expected: "\"left right\" (found \"\(line)\")")
            }
            return pair
        }
    }

    /// Merges for a SentencePiece vocabulary, as transformers' `SentencePieceExtractor` derives them: every split
    /// of a piece into two pieces of the vocabulary, ordered by the merged piece's score (highest first).
    /// `scores` holds one score per token.
    static func sentencePieceMerges(tokens: [String], scores: [Float], vocabulary: Vocabulary) -> [(String, String)] {
        var candidates: [(left: String, right: String, mergedId: Int, score: Float)] = []
        for (id, token) in tokens.enumerated() {
            let scalars = Array(token.unicodeScalars)
            guard scalars.count > 1 else { continue }
            for cut in 1..<scalars.count {
                let left = String(String.UnicodeScalarView(scalars[..<cut]))
                let right = String(String.UnicodeScalarView(scalars[cut...]))
                if vocabulary[left] != nil && vocabulary[right] != nil {
                    candidates.append((left, right, id, scores[id]))
                }
            }
        }
        candidates.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.mergedId != b.mergedId { return a.mergedId < b.mergedId }
            return a.left.unicodeScalars.count < b.left.unicodeScalars.count
        }
        return candidates.map { ($0.left, $0.right) }
    }
}
