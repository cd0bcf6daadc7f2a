/// SQuAD-style answer matching: normalization, exact match and token F1.
///
/// A port of the official SQuAD v2.0 evaluation script (`normalize_answer`, `compute_exact`,
/// `compute_f1`), over code points as Python sees them.
public enum AnswerMatching {
    /// SQuAD's `normalize_answer`: lower-case, drop ASCII punctuation, drop the words "a", "an",
    /// "the", collapse whitespace.
    ///
    /// Steps, in SQuAD's order: `lower` → remove every character of Python's `string.punctuation`
    /// → replace each whole word (`\b(a|an|the)\b`, Unicode word characters) by a space → join the
    /// whitespace-split words with single spaces.
    ///
    /// `normalize("The Silver Heron's!")` is `"silver herons"`; `normalize("an apple a day")` is
    /// `"apple day"`.
    public static func normalize(_ text: String) -> String {
        PythonText.string(normalizedTokens(text).joined(separator: [" "]))
    }

    /// SQuAD's exact match: 1 when the normalized texts are equal, else 0.
    ///
    /// `exactMatch("In 872 AE.", "872 ae")` is 0; `exactMatch("872 ae.", "872 AE")` is 1.
    public static func exactMatch(_ prediction: String, _ reference: String) -> Double {
        normalizedTokens(prediction) == normalizedTokens(reference) ? 1 : 0
    }

    /// SQuAD's token F1 between the normalized word multisets.
    ///
    /// `F1 = 2PR / (P + R)` with `P = common / predictedWords`, `R = common / referenceWords` and
    /// `common` the size of the multiset intersection; when either text has no words, F1 is 1 if
    /// both have none, else 0 (SQuAD v2.0).
    ///
    /// `tokenF1("In 872 AE", "872 AE")`: P = 2/3, R = 1, F1 = 0.8.
    public static func tokenF1(_ prediction: String, _ reference: String) -> Double {
        let predicted = normalizedTokens(prediction)
        let expected = normalizedTokens(reference)
        if predicted.isEmpty || expected.isEmpty { return predicted == expected ? 1 : 0 }
        var coder = TokenCoder()
        var available: [Int: Int] = [:]
        for code in coder.codes(for: expected) { available[code, default: 0] += 1 }
        var common = 0
        for code in coder.codes(for: predicted) where (available[code] ?? 0) > 0 {
            available[code]! -= 1
            common += 1
        }
        if common == 0 { return 0 }
        let precision = 1.0 * Double(common) / Double(predicted.count)
        let recall = 1.0 * Double(common) / Double(expected.count)
        return (2 * precision * recall) / (precision + recall)
    }

    /// The words of `normalize(text)`, as code points.
    static func normalizedTokens(_ text: String) -> [[Unicode.Scalar]] {
        let lowered = PythonText.lower(text)
        let withoutPunctuation = lowered.filter { !isASCIIPunctuation($0) }
        // \b(a|an|the)\b: a whole run of word characters equal to an article becomes one space.
        var withoutArticles: [Unicode.Scalar] = []
        withoutArticles.reserveCapacity(withoutPunctuation.count)
        var index = 0
        while index < withoutPunctuation.count {
            guard PythonText.isWordCharacter(withoutPunctuation[index]) else {
                withoutArticles.append(withoutPunctuation[index])
                index += 1
                continue
            }
            var end = index
            while end < withoutPunctuation.count && PythonText.isWordCharacter(withoutPunctuation[end]) { end += 1 }
            let word = withoutPunctuation[index..<end]
            if word.elementsEqual("a".unicodeScalars) || word.elementsEqual("an".unicodeScalars)
                || word.elementsEqual("the".unicodeScalars) {
                withoutArticles.append(" ")
            } else {
                withoutArticles.append(contentsOf: word)
            }
            index = end
        }
        return PythonText.split(withoutArticles)
    }

    /// Python's `string.punctuation`: ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``.
    static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }
}

/// Exact match against the sample's reference: 1 or 0.
///
/// With `normalized: true` (default) this is SQuAD's exact match (`AnswerMatching.exactMatch`):
/// `"the Silver Heron."` matches `"Silver Heron"`. With `normalized: false` the texts must be equal
/// code point for code point (Python's `==`), after trimming surrounding whitespace when
/// `trimmingWhitespace` is set.
///
/// Requires each sample's `reference`.
public struct ExactMatchReward: SampleReward {
    /// SQuAD normalization before comparing (default `true`).
    public var normalized: Bool
    /// With `normalized: false`: strip surrounding whitespace first (Python's `str.strip()`).
    public var trimmingWhitespace: Bool
    public var name: String

    public init(normalized: Bool = true, trimmingWhitespace: Bool = true, name: String? = nil) {
        self.normalized = normalized
        self.trimmingWhitespace = trimmingWhitespace
        self.name = name ?? (normalized ? "normalized_match" : "exact_match")
    }

    public func score(completion: String, sample: RewardSample) throws -> Double? {
        let reference = try require(.reference, of: sample)
        if normalized { return AnswerMatching.exactMatch(completion, reference) }
        let predicted = Array(completion.unicodeScalars), expected = Array(reference.unicodeScalars)
        if trimmingWhitespace {
            return PythonText.strip(predicted).elementsEqual(PythonText.strip(expected)) ? 1 : 0
        }
        return predicted == expected ? 1 : 0
    }
}

/// SQuAD token F1 against the sample's reference, in [0, 1] (`AnswerMatching.tokenF1`).
///
/// Completion `"In 872 AE"`, reference `"872 AE"`: 0.8. Requires each sample's `reference`.
public struct TokenF1Reward: SampleReward {
    public var name: String

    public init(name: String = "token_f1") {
        self.name = name
    }

    public func score(completion: String, sample: RewardSample) throws -> Double? {
        AnswerMatching.tokenF1(completion, try require(.reference, of: sample))
    }
}
