import Foundation

/// BLEU (Papineni et al., 2002) exactly as sacreBLEU 2.x computes it, on sacreBLEU's 0–100 scale.
///
/// `BLEU = BP · exp((1/N) Σ_{n=1..N} log p_n)`, with
/// - `p_n = 100 · correct_n / total_n`, the clipped n-gram precision (hypothesis n-gram counts
///   clipped by the largest count in any one reference), n = 1...4 over 13a tokens;
/// - `BP = exp(1 - r/c)` when the hypothesis length `c` is below the closest reference length `r`
///   (ties go to the shorter reference), else 1; 0 when `c = 0`;
/// - smoothing of zero precisions: `.exponential` (sacreBLEU's default `'exp'`, NIST's method)
///   gives the k-th zero precision the value `100 / (2^k · total_n)`;
/// - `effectiveOrder`: `N` stops at the largest order with any hypothesis n-gram, so a 2-word
///   sentence is scored on 1- and 2-grams only (the sentence-level setting).
/// If no n-gram of any order matches, BLEU is 0.
///
/// ```swift
/// let bleu = BLEU.sentence   // BLEU(effective_order=True), tokenizer 13a, smoothing 'exp'
/// bleu.sentenceScore("The cat sat on the mat.", references: ["The cat sat on the mat."]).score
/// // 100.00000000000004, as sacreBLEU prints (exp of a sum of logs)
/// bleu.sentenceScore("the cat", references: ["The cat sat on the mat."]).score
/// // 5.804285916064729: p1 = 100 ("the" and "cat" both occur in the 7 reference tokens),
/// // p2 = 100 / (2 · 1) = 50 (smoothed: the reference has "The cat", not "the cat"),
/// // BP = exp(1 - 7/2), BLEU = exp(-2.5) · sqrt(100 · 50)
/// ```
///
/// The seed's diversity notebook uses `sentenceScore(a, references: [b]).score / 100`
/// (`BLEU.sentence.similarity(a, b)`), a [0, 1] value, asymmetric in `a` and `b`.
///
/// Matches `sacrebleu.metrics.BLEU(...).sentence_score` and `.corpus_score` (sacreBLEU 2.6.0;
/// tests compare to 1e-9).
public struct BLEU: Sendable, Hashable {
    /// How precisions that are zero are smoothed (sacreBLEU's `smooth_method`, `smooth_value`).
    public enum Smoothing: Sendable, Hashable {
        /// No smoothing: a zero precision makes BLEU 0 (sacreBLEU's `'none'`).
        case off
        /// A zero precision becomes `100 · value / total_n` (`'floor'`, default value 0.1).
        case floor(Double = 0.1)
        /// `value` is added to matches and totals of orders 2 and up (`'add-k'`, default 1).
        case addK(Double = 1)
        /// The k-th zero precision becomes `100 / (2^k · total_n)` (`'exp'`, the default).
        case exponential
    }

    /// The largest n-gram order (4).
    public var maxOrder: Int
    /// Stop at the largest order that has hypothesis n-grams (sacreBLEU's `effective_order`).
    public var effectiveOrder: Bool
    /// Zero-precision smoothing.
    public var smoothing: Smoothing
    /// Lower-case hypotheses and references first (sacreBLEU's `lowercase`).
    public var lowercase: Bool

    /// sacreBLEU's defaults: `BLEU()` is corpus BLEU, `BLEU(effectiveOrder: true)` sentence BLEU.
    public init(effectiveOrder: Bool = false, smoothing: Smoothing = .exponential, lowercase: Bool = false,
                maxOrder: Int = 4) {
        precondition(maxOrder >= 1, "BLEU: maxOrder must be at least 1, got \(maxOrder)")
        self.effectiveOrder = effectiveOrder
        self.smoothing = smoothing
        self.lowercase = lowercase
        self.maxOrder = maxOrder
    }

    /// Sentence BLEU as the seeds use it: `BLEU(effective_order=True)`, 13a, smoothing `'exp'`.
    public static let sentence = BLEU(effectiveOrder: true)

    /// A BLEU score and the statistics behind it (sacreBLEU's `BLEUScore`).
    public struct Score: Sendable, Hashable {
        /// BLEU on the 0–100 scale.
        public var score: Double
        /// Matched (clipped) n-grams per order (after add-k, as sacreBLEU reports them).
        public var counts: [Double]
        /// Hypothesis n-grams per order.
        public var totals: [Double]
        /// Precisions per order, 0–100.
        public var precisions: [Double]
        /// Brevity penalty.
        public var brevityPenalty: Double
        /// Hypothesis length in tokens.
        public var hypothesisLength: Int
        /// Closest reference length in tokens.
        public var referenceLength: Int
    }

    /// The sufficient statistics of one or more segments; statistics of segments add up to the
    /// corpus's (sacreBLEU's flattened `[hyp_len, ref_len, correct..., total...]`).
    public struct Statistics: Sendable, Hashable {
        /// Hypothesis tokens.
        public var hypothesisLength: Int
        /// Closest reference length, in tokens.
        public var referenceLength: Int
        /// Clipped matching n-grams per order.
        public var correct: [Int]
        /// Hypothesis n-grams per order.
        public var total: [Int]

        /// Element-wise sum, as sacreBLEU's `sum_of_lists`.
        public static func + (lhs: Statistics, rhs: Statistics) -> Statistics {
            Statistics(hypothesisLength: lhs.hypothesisLength + rhs.hypothesisLength,
                       referenceLength: lhs.referenceLength + rhs.referenceLength,
                       correct: zip(lhs.correct, rhs.correct).map { $0 + $1 },
                       total: zip(lhs.total, rhs.total).map { $0 + $1 })
        }
    }

    /// BLEU of one hypothesis against one or more references (sacreBLEU's `sentence_score`).
    public func sentenceScore(_ hypothesis: String, references: [String]) -> Score {
        score(from: statistics(hypothesis, references: references))
    }

    /// `sentenceScore(a, references: [b]).score / 100`: the seed notebook's `bleu_score(a, b)`.
    ///
    /// `BLEU.sentence.similarity("cat", "cat")` is 1.0000000000000004.
    public func similarity(_ hypothesis: String, _ reference: String) -> Double {
        sentenceScore(hypothesis, references: [reference]).score / 100
    }

    /// Corpus BLEU: statistics summed over segments, then one score (sacreBLEU's `corpus_score`).
    ///
    /// - Parameter referenceStreams: sacreBLEU's layout: `referenceStreams[k][i]` is the k-th
    ///   reference of `hypotheses[i]`; every stream has one entry per hypothesis.
    public func corpusScore(_ hypotheses: [String], referenceStreams: [[String]]) -> Score {
        precondition(!referenceStreams.isEmpty && referenceStreams.allSatisfy { $0.count == hypotheses.count },
                     "BLEU.corpusScore: each reference stream needs \(hypotheses.count) entries, got "
                     + "\(referenceStreams.map(\.count))")
        precondition(!hypotheses.isEmpty, "BLEU.corpusScore: no hypotheses")
        let statistics = hypotheses.indices.map { index in
            self.statistics(hypotheses[index], references: referenceStreams.map { $0[index] })
        }
        return score(from: statistics.dropFirst().reduce(statistics[0], +))
    }

    /// The statistics of one segment (sacreBLEU's `_compute_segment_statistics`).
    public func statistics(_ hypothesis: String, references: [String]) -> Statistics {
        precondition(!references.isEmpty, "BLEU: a hypothesis needs at least one reference")
        var coder = TokenCoder()
        var referenceCounts: [[Int]: Int] = [:]
        var referenceLengths: [Int] = []
        for reference in references {
            let tokens = coder.codes(for: preprocess(reference))
            referenceLengths.append(tokens.count)
            for (ngram, count) in Self.ngramCounts(tokens, maxOrder: maxOrder) {
                referenceCounts[ngram] = max(referenceCounts[ngram] ?? 0, count)
            }
        }
        let tokens = coder.codes(for: preprocess(hypothesis))
        var correct = [Int](repeating: 0, count: maxOrder)
        var total = [Int](repeating: 0, count: maxOrder)
        for (ngram, count) in Self.ngramCounts(tokens, maxOrder: maxOrder) {
            total[ngram.count - 1] += count
            if let available = referenceCounts[ngram] { correct[ngram.count - 1] += min(count, available) }
        }
        return Statistics(hypothesisLength: tokens.count,
                          referenceLength: Self.closestReferenceLength(tokens.count, referenceLengths),
                          correct: correct, total: total)
    }

    /// The score from (summed) statistics (sacreBLEU's `compute_bleu`).
    public func score(from statistics: Statistics) -> Score {
        let hypothesisLength = statistics.hypothesisLength, referenceLength = statistics.referenceLength
        var correct = statistics.correct.map(Double.init)
        var total = statistics.total.map(Double.init)
        var brevityPenalty = 1.0
        if hypothesisLength < referenceLength {
            brevityPenalty = hypothesisLength > 0
                ? exp(1 - Double(referenceLength) / Double(hypothesisLength)) : 0
        }
        var precisions = [Double](repeating: 0, count: maxOrder)
        func result(_ score: Double) -> Score {
            Score(score: score, counts: correct, totals: total, precisions: precisions,
                  brevityPenalty: brevityPenalty, hypothesisLength: hypothesisLength,
                  referenceLength: referenceLength)
        }
        if correct.allSatisfy({ $0 == 0 }) { return result(0) }

        var smoothingDivisor = 1.0
        var order = maxOrder
        for n in 1...maxOrder {
            if case .addK(let k) = smoothing, n > 1 {
                correct[n - 1] += k
                total[n - 1] += k
            }
            if total[n - 1] == 0 { break }
            if effectiveOrder { order = n }
            if correct[n - 1] == 0 {
                switch smoothing {
                case .exponential:
                    smoothingDivisor *= 2
                    precisions[n - 1] = 100 / (smoothingDivisor * total[n - 1])
                case .floor(let value):
                    precisions[n - 1] = 100 * value / total[n - 1]
                case .off, .addK:
                    break
                }
            } else {
                precisions[n - 1] = 100 * correct[n - 1] / total[n - 1]
            }
        }
        var logSum = 0.0
        for precision in precisions[..<order] {
            logSum += precision == 0 ? -9_999_999_999 : log(precision)  // sacreBLEU's my_log
        }
        return result(brevityPenalty * exp(logSum / Double(order)))
    }

    /// Lower-cases (if asked), strips trailing whitespace and tokenizes (`_preprocess_segment`).
    func preprocess(_ text: String) -> [[Unicode.Scalar]] {
        let scalars = lowercase ? PythonText.lower(text) : Array(text.unicodeScalars)
        return Tokenizer13a.tokenScalars(Array(PythonText.rstrip(scalars)))
    }

    /// Counts of all n-grams of orders 1...maxOrder (sacreBLEU's `extract_all_word_ngrams`).
    static func ngramCounts(_ tokens: [Int], maxOrder: Int) -> [[Int]: Int] {
        var counts: [[Int]: Int] = [:]
        for n in 1...maxOrder where n <= tokens.count {
            for start in 0...(tokens.count - n) {
                counts[Array(tokens[start..<start + n]), default: 0] += 1
            }
        }
        return counts
    }

    /// The reference length closest to the hypothesis length; ties go to the shorter reference.
    static func closestReferenceLength(_ hypothesisLength: Int, _ referenceLengths: [Int]) -> Int {
        var closestDifference = -1, closestLength = -1
        for length in referenceLengths {
            let difference = abs(hypothesisLength - length)
            if closestDifference == -1 || difference < closestDifference {
                closestDifference = difference
                closestLength = length
            } else if difference == closestDifference && length < closestLength {
                closestLength = length
            }
        }
        return closestLength
    }
}
