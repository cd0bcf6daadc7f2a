import Foundation
import ImprintCore
import ImprintFormats

extension PretrainedTokenizer {
    /// Loads a Hugging Face tokenizer directory: `tokenizer.json`, plus `tokenizer_config.json` (special tokens,
    /// `chat_template`, `clean_up_tokenization_spaces`) and `chat_template.jinja` when present.
    ///
    /// - Throws: `TokenizerError` naming the file and field when a file is missing or malformed, or a model,
    ///   normalizer, pre-tokenizer, decoder or post-processor type is not supported.
    public convenience init(directory: URL) throws {
        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        let tokenizerData: Data
        do { tokenizerData = try Data(contentsOf: tokenizerURL) } catch {
            throw TokenizerError.unreadable(file: tokenizerURL.path, reason: error.localizedDescription)
        }
        var config: JSONFields?
        if let configData = try? Data(contentsOf: configURL) {
            config = try JSONFields(data: configData, file: configURL.path)
        }
        var chatTemplate: String?
        if let config { chatTemplate = try Self.chatTemplate(in: config) }
        let templateURL = directory.appendingPathComponent("chat_template.jinja")
        if chatTemplate == nil, let template = ExactUTF8.contents(of: templateURL) {
            chatTemplate = template
        }
        try self.init(tokenizerJSON: tokenizerData, file: tokenizerURL.path, config: config, chatTemplate: chatTemplate)
    }

    /// Builds a tokenizer from the bytes of a `tokenizer.json`; `file` names it in errors.
    public convenience init(tokenizerJSON data: Data, file: String = "tokenizer.json") throws {
        try self.init(tokenizerJSON: data, file: file, config: nil, chatTemplate: nil)
    }

    convenience init(tokenizerJSON data: Data, file: String, config: JSONFields?, chatTemplate: String?) throws {
        let root = try JSONFields(data: data, file: file)
        let modelFields = try root.object("model")
        let modelType = try modelFields.optionalString("type") ?? "BPE"
        let addedTokens: [AddedToken] = try root.has("added_tokens") ? root.objects("added_tokens").map { fields -> AddedToken in
            let id = try fields.int("id")
            guard id >= 0 else { throw TokenizerError.invalidField(file: file, field: fields.fieldPath("id"), expected: "a non-negative id") }
            guard id < Self.maximumTokenId else {
                throw TokenizerError.limitExceeded(file: file, what: fields.fieldPath("id"), limit: Self.maximumTokenId)
            }
            return AddedToken(id: id, content: try fields.string("content"),
                       special: try fields.bool("special", default: false),
                       singleWord: try fields.bool("single_word", default: false),
                       leftStrip: try fields.bool("lstrip", default: false),
                       rightStrip: try fields.bool("rstrip", default: false),
                       normalized: try fields.bool("normalized", default: true))
        } : []
        let model: TokenizerModel
        switch modelType {
        case "BPE": model = .bytePair(try Self.bytePairModel(modelFields))
        case "WordPiece": model = .wordPiece(try Self.wordPieceModel(modelFields))
        case "Unigram": model = .unigram(try Self.unigramModel(modelFields))
        default: throw TokenizerError.unsupportedType(file: file, field: "model.type", type: modelType)
        }
        let normalizer = try root.optionalObject("normalizer").map(Self.normalizer)
        let preTokenizer = try root.optionalObject("pre_tokenizer").map(Self.preTokenizer)
        let postProcessor = try root.optionalObject("post_processor").map(Self.postProcessor)
        let decoder = try root.optionalObject("decoder").map(Self.decoder)

        func specialToken(_ key: String) throws -> String? {
            guard let config, config.has(key) else { return nil }
            if case .string(let content)? = config.object[key] { return content }
            return try config.object(key).string("content")
        }
        let unknownToken = try specialToken("unk_token") ?? modelFields.optionalString("unk_token")
        self.init(model: model, normalizer: normalizer, preTokenizer: preTokenizer, postProcessor: postProcessor,
                  decoder: decoder, addedTokens: addedTokens, bosToken: try specialToken("bos_token"),
                  eosToken: try specialToken("eos_token"), padToken: try specialToken("pad_token"),
                  unknownToken: unknownToken, chatTemplate: chatTemplate,
                  cleansUpTokenizationSpaces: try config?.bool("clean_up_tokenization_spaces", default: false) ?? false)
    }

    /// The `chat_template` of a `tokenizer_config.json`: a string, or the `default` entry of a named list.
    static func chatTemplate(in config: JSONFields) throws -> String? {
        guard config.has("chat_template") else { return nil }
        if case .string(let template)? = config.object["chat_template"] { return template }
        let named = try config.objects("chat_template")
        for entry in named where try entry.string("name") == "default" { return try entry.string("template") }
        return try named.first?.string("template")
    }

    /// Token ids must be below this: 16,777,216, 64 times the largest vocabulary in use (Gemma 3's 262,144).
    public static let maximumTokenId = 1 << 24

    /// `model.vocab`: the tokens by id and the token-to-id map.
    static func vocabulary(_ fields: JSONFields) throws -> (tokens: [String], vocabulary: Vocabulary) {
        let vocabularyFields = try fields.object("vocab")
        var vocabulary = Vocabulary()
        vocabulary.reserveCapacity(vocabularyFields.object.count)
        var maximumId = -1
        for (token, value) in vocabularyFields.object.pairs {
            guard case .int(let id) = value, id >= 0 else {
                throw TokenizerError.invalidField(file: fields.file, field: "model.vocab[\(token)]", expected: "an integer id")
            }
            // Tokens are held by id in an array: an id far beyond any vocabulary would allocate gigabytes.
            guard id < Self.maximumTokenId else {
                throw TokenizerError.limitExceeded(file: fields.file, what: "token id of model.vocab[\(token)]", limit: Self.maximumTokenId)
            }
            vocabulary[token] = id
            maximumId = max(maximumId, id)
        }
        var tokens = [String](repeating: "", count: maximumId + 1)
        for (token, id) in vocabulary.entries { tokens[id] = token }
        return (tokens, vocabulary)
    }

    /// A `WordPiece` model (BERT).
    static func wordPieceModel(_ fields: JSONFields) throws -> WordPieceModel {
        let (tokens, vocabulary) = try vocabulary(fields)
        let unknownToken = try fields.string("unk_token")
        guard let unknownId = vocabulary[unknownToken] else {
            throw TokenizerError.invalidField(file: fields.file, field: fields.fieldPath("unk_token"), expected: "a token of model.vocab")
        }
        let maximumCharacters = try fields.has("max_input_chars_per_word") ? fields.int("max_input_chars_per_word") : 100
        return WordPieceModel(tokens: tokens, vocabulary: vocabulary, unknownId: unknownId,
                              continuingSubwordPrefix: try fields.optionalString("continuing_subword_prefix") ?? "##",
                              maxInputCharactersPerWord: maximumCharacters)
    }

    /// A `Unigram` model (SentencePiece: T5, XLM-R, mBART): `vocab` as `[piece, score]` pairs in id order, `unk_id`,
    /// `byte_fallback`.
    static func unigramModel(_ fields: JSONFields) throws -> UnigramModel {
        var tokens: [String] = []
        var scores: [Double?] = []
        for (index, entry) in try fields.array("vocab").enumerated() {
            guard case .array(let pair) = entry, pair.count == 2, case .string(let piece) = pair[0],
                  let score = pair[1].numericValue, pair[1].isNumber else {
                throw TokenizerError.invalidField(file: fields.file, field: "\(fields.fieldPath("vocab"))[\(index)]", expected: "[piece, score]")
            }
            tokens.append(piece)
            scores.append(score)
        }
        var unknownId: Int?
        switch fields.object["unk_id"] {
        case nil, .some(.none):
            unknownId = nil
        default:
            let id = try fields.int("unk_id")
            guard id >= 0 && id < tokens.count else {
                throw TokenizerError.invalidField(file: fields.file, field: fields.fieldPath("unk_id"), expected: "an id below \(tokens.count)")
            }
            unknownId = id
        }
        return UnigramModel(tokens: tokens, scores: scores, unknownId: unknownId,
                            byteFallback: try fields.bool("byte_fallback", default: false))
    }

    static func bytePairModel(_ fields: JSONFields) throws -> BytePairModel {
        let (tokens, vocabulary) = try vocabulary(fields)
        var merges: [(String, String)] = []
        if fields.has("merges") {
            let entries = try fields.array("merges")
            merges.reserveCapacity(entries.count)
            for (index, entry) in entries.enumerated() {
                if case .string(let line) = entry {
                    // Legacy "a b": split at the first space (tokens never contain spaces in this encoding).
                    guard let pair = LiteralText.splitAtFirstSpace(line) else {
                        throw TokenizerError.invalidField(file: fields.file, field: "model.merges[\(index)]", expected: "\"left right\"")
                    }
                    merges.append(pair)
                } else if case .array(let pair) = entry, pair.count == 2, case .string(let left) = pair[0],
                          case .string(let right) = pair[1] {
                    merges.append((left, right))
                } else {
                    throw TokenizerError.invalidField(file: fields.file, field: "model.merges[\(index)]",
                                                      expected: "\"left right\" or [\"left\", \"right\"]")
                }
            }
        }
        if let dropout = try fields.optionalNumber("dropout"), dropout > 0 {
            throw TokenizerError.unsupportedType(file: fields.file, field: "model.dropout", type: "\(dropout) (BPE dropout makes encoding random)")
        }
        if let prefix = try fields.optionalString("continuing_subword_prefix"), !prefix.isEmpty {
            throw TokenizerError.unsupportedType(file: fields.file, field: "model.continuing_subword_prefix", type: prefix)
        }
        if let suffix = try fields.optionalString("end_of_word_suffix"), !suffix.isEmpty {
            throw TokenizerError.unsupportedType(file: fields.file, field: "model.end_of_word_suffix", type: suffix)
        }
        let unknownId = try fields.optionalString("unk_token").flatMap { vocabulary[$0] }
        return BytePairModel(tokens: tokens, vocabulary: vocabulary, merges: merges,
                             ignoreMerges: try fields.bool("ignore_merges", default: false),
                             byteFallback: try fields.bool("byte_fallback", default: false),
                             unknownId: unknownId, fuseUnknown: try fields.bool("fuse_unk", default: false))
    }

    /// A `{"String": s}` or `{"Regex": r}` pattern object.
    static func pattern(_ fields: JSONFields, key: String = "pattern") throws -> SplitPattern {
        let pattern = try fields.object(key)
        if let literal = try pattern.optionalString("String") { return .literal(literal) }
        if let regex = try pattern.optionalString("Regex") {
            return try SplitPattern.regex(source: regex, file: fields.file, field: pattern.fieldPath("Regex"))
        }
        throw TokenizerError.invalidField(file: fields.file, field: fields.fieldPath(key), expected: "{\"String\": ...} or {\"Regex\": ...}")
    }

    static func normalizer(_ fields: JSONFields) throws -> Normalizer {
        let type = try fields.string("type")
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "BertNormalizer":
            let lowercase = try fields.bool("lowercase", default: true)
            let stripAccents = try fields.bool("strip_accents", default: lowercase)
            return .bert(BertNormalization(cleanText: try fields.bool("clean_text", default: true),
                                           handleChineseCharacters: try fields.bool("handle_chinese_chars", default: true),
                                           stripAccents: stripAccents, lowercase: lowercase))
        case "Prepend": return .prepend(try fields.string("prepend"))
        case "Replace": return .replace(pattern: try pattern(fields), content: try fields.string("content"))
        case "Strip":
            return .strip(left: try fields.bool("strip_left", default: true), right: try fields.bool("strip_right", default: true))
        case "Precompiled":
            let field = fields.fieldPath("precompiled_charsmap")
            guard let blob = Data(base64Encoded: try fields.string("precompiled_charsmap")) else {
                throw TokenizerError.invalidField(file: fields.file, field: field, expected: "a base64 SentencePiece charsmap")
            }
            return .precompiled(try PrecompiledCharsMap(Array(blob), file: fields.file, field: field))
        case "Sequence": return .sequence(try fields.objects("normalizers").map(normalizer))
        default: throw TokenizerError.unsupportedType(file: fields.file, field: fields.fieldPath("type"), type: type)
        }
    }

    static func prependScheme(_ fields: JSONFields) throws -> PreTokenizer.PrependScheme {
        if let scheme = try fields.optionalString("prepend_scheme") {
            guard let value = PreTokenizer.PrependScheme(rawValue: scheme) else {
                throw TokenizerError.invalidField(file: fields.file, field: fields.fieldPath("prepend_scheme"), expected: "always, first or never")
            }
            return value
        }
        return try fields.bool("add_prefix_space", default: true) ? .always : .never
    }

    /// The `behavior` field of `Split` and `Punctuation` (required when `defaultBehavior` is nil).
    static func splitBehavior(_ fields: JSONFields, default defaultBehavior: SplitBehavior?) throws -> SplitBehavior {
        guard let name = try fields.optionalString("behavior") else {
            if let defaultBehavior { return defaultBehavior }
            throw TokenizerError.missingField(file: fields.file, field: fields.fieldPath("behavior"))
        }
        guard let behavior = SplitBehavior(rawValue: name) else {
            throw TokenizerError.unsupportedType(file: fields.file, field: fields.fieldPath("behavior"), type: name)
        }
        return behavior
    }

    static func preTokenizer(_ fields: JSONFields) throws -> PreTokenizer {
        let type = try fields.string("type")
        switch type {
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try fields.bool("add_prefix_space", default: true),
                              useRegex: try fields.bool("use_regex", default: true))
        case "Split":
            return .split(pattern: try pattern(fields), behavior: try splitBehavior(fields, default: nil),
                          invert: try fields.bool("invert", default: false))
        case "Digits": return .digits(individual: try fields.bool("individual_digits", default: false))
        case "Metaspace":
            return .metaspace(replacement: try fields.string("replacement"), prependScheme: try prependScheme(fields),
                              split: try fields.bool("split", default: true))
        case "WhitespaceSplit": return .whitespaceSplit
        case "BertPreTokenizer": return .sequence([.whitespaceSplit, .punctuation(behavior: .isolated)])
        case "Whitespace":
            // HF: keep the matches of `\w+|[^\w\s]+`, drop the rest.
            return .split(pattern: try SplitPattern.regex(source: #"\w+|[^\w\s]+"#, file: fields.file, field: fields.fieldPath("type")),
                          behavior: .removed, invert: true)
        case "Punctuation": return .punctuation(behavior: try splitBehavior(fields, default: .isolated))
        case "Sequence": return .sequence(try fields.objects("pretokenizers").map(preTokenizer))
        default: throw TokenizerError.unsupportedType(file: fields.file, field: fields.fieldPath("type"), type: type)
        }
    }

    static func decoder(_ fields: JSONFields) throws -> Decoder {
        let type = try fields.string("type")
        switch type {
        case "ByteLevel": return .byteLevel
        case "Replace": return .replace(pattern: try pattern(fields), content: try fields.string("content"))
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "WordPiece":
            return .wordPiece(prefix: try fields.optionalString("prefix") ?? "##", cleanup: try fields.bool("cleanup", default: true))
        case "Strip":
            let content = try fields.string("content")
            guard content.unicodeScalars.count == 1 else {
                throw TokenizerError.invalidField(file: fields.file, field: fields.fieldPath("content"), expected: "one character")
            }
            return .strip(content: content.unicodeScalars.first!, start: try fields.int("start"), stop: try fields.int("stop"))
        case "Metaspace":
            return .metaspace(replacement: try fields.string("replacement"), prependScheme: try prependScheme(fields))
        case "Sequence": return .sequence(try fields.objects("decoders").map(decoder))
        default: throw TokenizerError.unsupportedType(file: fields.file, field: fields.fieldPath("type"), type: type)
        }
    }

    static func postProcessor(_ fields: JSONFields) throws -> PostProcessor {
        let type = try fields.string("type")
        switch type {
        case "ByteLevel": return .byteLevel
        case "Sequence": return .sequence(try fields.objects("processors").map(postProcessor))
        case "TemplateProcessing":
            let specialTokens = try fields.object("special_tokens")
            let pieces: [PostProcessor.Piece] = try fields.objects("single").map { piece in
                if let special = try piece.optionalObject("SpecialToken") {
                    let name = try special.string("id")
                    let entry = try specialTokens.object(name)
                    let ids = try entry.array("ids").enumerated().map { index, value -> Int in
                        guard case .int(let id) = value else {
                            throw TokenizerError.invalidField(file: fields.file, field: entry.fieldPath("ids[\(index)]"), expected: "an integer")
                        }
                        return id
                    }
                    return .special(ids)
                }
                if try piece.optionalObject("Sequence") != nil { return .sequence }
                throw TokenizerError.invalidField(file: fields.file, field: piece.path, expected: "SpecialToken or Sequence")
            }
            return .template(pieces)
        default: throw TokenizerError.unsupportedType(file: fields.file, field: fields.fieldPath("type"), type: type)
        }
    }
}
