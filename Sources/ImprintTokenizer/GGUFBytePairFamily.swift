import Foundation

/// What a byte-level BPE vocabulary's `tokenizer.ggml.pre` stands for: the normalizer and pre-tokenizer of the
/// family's original `tokenizer.json` (which made llama.cpp's `.out` test vectors), whether whole-vocabulary words
/// skip the merges, and whether llama.cpp adds BOS when the file has no `tokenizer.ggml.add_bos_token`.
///
/// llama.cpp (src/llama-vocab.cpp, `llm_tokenizer_bpe`) approximates these with its own regexes; where the two
/// differ, the original tokenizer (and so the vectors) wins: Qwen2, MPT and Command-R normalize to NFC, which
/// llama.cpp skips.
struct GGUFBytePairFamily {
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer
    let ignoreMerges: Bool
    let addsBOSByDefault: Bool

    /// - Throws: `TokenizerError.unsupportedType` naming `file` and `tokenizer.ggml.pre` for other names.
    init(_ name: String, file: String) throws {
        let byteLevel = PreTokenizer.byteLevel(addPrefixSpace: false, useRegex: false)
        let gpt2 = PreTokenizer.byteLevel(addPrefixSpace: false, useRegex: true)
        func split(_ pattern: SplitPattern) -> PreTokenizer { .split(pattern: pattern, behavior: .isolated, invert: false) }
        var normalizer: Normalizer?
        var ignoreMerges = false
        var addsBOS = false
        switch name {
        case "default", "gpt-2", "gpt2", "phi-2":
            preTokenizer = gpt2
        case "mpt":
            // GPT-NeoX's tokenizer.
            normalizer = .nfc
            preTokenizer = gpt2
        case "llama-bpe", "llama3", "llama-v3":
            preTokenizer = .sequence([split(.known(.llama3(numberRun: 3))), byteLevel])
            ignoreMerges = true
            addsBOS = true
        case "qwen2", "deepseek-r1-qwen":
            normalizer = .nfc
            preTokenizer = .sequence([split(.known(.llama3(numberRun: 1))), byteLevel])
        case "qwen35":
            // No normalizer: the vectors keep decomposed text decomposed.
            preTokenizer = .sequence([split(.known(.qwen35)), byteLevel])
        case "smollm", "starcoder", "refact":
            preTokenizer = .sequence([.digits(individual: true), gpt2])
        case "command-r":
            normalizer = .nfc
            preTokenizer = .sequence([.digits(individual: true), gpt2])
        case "falcon":
            preTokenizer = .sequence([.punctuation(behavior: .contiguous), gpt2, .digits(individual: false),
                                      split(Self.falconThreeDigits)])
        case "deepseek-coder":
            preTokenizer = .sequence([split(Self.lineBreak), split(Self.deepSeekCoderLetters), split(Self.deepSeekCoderPunctuation),
                                      split(Self.deepSeekCJK), .digits(individual: true), byteLevel])
        case "deepseek-llm":
            preTokenizer = .sequence([split(Self.lineBreak), split(Self.deepSeekLLMLetters), split(Self.deepSeekLLMPunctuation),
                                      split(Self.trailingWhitespace), split(Self.deepSeekCJK), .digits(individual: false), byteLevel])
        default:
            throw TokenizerError.unsupportedType(file: file, field: "tokenizer.ggml.pre", type: name)
        }
        self.normalizer = normalizer
        self.ignoreMerges = ignoreMerges
        addsBOSByDefault = addsBOS
    }

    /// The pattern of a fixed regex source (a hand-written matcher where there is one).
    private static func regex(_ source: String) -> SplitPattern {
        // The sources below are fixed and compile.
        try! SplitPattern.regex(source: source, file: "(built in)", field: "tokenizer.ggml.pre")
    }

    static let lineBreak = regex(lineBreakSource)
    static let trailingWhitespace = regex(trailingWhitespaceSource)
    static let falconThreeDigits = regex(falconThreeDigitsSource)
    static let deepSeekCJK = regex(deepSeekCJKSource)
    static let deepSeekCoderLetters = regex(deepSeekCoderLettersSource)
    static let deepSeekCoderPunctuation = regex(deepSeekCoderPunctuationSource)
    static let deepSeekLLMPunctuation = regex(deepSeekLLMPunctuationSource)
    static let deepSeekLLMLetters = regex(deepSeekLLMLettersSource)

    /// The DeepSeek and Falcon regexes, which `ScalarRunPattern` matches by hand.
    static var scalarRunSources: [String] {
        [falconThreeDigitsSource, lineBreakSource, trailingWhitespaceSource, deepSeekCJKSource, deepSeekCoderLettersSource,
         deepSeekCoderPunctuationSource, deepSeekLLMPunctuationSource, deepSeekLLMLettersSource]
    }

    static let falconThreeDigitsSource = "[0-9][0-9][0-9]"
    static let lineBreakSource = "[\r\n]"
    static let trailingWhitespaceSource = #"\s+$"#
    /// CJK ideographs, U+0800 to U+4E00 and Hangul, as DeepSeek's tokenizers split them.
    static let deepSeekCJKSource = "[\u{4E00}-\u{9FA5}\u{0800}-\u{4E00}\u{AC00}-\u{D7FF}]+"
    static let deepSeekCoderLettersSource = #"\s?\p{L}+"#
    static let deepSeekCoderPunctuationSource = #"\s?\p{P}+"#
    static let deepSeekLLMPunctuationSource = #"\s?[!-/:-~\#u{FF01}-\#u{FF0F}\#u{FF1A}-\#u{FF5E}\#u{2018}-\#u{201F}\#u{3000}-\#u{3002}]+"#
    /// DeepSeek LLM's letter class: cased letters of many scripts. Six of its code points change under NFC
    /// (U+1F7D, U+1FD3, U+1FDB, U+1FBE, U+2126, U+212A); they are escaped so that no editor or copy normalizes them.
    static let deepSeekLLMLettersSource =
        #"\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝ"#
            + "\u{1F5F}-\u{1F7D}"
            + #"ᾀ-ᾴᾶ-ᾼ"# + "\u{1FBE}" + #"ῂ-ῄῆ-ῌ"# + "\u{1FD0}-\u{1FD3}\u{1FD6}-\u{1FDB}"
            + #"ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ"# + "\u{2126}" + #"ℨ"# + "\u{212A}-\u{212D}"
            + #"ℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+"#
}
