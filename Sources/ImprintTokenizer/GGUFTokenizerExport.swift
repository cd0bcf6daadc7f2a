import Foundation
import ImprintFormats

/// Writes the Hugging Face `tokenizer.json` and `tokenizer_config.json` equivalent to a GGUF
/// file's byte-level BPE vocabulary (`tokenizer.ggml.model` `gpt2`), for `imprint convert`.
///
/// The pre-tokenizer follows `tokenizer.ggml.pre` as `PretrainedTokenizer(gguf:)` reads it
/// (`default`/`gpt-2`, `llama-bpe`, `qwen2`, `smollm`), so the written files tokenize exactly as the
/// GGUF vocabulary does — in `transformers` and here. SentencePiece (`llama`) vocabularies are
/// not exported (`TokenizerError.unsupportedType`).
public enum GGUFTokenizerExport {
    /// The two files' JSON objects.
    public static func huggingFaceFiles(_ file: GGUFFile, modelMaxLength: Int) throws -> (tokenizer: [String: Any], configuration: [String: Any]) {
        let metadata = file.metadata
        let path = file.url.path
        let modelType = try metadata.string("tokenizer.ggml.model")
        guard modelType == "gpt2" else {
            throw TokenizerError.unsupportedType(file: path, field: "tokenizer.ggml.model", type: "\(modelType) (only gpt2 byte-level BPE vocabularies are exported)")
        }
        let tokens = try metadata.strings("tokenizer.ggml.tokens")
        let types = try metadata.contains("tokenizer.ggml.token_type")
            ? metadata.ints("tokenizer.ggml.token_type") : Array(repeating: 1, count: tokens.count)
        let merges = try metadata.strings("tokenizer.ggml.merges")
        let pre = try metadata.stringIfPresent("tokenizer.ggml.pre") ?? "default"

        let byteLevelRegex: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        let byteLevelPlain: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false]
        func split(_ regex: String) -> [String: Any] {
            ["type": "Split", "pattern": ["Regex": regex], "behavior": "Isolated", "invert": false]
        }
        var normalizer: Any = NSNull()
        let preTokenizer: [String: Any]
        var ignoreMerges = false
        switch pre {
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
        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = id }

        func tokenString(_ key: String) throws -> String? {
            guard let id = try metadata.intIfPresent(key), id >= 0, id < tokens.count else { return nil }
            return tokens[id]
        }
        let bos = try tokenString("tokenizer.ggml.bos_token_id"), eos = try tokenString("tokenizer.ggml.eos_token_id")
        let addsBOS = try metadata.boolIfPresent("tokenizer.ggml.add_bos_token") ?? false
        let addsEOS = try metadata.boolIfPresent("tokenizer.ggml.add_eos_token") ?? false
        var postProcessor: [String: Any] = ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true]
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
            "normalizer": normalizer, "pre_tokenizer": preTokenizer, "post_processor": postProcessor,
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": ignoreMerges,
                      "vocab": vocabulary, "merges": merges],
        ]
        var configuration: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast", "add_bos_token": addsBOS, "add_eos_token": addsEOS,
            "clean_up_tokenization_spaces": false, "model_max_length": modelMaxLength, "added_tokens_decoder": addedTokensDecoder,
        ]
        if let bos { configuration["bos_token"] = bos }
        if let eos { configuration["eos_token"] = eos }
        if let pad = try tokenString("tokenizer.ggml.padding_token_id") { configuration["pad_token"] = pad }
        if let unknown = try tokenString("tokenizer.ggml.unknown_token_id") { configuration["unk_token"] = unknown }
        if let template = try metadata.stringIfPresent("tokenizer.chat_template") { configuration["chat_template"] = template }
        return (tokenizer, configuration)
    }
}
