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
    /// was converted from.
    ///
    /// `tokenizer.ggml.model` `gpt2` is byte-level BPE whose pre-tokenizer `tokenizer.ggml.pre` selects:
    /// `default`/`gpt-2` (GPT-2 regex), `llama-bpe` (Llama 3 regex, `ignore_merges`), `qwen2` (Qwen2 regex),
    /// `smollm`/`starcoder`/`refact` (every digit alone, then the GPT-2 regex). `llama` is SentencePiece BPE:
    /// merges follow the scores, `▁` for spaces, `<0xNN>` byte fallback, as transformers' `LlamaConverter` builds it.
    ///
    /// - Throws: `TokenizerError.unsupportedType` naming `tokenizer.ggml.model` or `tokenizer.ggml.pre`;
    ///   `FormatError` for missing or mistyped keys.
    public convenience init(gguf file: GGUFFile) throws {
        let metadata = file.metadata
        let path = file.url.path
        let modelType = try metadata.string("tokenizer.ggml.model")
        let tokens = try metadata.strings("tokenizer.ggml.tokens")
        let types = try metadata.contains("tokenizer.ggml.token_type")
            ? metadata.ints("tokenizer.ggml.token_type") : Array(repeating: 1, count: tokens.count)
        guard types.count == tokens.count else {
            throw TokenizerError.invalidField(file: path, field: "tokenizer.ggml.token_type",
                                              expected: "\(tokens.count) entries, one per token (found \(types.count))")
        }
        var vocabulary = Vocabulary()
        vocabulary.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = id }

        var addedTokens: [AddedToken] = []
        for (id, token) in tokens.enumerated() {
            let type = GGUFTokenType(rawValue: types[id])
            if type == .control || type == .userDefined {
                addedTokens.append(AddedToken(id: id, content: token, special: type == .control, normalized: false))
            }
        }
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
        let addsBOSByDefault: Bool
        switch modelType {
        case "gpt2":
            let merges = try metadata.strings("tokenizer.ggml.merges").map { line in
                LiteralText.splitAtFirstSpace(line) ?? (line, "")
            }
            let pre = try metadata.stringIfPresent("tokenizer.ggml.pre") ?? "default"
            let ignoreMerges: Bool
            (preTokenizer, ignoreMerges) = try Self.ggufPreTokenizer(pre, file: path)
            // Qwen2's tokenizer.json normalizes to NFC; llama.cpp skips it, transformers does not.
            normalizer = pre.hasPrefix("qwen2") || pre == "deepseek-r1-qwen" ? .nfc : nil
            model = BytePairModel(tokens: tokens, vocabulary: vocabulary, merges: merges, ignoreMerges: ignoreMerges,
                                  byteFallback: false, unknownId: nil, fuseUnknown: false)
            decoder = .byteLevel
            addsBOSByDefault = false
        case "llama":
            let scores = try metadata.floats("tokenizer.ggml.scores")
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
            addsBOSByDefault = true
        default:
            throw TokenizerError.unsupportedType(file: path, field: "tokenizer.ggml.model", type: modelType)
        }

        var template: [PostProcessor.Piece] = []
        if try metadata.boolIfPresent("tokenizer.ggml.add_bos_token") ?? addsBOSByDefault, let bosToken {
            template.append(.special([vocabulary[bosToken]!]))
        }
        template.append(.sequence)
        if try metadata.boolIfPresent("tokenizer.ggml.add_eos_token") ?? false, let eosToken {
            template.append(.special([vocabulary[eosToken]!]))
        }
        self.init(model: model, normalizer: normalizer, preTokenizer: preTokenizer,
                  postProcessor: template.count > 1 ? .template(template) : nil, decoder: decoder,
                  addedTokens: addedTokens, bosToken: bosToken, eosToken: eosToken,
                  padToken: try tokenString("tokenizer.ggml.padding_token_id"), unknownToken: unknownToken,
                  chatTemplate: chatTemplate, cleansUpTokenizationSpaces: false)
    }

    /// The pre-tokenizer (and whether merges are skipped for whole-vocabulary words) a `tokenizer.ggml.pre` names.
    static func ggufPreTokenizer(_ name: String, file: String) throws -> (PreTokenizer, ignoreMerges: Bool) {
        let byteLevel = PreTokenizer.byteLevel(addPrefixSpace: false, useRegex: false)
        switch name {
        case "default", "gpt-2", "gpt2":
            return (.byteLevel(addPrefixSpace: false, useRegex: true), false)
        case "llama-bpe", "llama3", "llama-v3":
            return (.sequence([.split(pattern: .known(.llama3(numberRun: 3)), behavior: .isolated, invert: false), byteLevel]), true)
        case "qwen2", "deepseek-r1-qwen":
            return (.sequence([.split(pattern: .known(.llama3(numberRun: 1)), behavior: .isolated, invert: false), byteLevel]), false)
        case "smollm", "starcoder", "refact":
            return (.sequence([.digits(individual: true), .byteLevel(addPrefixSpace: false, useRegex: true)]), false)
        default:
            throw TokenizerError.unsupportedType(file: file, field: "tokenizer.ggml.pre", type: name)
        }
    }

    /// Merges for a SentencePiece vocabulary, as transformers' `SentencePieceExtractor` derives them: every split
    /// of a piece into two pieces of the vocabulary, ordered by the merged piece's score (highest first).
    static func sentencePieceMerges(tokens: [String], scores: [Float], vocabulary: Vocabulary) -> [(String, String)] {
        var candidates: [(left: String, right: String, mergedId: Int, score: Float)] = []
        for (id, token) in tokens.enumerated() {
            let scalars = Array(token.unicodeScalars)
            guard scalars.count > 1 else { continue }
            for cut in 1..<scalars.count {
                let left = String(String.UnicodeScalarView(scalars[..<cut]))
                let right = String(String.UnicodeScalarView(scalars[cut...]))
                if vocabulary[left] != nil && vocabulary[right] != nil {
                    candidates.append((left, right, id, id < scores.count ? scores[id] : 0))
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
