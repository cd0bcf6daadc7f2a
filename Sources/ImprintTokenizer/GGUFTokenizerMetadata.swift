import Foundation
import ImprintCore
import ImprintFormats

/// The GGUF `tokenizer.*` metadata of a Hugging Face tokenizer directory (`tokenizer.json`,
/// `tokenizer_config.json`, `chat_template.jinja`), as llama.cpp's `convert_hf_to_gguf.py`
/// writes it for byte-level BPE vocabularies (`_set_vocab_gpt2` and `gguf.SpecialVocab`), for
/// `imprint convert --output F.gguf`. The inverse of `GGUFTokenizerExport`.
///
/// - `tokenizer.ggml.model` `gpt2`; `tokenizer.ggml.pre` named after the pre-tokenizer, as
///   llama.cpp knows it: ByteLevel alone `gpt-2`, digits then ByteLevel `smollm`, the Llama 3
///   split `llama-bpe`, the Qwen2 split `qwen2`;
/// - `tokens` by id, padded to the model's vocabulary with `[PAD<id>]` (type unused, 5);
///   `token_type` 1 (normal), 3 (control: special added tokens), 4 (user-defined: other added
///   tokens); `merges` as `"a b"`;
/// - the bos/eos/unk/pad ids of `tokenizer_config.json`'s tokens, `add_bos_token` /
///   `add_eos_token` (from the configuration, else from a `TemplateProcessing` post-processor);
/// - `tokenizer.chat_template` from `tokenizer_config.json` or `chat_template.jinja`.
///
/// SentencePiece-style `tokenizer.json` vocabularies (`byte_fallback` BPE with `▁`: Llama 2, Mistral,
/// Gemma) become llama.cpp's `llama` vocabulary (`GGUFTokenizerMetadata+SentencePiece.swift`). Unigram
/// (T5, XLM-R) and a `tokenizer.model` without `tokenizer.json` are not converted
/// (`TokenizerError.unsupportedType`).
public enum GGUFTokenizerMetadata {
    /// The entries, in the converter's order; empty when the directory has no `tokenizer.json`
    /// and no `tokenizer.model` (a model without a tokenizer).
    /// - Parameter vocabularySize: the model's embedding rows (the token list is padded to it).
    /// - Throws: `TokenizerError` naming the file and field: a tokenizer that is not BPE, a
    ///   pre-tokenizer or normalizer llama.cpp has no name for, ids outside `0..<max(vocabularySize, tokens)`, malformed merges.
    public static func entries(directory: URL, vocabularySize: Int) throws -> [(key: String, value: GGUFValue)] {
        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        let path = tokenizerURL.path
        guard FileManager.default.fileExists(atPath: path) else {
            let sentencePiece = directory.appendingPathComponent("tokenizer.model")
            if FileManager.default.fileExists(atPath: sentencePiece.path) {
                throw TokenizerError.unsupportedType(file: sentencePiece.path, field: "tokenizer.model", type: "SentencePiece model without tokenizer.json (only tokenizer.json vocabularies are converted to GGUF)")
            }
            return []
        }
        let tokenizerData: Data
        do { tokenizerData = try Data(contentsOf: tokenizerURL) } catch {
            throw TokenizerError.unreadable(file: path, reason: error.localizedDescription)
        }
        let tokenizer = try object(tokenizerData, file: path)
        let configurationURL = directory.appendingPathComponent("tokenizer_config.json")
        let configuration = FileManager.default.fileExists(atPath: configurationURL.path) ? try readObject(configurationURL) : [:]

        guard let model = tokenizer["model"] as? [String: Any], model["type"] as? String == "BPE",
              model["vocab"] is [String: Any] else {
            throw TokenizerError.unsupportedType(file: path, field: "model.type", type: "\((tokenizer["model"] as? [String: Any])?["type"] ?? "none") (only BPE with a vocab is converted to GGUF)")
        }
        let byteFallback = model["byte_fallback"] as? Bool == true
        // Read exactly: Foundation's JSON merges canonically equivalent keys ("ί" U+1F77 and U+03AF in Llama 2).
        let vocabulary = try JSONFields(data: tokenizerData, file: path).object("model").object("vocab").object.pairs

        let added = (tokenizer["added_tokens"] as? [[String: Any]]) ?? []
        // Ids index the token list, which is padded to the model's vocabulary: a dense vocabulary fits.
        let idLimit = max(vocabularySize, vocabulary.count + added.count)
        var byID: [Int: String] = [:]
        for (token, value) in vocabulary {
            guard case .int(let id) = value, (0..<idLimit).contains(id) else {
                let found = if case .int(let id) = value { "\(id)" } else { "\(value)" }
                throw TokenizerError.invalidField(file: path, field: "model.vocab[\(token)]", expected: "an id in 0..<\(idLimit) (found \(found))")
            }
            byID[id] = token
        }
        var addedSpecial: [Int: Bool] = [:]
        for entry in added {
            guard let id = entry["id"] as? Int, let content = entry["content"] as? String, (0..<idLimit).contains(id) else {
                throw TokenizerError.invalidField(file: path, field: "added_tokens",
                                                  expected: "entries with an integer id in 0..<\(idLimit) and a content string")
            }
            byID[id] = content
            addedSpecial[id] = entry["special"] as? Bool ?? false
        }
        let count = max(vocabularySize, (byID.keys.max() ?? -1) + 1)
        var entries: [(key: String, value: GGUFValue)]
        if byteFallback {
            entries = try sentencePieceEntries(tokenizer, model: model, byID: byID, addedSpecial: addedSpecial, count: count, file: path)
        } else {
            let pre = try preTokenizerName(tokenizer["pre_tokenizer"], file: path)
            var tokens: [GGUFValue] = [], tokenTypes: [GGUFValue] = []
            tokens.reserveCapacity(count)
            tokenTypes.reserveCapacity(count)
            for id in 0..<count {
                if let token = byID[id] {
                    tokens.append(.string(token))
                    tokenTypes.append(.int32(addedSpecial[id].map { $0 ? 3 : 4 } ?? 1))
                } else {
                    tokens.append(.string("[PAD\(id)]"))
                    tokenTypes.append(.int32(5))
                }
            }
            let merges = try mergePairs(model, file: path).map { GGUFValue.string($0.0 + " " + $0.1) }
            entries = [
                ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string(pre)),
                ("tokenizer.ggml.tokens", .array(.string, tokens)), ("tokenizer.ggml.token_type", .array(.int32, tokenTypes)),
            ]
            if !merges.isEmpty { entries.append(("tokenizer.ggml.merges", .array(.string, merges))) }
        }
        func id(of key: String) -> Int? {
            // SentencePiece-style vocabularies name their unknown token in the model.
            let value = configuration[key] ?? (key == "unk_token" && byteFallback ? model["unk_token"] : nil)
            guard let content = value as? String ?? (value as? [String: Any])?["content"] as? String else { return nil }
            return byID.first { $0.value == content }?.key
        }
        let special = [("bos_token", "tokenizer.ggml.bos_token_id"), ("eos_token", "tokenizer.ggml.eos_token_id"),
                       ("unk_token", "tokenizer.ggml.unknown_token_id"), ("pad_token", "tokenizer.ggml.padding_token_id")]
        for (name, key) in special {
            if let id = id(of: name) { entries.append((key, .uint32(UInt32(id)))) }
        }
        let template = (tokenizer["post_processor"] as? [String: Any]).flatMap { $0["type"] as? String == "TemplateProcessing" ? $0 : nil }
        let single = (template?["single"] as? [[String: Any]]) ?? []
        let startsWithSpecial = single.first?["SpecialToken"] != nil, endsWithSpecial = single.count > 1 && single.last?["SpecialToken"] != nil
        let addsBOS = configuration["add_bos_token"] as? Bool ?? (template != nil ? startsWithSpecial : nil)
        let addsEOS = configuration["add_eos_token"] as? Bool ?? (template != nil ? endsWithSpecial : nil)
        if let addsBOS { entries.append(("tokenizer.ggml.add_bos_token", .bool(addsBOS))) }
        if let addsEOS { entries.append(("tokenizer.ggml.add_eos_token", .bool(addsEOS))) }
        if let chatTemplate = try chatTemplate(configuration, directory: directory, file: configurationURL.path) {
            entries.append(("tokenizer.chat_template", .string(chatTemplate)))
        }
        return entries
    }

    /// `model.merges` as pairs, from `"a b"` strings or `[a, b]` lists.
    static func mergePairs(_ model: [String: Any], file: String) throws -> [(String, String)] {
        try (model["merges"] as? [Any] ?? []).map { merge -> (String, String) in
            if let merge = merge as? String, let pair = LiteralText.splitAtFirstSpace(merge) { return pair }
            if let pair = merge as? [String], pair.count == 2 { return (pair[0], pair[1]) }
            throw TokenizerError.invalidField(file: file, field: "model.merges", expected: "\"a b\" strings or [a, b] pairs")
        }
    }

    /// llama.cpp's `tokenizer.ggml.pre` name of a `tokenizer.json` pre-tokenizer.
    static func preTokenizerName(_ value: Any?, file: String) throws -> String {
        let object = value as? [String: Any]
        let parts = object?["type"] as? String == "Sequence" ? (object?["pretokenizers"] as? [[String: Any]] ?? []) : object.map { [$0] } ?? []
        let types = parts.map { $0["type"] as? String ?? "" }
        func regex(_ part: [String: Any]) -> String? { (part["pattern"] as? [String: Any])?["Regex"] as? String }
        if types == ["ByteLevel"], parts[0]["use_regex"] as? Bool ?? true { return "gpt-2" }
        if types == ["Digits", "ByteLevel"], parts[0]["individual_digits"] as? Bool == true, parts[1]["use_regex"] as? Bool ?? true {
            return "smollm"
        }
        if types == ["Split", "ByteLevel"], parts[1]["use_regex"] as? Bool == false {
            if regex(parts[0]) == KnownSplitPattern.llama3Source { return "llama-bpe" }
            if regex(parts[0]) == KnownSplitPattern.qwen2Source { return "qwen2" }
        }
        throw TokenizerError.unsupportedType(file: file, field: "pre_tokenizer",
                                             type: "\(types) (GGUF export knows ByteLevel, Digits + ByteLevel, and the Llama 3 and Qwen2 splits)")
    }

    /// `chat_template` of `tokenizer_config.json` (a string, or the `default` of named templates),
    /// else `chat_template.jinja`.
    static func chatTemplate(_ configuration: [String: Any], directory: URL, file: String) throws -> String? {
        if let template = configuration["chat_template"] as? String { return template }
        if let named = configuration["chat_template"] as? [[String: Any]] {
            guard let template = named.first(where: { $0["name"] as? String == "default" })?["template"] as? String else {
                throw TokenizerError.invalidField(file: file, field: "chat_template", expected: "a string or a list with a \"default\" template")
            }
            return template
        }
        let jinja = directory.appendingPathComponent("chat_template.jinja")
        guard FileManager.default.fileExists(atPath: jinja.path) else { return nil }
        do { return try String(contentsOf: jinja, encoding: .utf8) } catch {
            throw TokenizerError.unreadable(file: jinja.path, reason: error.localizedDescription)
        }
    }

    static func readObject(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try object(data, file: url.path)
    }

    static func object(_ data: Data, file: String) throws -> [String: Any] {
        guard let object = try? ExactUTF8.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError.invalidField(file: file, field: "(file)", expected: "a JSON object")
        }
        return object
    }
}
