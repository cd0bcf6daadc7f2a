import Foundation
import ImprintFormats

extension GGUFTokenizerMetadata {
    /// The `tokenizer.ggml.*` vocabulary entries of a SentencePiece-style `tokenizer.json` (BPE with
    /// `byte_fallback`, spaces as `▁`: Llama 2, Mistral, Gemma), as llama.cpp's converter writes them
    /// (`_set_vocab_sentencepiece` / `_set_vocab_llama_hf`, gguf-py's `LlamaHfVocab`, Gemma's
    /// `add_space_prefix` false):
    ///
    /// - `tokenizer.ggml.model` `llama`, `tokenizer.ggml.pre` `default`;
    /// - tokens by id (with `▁`), padded to the model's vocabulary with `[PAD<id>]` (unused, 5, score −1000);
    /// - token types: byte `<0xXX>` 6, special added tokens control 3, other added tokens
    ///   user-defined 4 (their `▁` written as spaces, as the converter pre-normalizes them), a
    ///   model `unk_token` that is not an added token unknown 2, the rest normal 1;
    /// - scores: llama.cpp's SentencePiece tokenizer (and `PretrainedTokenizer(gguf:)`) merges the
    ///   adjacent pair whose concatenation has the highest score, so a token made by merge number
    ///   `r` (its first in `model.merges`) scores `−r`, which replays the file's merge order. (The
    ///   converter's `LlamaHfVocab` writes −1000 for every token, which loses that order; SentencePiece
    ///   models score their pieces the same way, in merge order.) Bytes score 0, added tokens −1000,
    ///   tokens no merge makes `−(merges + id)`;
    /// - `tokenizer.ggml.add_space_prefix`: true for a `Prepend("▁")` normalizer or a `Metaspace`
    ///   pre-tokenizer with `prepend_scheme` `first`/`always`, false for a lone `Replace(" ", "▁")`.
    ///
    /// The same vocabulary in llama.cpp differs from `tokenizers` only where `model.merges` leaves out a
    /// split of a token into two others (llama.cpp merges any pair whose concatenation is a token);
    /// vocabularies converted from SentencePiece list every such split.
    ///
    /// - Throws: `TokenizerError.unsupportedType` naming the field for a normalizer, pre-tokenizer
    ///   or `Metaspace` split llama.cpp's SentencePiece tokenizer does not reproduce.
    static func sentencePieceEntries(_ tokenizer: [String: Any], model: [String: Any], byID: [Int: String],
                                     addedSpecial: [Int: Bool], count: Int, file: String) throws -> [(key: String, value: GGUFValue)] {
        let addsSpacePrefix = try sentencePieceSpacePrefix(tokenizer, file: file)
        var rank: [ExactText: Int] = [:]
        let merges = try mergePairs(model, file: file)
        for (index, pair) in merges.enumerated() where rank[ExactText(pair.0 + pair.1)] == nil { rank[ExactText(pair.0 + pair.1)] = index }
        let unknown = model["unk_token"] as? String

        var tokens: [GGUFValue] = [], scores: [GGUFValue] = [], tokenTypes: [GGUFValue] = []
        tokens.reserveCapacity(count)
        scores.reserveCapacity(count)
        tokenTypes.reserveCapacity(count)
        for id in 0..<count {
            let token: String, score: Float, type: Int32
            if let text = byID[id] {
                if let special = addedSpecial[id] {
                    token = special ? text : text.replacingOccurrences(of: "▁", with: " ")
                    (score, type) = (-1000, special ? 3 : 4)
                } else {
                    token = text
                    if isByteToken(text) {
                        (score, type) = (0, 6)
                    } else {
                        score = -Float(rank[ExactText(text)] ?? (merges.count + id))
                        type = text == unknown ? 2 : 1
                    }
                }
            } else {
                (token, score, type) = ("[PAD\(id)]", -1000, 5)
            }
            tokens.append(.string(token))
            scores.append(.float32(score))
            tokenTypes.append(.int32(type))
        }
        return [
            ("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.pre", .string("default")),
            ("tokenizer.ggml.tokens", .array(.string, tokens)), ("tokenizer.ggml.scores", .array(.float32, scores)),
            ("tokenizer.ggml.token_type", .array(.int32, tokenTypes)),
            ("tokenizer.ggml.add_space_prefix", .bool(addsSpacePrefix)),
        ]
    }

    /// Whether the tokenizer puts `▁` before the text (llama.cpp's `add_space_prefix`), from the
    /// shapes transformers' `LlamaConverter` / `GemmaConverter` write.
    static func sentencePieceSpacePrefix(_ tokenizer: [String: Any], file: String) throws -> Bool {
        func isSpaceReplace(_ part: [String: Any]) -> Bool {
            part["type"] as? String == "Replace" && (part["pattern"] as? [String: Any])?["String"] as? String == " "
                && part["content"] as? String == "▁"
        }
        let normalizer = tokenizer["normalizer"] as? [String: Any]
        let normalizers = normalizer?["type"] as? String == "Sequence"
            ? (normalizer?["normalizers"] as? [[String: Any]] ?? []) : normalizer.map { [$0] } ?? []
        let preTokenizer = tokenizer["pre_tokenizer"] as? [String: Any]
        let preTokenizers = preTokenizer?["type"] as? String == "Sequence"
            ? (preTokenizer?["pretokenizers"] as? [[String: Any]] ?? []) : preTokenizer.map { [$0] } ?? []

        let normalizerPrefix: Bool?
        switch normalizers.count {
        case 0: normalizerPrefix = nil
        case 1 where isSpaceReplace(normalizers[0]): normalizerPrefix = false
        case 2 where normalizers[0]["type"] as? String == "Prepend" && normalizers[0]["prepend"] as? String == "▁"
            && isSpaceReplace(normalizers[1]): normalizerPrefix = true
        default:
            throw TokenizerError.unsupportedType(file: file, field: "normalizer", type: "\(normalizers.map { $0["type"] as? String ?? "" }) (a SentencePiece-style vocabulary is converted to GGUF with Replace(\" \", \"▁\"), optionally after Prepend(\"▁\"), or none)")
        }
        switch (normalizerPrefix, preTokenizers.count) {
        case (let prefix?, 0):
            return prefix
        case (let prefix?, 1) where preTokenizers[0]["type"] as? String == "Split"
            && (preTokenizers[0]["pattern"] as? [String: Any])?["String"] as? String == " ":
            return prefix  // Gemma: splits at spaces the normalizer has already replaced, a no-op
        case (nil, 1) where preTokenizers[0]["type"] as? String == "Metaspace":
            let metaspace = preTokenizers[0]
            guard metaspace["replacement"] as? String ?? "▁" == "▁", metaspace["split"] as? Bool == false else {
                throw TokenizerError.unsupportedType(file: file, field: "pre_tokenizer.split",
                                                     type: "Metaspace splitting words (llama.cpp's SentencePiece tokenizer merges across spaces; split false is converted)")
            }
            let scheme = metaspace["prepend_scheme"] as? String ?? (metaspace["add_prefix_space"] as? Bool == false ? "never" : "always")
            return scheme != "never"
        default:
            throw TokenizerError.unsupportedType(file: file, field: "pre_tokenizer", type: "\(preTokenizers.map { $0["type"] as? String ?? "" }) with normalizer \(normalizers.map { $0["type"] as? String ?? "" }) (a SentencePiece-style vocabulary is converted to GGUF with a space-replacing normalizer or a Metaspace pre-tokenizer)")
        }
    }

    /// `<0xXX>`, a SentencePiece byte-fallback token.
    static func isByteToken(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "<"), bytes[1] == UInt8(ascii: "0"), bytes[2] == UInt8(ascii: "x"),
              bytes[5] == UInt8(ascii: ">") else { return false }
        return bytes[3...4].allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) }
    }
}
