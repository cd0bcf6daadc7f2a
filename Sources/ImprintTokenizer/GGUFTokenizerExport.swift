import Foundation
import ImprintFormats

/// Writes the Hugging Face `tokenizer.json` and `tokenizer_config.json` equivalent to a GGUF
/// file's byte-level BPE vocabulary (`tokenizer.ggml.model` `gpt2`) or SentencePiece BPE
/// vocabulary (`llama`: Llama 2, Gemma 3), for `imprint convert`.
///
/// The components follow the file as `PretrainedTokenizer(gguf:)` reads it: for `gpt2` the
/// pre-tokenizer of `tokenizer.ggml.pre` (`default`/`gpt-2`, `llama-bpe`, `qwen2`, `smollm`); for
/// `llama` transformers' `LlamaConverter` / `GemmaConverter` shape (byte-fallback BPE, merges from
/// the scores as `SentencePieceExtractor` derives them, `Replace(" ", "▁")` after `Prepend("▁")`
/// when `add_space_prefix`), so the written files tokenize exactly as the GGUF vocabulary does here.
public enum GGUFTokenizerExport {
    /// The two files' JSON objects; `model.vocab` here merges canonically equivalent tokens (a Swift dictionary's
    /// keys), which `huggingFaceData` writes exactly.
    static func huggingFaceObjects(_ file: GGUFFile, modelMaxLength: Int) throws -> (tokenizer: [String: Any], configuration: [String: Any]) {
        let metadata = file.metadata
        let path = file.url.path
        let modelType = try metadata.string("tokenizer.ggml.model")
        guard modelType == "gpt2" || modelType == "llama" else {
            throw TokenizerError.unsupportedType(file: path, field: "tokenizer.ggml.model", type: "\(modelType) (only gpt2 and llama BPE vocabularies are exported)")
        }
        let sentencePiece = modelType == "llama"
        let tokens = try metadata.strings("tokenizer.ggml.tokens")
        let types = try PretrainedTokenizer.ggufTokenTypes(metadata, count: tokens.count, file: path)
        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = id }
        let merges: [Any]
        if sentencePiece {
            let scores = try metadata.floats("tokenizer.ggml.scores")
            guard scores.count == tokens.count else {
                throw TokenizerError.invalidField(file: path, field: "tokenizer.ggml.scores",
                                                  expected: "\(tokens.count) entries, one per token (found \(scores.count))")
            }
            // Exact keys: canonically equivalent tokens stay distinct, as in the GGUF list.
            var lookup = Vocabulary()
            for (id, token) in tokens.enumerated() where lookup[token] == nil { lookup[token] = id }
            // Pairs, not "a b" strings: user-defined tokens may hold spaces.
            merges = PretrainedTokenizer.sentencePieceMerges(tokens: tokens, scores: scores, vocabulary: lookup).map { [$0.0, $0.1] }
        } else {
            merges = try metadata.strings("tokenizer.ggml.merges")
        }
        let pre = try metadata.stringIfPresent("tokenizer.ggml.pre") ?? "default"

        let byteLevelRegex: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        let byteLevelPlain: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false]
        func split(_ regex: String) -> [String: Any] {
            ["type": "Split", "pattern": ["Regex": regex], "behavior": "Isolated", "invert": false]
        }
        var normalizer: Any = NSNull()
        let preTokenizer: [String: Any]
        var ignoreMerges = false
        var decoder: [String: Any] = ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true]
        let addsSpacePrefix = try metadata.boolIfPresent("tokenizer.ggml.add_space_prefix") ?? true
        switch sentencePiece ? "(sentencepiece)" : pre {
        case "(sentencepiece)":
            let replace: [String: Any] = ["type": "Replace", "pattern": ["String": " "], "content": "▁"]
            normalizer = addsSpacePrefix ? ["type": "Sequence", "normalizers": [["type": "Prepend", "prepend": "▁"], replace]] : replace
            preTokenizer = [:]
            var steps: [[String: Any]] = [["type": "Replace", "pattern": ["String": "▁"], "content": " "], ["type": "ByteFallback"], ["type": "Fuse"]]
            if addsSpacePrefix { steps.append(["type": "Strip", "content": " ", "start": 1, "stop": 0]) }
            decoder = ["type": "Sequence", "decoders": steps]
        case "default", "gpt-2", "gpt2":
            preTokenizer = byteLevelRegex
        case "llama-bpe", "llama3", "llama-v3":
            preTokenizer = ["type": "Sequence", "pretokenizers": [split(KnownSplitPattern.llama3Source), byteLevelPlain]]
            ignoreMerges = true
        case "qwen2", "deepseek-r1-qwen":
            preTokenizer = ["type": "Sequence", "pretokenizers": [split(KnownSplitPattern.qwen2Source), byteLevelPlain]]
            normalizer = ["type": "NFC"]
        case "smollm", "starcoder", "refact":
            preTokenizer = ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true], byteLevelRegex]]
        default:
            throw TokenizerError.unsupportedType(file: path, field: "tokenizer.ggml.pre", type: pre)
        }

        var addedTokens: [[String: Any]] = []
        var addedTokensDecoder: [String: Any] = [:]
        for (id, token) in tokens.enumerated() {
            let type = PretrainedTokenizer.GGUFTokenType(rawValue: types[id])
            guard type == .control || type == .userDefined else { continue }
            let entry: [String: Any] = ["id": id, "content": token, "single_word": false, "lstrip": false, "rstrip": false,
                                        "normalized": false, "special": type == .control]
            addedTokens.append(entry)
            var decoderEntry = entry
            decoderEntry.removeValue(forKey: "id")
            addedTokensDecoder[String(id)] = decoderEntry
        }
        func tokenString(_ key: String) throws -> String? {
            guard let id = try metadata.intIfPresent(key), id >= 0, id < tokens.count else { return nil }
            return tokens[id]
        }
        let bos = try tokenString("tokenizer.ggml.bos_token_id"), eos = try tokenString("tokenizer.ggml.eos_token_id")
        let unknown = try tokenString("tokenizer.ggml.unknown_token_id")
            ?? types.firstIndex(of: PretrainedTokenizer.GGUFTokenType.unknown.rawValue).map { tokens[$0] }
        // llama.cpp's defaults: SentencePiece adds BOS; these byte-level families do not.
        let addsBOS = try metadata.boolIfPresent("tokenizer.ggml.add_bos_token") ?? sentencePiece
        let addsEOS = try metadata.boolIfPresent("tokenizer.ggml.add_eos_token") ?? false
        var postProcessor: Any = sentencePiece ? NSNull()
            : ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true] as [String: Any]
        if (addsBOS && bos != nil) || (addsEOS && eos != nil) {
            var single: [[String: Any]] = []
            var specialTokens: [String: Any] = [:]
            if addsBOS, let bos {
                single.append(["SpecialToken": ["id": bos, "type_id": 0]])
                specialTokens[bos] = ["id": bos, "ids": [vocabulary[bos]!], "tokens": [bos]]
            }
            single.append(["Sequence": ["id": "A", "type_id": 0]])
            if addsEOS, let eos {
                single.append(["SpecialToken": ["id": eos, "type_id": 0]])
                specialTokens[eos] = ["id": eos, "ids": [vocabulary[eos]!], "tokens": [eos]]
            }
            postProcessor = ["type": "TemplateProcessing", "single": single, "pair": single + [["Sequence": ["id": "B", "type_id": 1]]],
                             "special_tokens": specialTokens]
        }
        let tokenizer: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": addedTokens,
            "normalizer": normalizer, "pre_tokenizer": preTokenizer.isEmpty ? NSNull() : preTokenizer, "post_processor": postProcessor,
            "decoder": decoder,
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": sentencePiece ? (unknown as Any? ?? NSNull()) : NSNull(), "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": sentencePiece, "byte_fallback": sentencePiece, "ignore_merges": ignoreMerges,
                      "vocab": vocabulary, "merges": merges],
        ]
        var configuration: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast", "add_bos_token": addsBOS, "add_eos_token": addsEOS,
            "clean_up_tokenization_spaces": false, "model_max_length": modelMaxLength, "added_tokens_decoder": addedTokensDecoder,
        ]
        if let bos { configuration["bos_token"] = bos }
        if let eos { configuration["eos_token"] = eos }
        if let pad = try tokenString("tokenizer.ggml.padding_token_id") { configuration["pad_token"] = pad }
        if let unknown { configuration["unk_token"] = unknown }
        if let template = try metadata.stringIfPresent("tokenizer.chat_template") { configuration["chat_template"] = template }
        return (tokenizer, configuration)
    }
}

extension GGUFTokenizerExport {
    /// The two files' bytes (pretty-printed, sorted keys), with `model.vocab` written exactly: every token of
    /// the GGUF list, canonically equivalent ones included (a Swift dictionary, and so `JSONSerialization`, would
    /// merge `"ί"` U+1F77 and U+03AF of Llama 2's vocabulary into one key).
    public static func huggingFaceData(_ file: GGUFFile, modelMaxLength: Int) throws -> (tokenizer: Data, configuration: Data) {
        var (tokenizer, configuration) = try huggingFaceObjects(file, modelMaxLength: modelMaxLength)
        let placeholder = "\u{1}imprint-exact-vocabulary\u{1}"
        var model = tokenizer["model"] as? [String: Any] ?? [:]
        model["vocab"] = placeholder
        tokenizer["model"] = model
        let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let skeleton = String(decoding: try JSONSerialization.data(withJSONObject: tokenizer, options: options), as: UTF8.self)
        let quotedPlaceholder = String(decoding: try JSONSerialization.data(withJSONObject: placeholder, options: .fragmentsAllowed), as: UTF8.self)
        guard let range = skeleton.range(of: quotedPlaceholder) else {
            throw TokenizerError.invalidField(file: file.url.path, field: "tokenizer.ggml.tokens", expected: "a vocabulary that can be written as JSON")
        }
        var seen = Set<ExactText>()
        var members: [String] = []
        for (id, token) in try file.metadata.strings("tokenizer.ggml.tokens").enumerated() where seen.insert(ExactText(token)).inserted {
            let key = String(decoding: try JSONSerialization.data(withJSONObject: token, options: [.fragmentsAllowed, .withoutEscapingSlashes]), as: UTF8.self)
            members.append("\(key): \(id)")
        }
        let text = skeleton.replacingCharacters(in: range, with: "{" + members.joined(separator: ", ") + "}")
        return (Data(text.utf8), try JSONSerialization.data(withJSONObject: configuration, options: options))
    }
}
