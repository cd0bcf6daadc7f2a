import Foundation
import ImprintFormats

extension PretrainedTokenizer {
    /// Builds a SentencePiece Unigram tokenizer from a GGUF file (`tokenizer.ggml.model` `t5`: T5, XLM-R, nomic-bert-moe),
    /// as transformers' `SpmConverter` builds its `tokenizer.json` (XLM-R's shape):
    /// - normalizer: `Precompiled` with `tokenizer.ggml.precompiled_charsmap`; then, with
    ///   `tokenizer.ggml.remove_extra_whitespaces` (default false, as llama.cpp), `Strip(right)` and
    ///   `Replace(" {2,}", "▁")`;
    /// - pre-tokenizer and decoder: `Metaspace("▁")`, prepending `▁` when `tokenizer.ggml.add_space_prefix`
    ///   (default true);
    /// - model: Unigram over `tokens` and `scores`, unknown id `tokenizer.ggml.unknown_token_id` (default 2, as
    ///   llama.cpp); user-defined pieces score 0 (llama.cpp); unused tokens (type 5, the converter's `[PAD<id>]`
    ///   padding) are no pieces; no byte fallback (llama.cpp's UGM has none).
    ///
    /// Added tokens are the control, user-defined and unknown tokens (llama.cpp matches all three as special with
    /// `parse_special`); `<mask>` swallows the whitespace on its left for the architectures llama.cpp names
    /// (`nomic-bert-moe`, `jina-bert-v3`), as XLM-R's `tokenizer.json` does. With special tokens, BOS and EOS follow
    /// `tokenizer.ggml.add_bos_token`/`add_eos_token`, defaulting to llama.cpp's UGM defaults (no BOS, EOS).
    ///
    /// - Throws: `TokenizerError` naming the file and key for a malformed charsmap or mismatched scores;
    ///   `FormatError` for missing or mistyped keys.
    convenience init(ggufUnigram file: GGUFFile) throws {
        let metadata = file.metadata
        let path = file.url.path
        let tokens = try metadata.strings("tokenizer.ggml.tokens")
        let types = try Self.ggufTokenTypes(metadata, count: tokens.count, file: path)
        let storedScores = try metadata.floats("tokenizer.ggml.scores")
        guard storedScores.count == tokens.count else {
            throw TokenizerError.invalidField(file: path, field: "tokenizer.ggml.scores",
                                              expected: "\(tokens.count) entries, one per token (found \(storedScores.count))")
        }
        let scores: [Double?] = tokens.indices.map { id in
            switch GGUFTokenType(rawValue: types[id]) {
            case .unused: return nil
            case .userDefined: return 0
            default: return Double(storedScores[id])
            }
        }
        func tokenId(_ key: String, default defaultId: Int?) throws -> Int? {
            let id = try metadata.intIfPresent(key) ?? defaultId
            guard let id, id >= 0, id < tokens.count else { return nil }
            return id
        }
        let unknownId = try tokenId("tokenizer.ggml.unknown_token_id", default: 2)
        let bosId = try tokenId("tokenizer.ggml.bos_token_id", default: nil)
        let eosId = try tokenId("tokenizer.ggml.eos_token_id", default: 1)

        var normalizers: [Normalizer] = []
        let charsMapKey = "tokenizer.ggml.precompiled_charsmap"
        if metadata.contains(charsMapKey) {
            let bytes = try metadata.array(charsMapKey).map { value -> UInt8 in
                switch value {
                case .uint8(let byte): return byte
                case .int8(let byte): return UInt8(bitPattern: byte)
                default: throw TokenizerError.invalidField(file: path, field: charsMapKey, expected: "an array of bytes (uint8)")
                }
            }
            if !bytes.isEmpty { normalizers.append(.precompiled(try PrecompiledCharsMap(bytes, file: path, field: charsMapKey))) }
        }
        if try metadata.boolIfPresent("tokenizer.ggml.remove_extra_whitespaces") ?? false {
            normalizers.append(.strip(left: false, right: true))
            normalizers.append(.replace(pattern: try SplitPattern.regex(source: " {2,}", file: path, field: "tokenizer.ggml.remove_extra_whitespaces"), content: "▁"))
        }
        let addsSpacePrefix = try metadata.boolIfPresent("tokenizer.ggml.add_space_prefix") ?? true
        let prependScheme: PreTokenizer.PrependScheme = addsSpacePrefix ? .always : .never

        let architecture = try metadata.stringIfPresent("general.architecture") ?? ""
        let masksStripLeft = ["nomic-bert-moe", "jina-bert-v3"].contains(architecture)
        let addedTokens: [AddedToken] = tokens.indices.compactMap { id in
            let type = GGUFTokenType(rawValue: types[id])
            guard type == .control || type == .userDefined || type == .unknown else { return nil }
            return AddedToken(id: id, content: tokens[id], special: type != .userDefined,
                              leftStrip: masksStripLeft && tokens[id] == "<mask>", normalized: false)
        }
        var template: [PostProcessor.Piece] = []
        if try metadata.boolIfPresent("tokenizer.ggml.add_bos_token") ?? false, let bosId { template.append(.special([bosId])) }
        template.append(.sequence)
        if try metadata.boolIfPresent("tokenizer.ggml.add_eos_token") ?? true, let eosId { template.append(.special([eosId])) }

        let model = UnigramModel(tokens: tokens, scores: scores, unknownId: unknownId, byteFallback: false)
        self.init(model: .unigram(model),
                  normalizer: normalizers.isEmpty ? nil : (normalizers.count == 1 ? normalizers[0] : .sequence(normalizers)),
                  preTokenizer: .metaspace(replacement: "▁", prependScheme: prependScheme, split: true),
                  postProcessor: template.count > 1 ? .template(template) : nil,
                  decoder: .metaspace(replacement: "▁", prependScheme: prependScheme), addedTokens: addedTokens,
                  bosToken: bosId.map { tokens[$0] }, eosToken: eosId.map { tokens[$0] },
                  padToken: try tokenId("tokenizer.ggml.padding_token_id", default: nil).map { tokens[$0] },
                  unknownToken: unknownId.map { tokens[$0] }, chatTemplate: try metadata.stringIfPresent("tokenizer.chat_template"),
                  cleansUpTokenizationSpaces: false)
    }
}
