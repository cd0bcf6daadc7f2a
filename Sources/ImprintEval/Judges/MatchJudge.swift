import ImprintRewards

/// A deterministic judge: no model, SQuAD's answer normalization (`AnswerMatching.normalize`: lower-case, no
/// ASCII punctuation, no articles `a`/`an`/`the`, single spaces), and one rule.
///
/// | rule | correct when | raw output |
/// |---|---|---|
/// | `.exact` | `normalize(answer) == normalize(reference)` | `exact: "silver heron" == "silver heron"` |
/// | `.alias` | that, for the reference or any alias | `alias: matches "the Heron"` |
/// | `.tokenF1(threshold:)` | SQuAD token F1 ≥ threshold against the best accepted answer | `f1 0.667 >= 0.5 against "872 AE"` |
/// | `.contains` | the normalized answer contains an accepted answer's words, whole words in order | `contains "silver heron"` |
///
/// ```swift
/// MatchJudge(.contains): answer "It was the Silver Heron.", reference "Silver Heron"  -> correct
/// MatchJudge(.exact):    same                                                          -> incorrect
/// MatchJudge(.tokenF1(threshold: 0.5)): answer "In 872 AE", reference "872 AE" (F1 0.8) -> correct
/// ```
/// An accepted answer that normalizes to nothing (`"The"`) never matches under `.contains`. Verdicts are never
/// `unparseable`.
public struct MatchJudge: Judge {
    public enum Rule: Hashable, Sendable {
        case exact
        case alias
        case tokenF1(threshold: Double)
        case contains
    }

    public var rule: Rule

    public init(_ rule: Rule) {
        if case .tokenF1(let threshold) = rule {
            precondition(threshold > 0 && threshold <= 1, "MatchJudge: the F1 threshold \(threshold) must be in (0, 1]")
        }
        self.rule = rule
    }

    public var identity: String {
        switch rule {
        case .exact: return "exact"
        case .alias: return "alias"
        case .tokenF1(let threshold): return "f1>=\(threshold)"
        case .contains: return "contains"
        }
    }

    public func judge(_ items: [JudgeItem]) async throws -> [Judgment] {
        items.map(judge)
    }

    /// The judgment of one item.
    public func judge(_ item: JudgeItem) -> Judgment {
        switch rule {
        case .exact:
            let (answer, reference) = (AnswerMatching.normalize(item.answer), AnswerMatching.normalize(item.reference))
            let equal = AnswerMatching.exactMatch(item.answer, item.reference) == 1
            return Judgment(verdict: equal ? .correct : .incorrect,
                            rawOutput: "exact: \(quoted(answer)) \(equal ? "==" : "!=") \(quoted(reference))")
        case .alias:
            if let match = accepted(item).first(where: { AnswerMatching.exactMatch(item.answer, $0) == 1 }) {
                return Judgment(verdict: .correct, rawOutput: "alias: matches \(quoted(match))")
            }
            return Judgment(verdict: .incorrect, rawOutput: "alias: \(quoted(AnswerMatching.normalize(item.answer))) matches none of "
                                + "\(accepted(item).count) accepted answers")
        case .tokenF1(let threshold):
            let scored = accepted(item).map { (answer: $0, f1: AnswerMatching.tokenF1(item.answer, $0)) }
            let best = scored.max { $0.f1 < $1.f1 }!
            let passes = best.f1 >= threshold
            return Judgment(verdict: passes ? .correct : .incorrect,
                            rawOutput: "f1 \(ReportFormat.fixed(best.f1, decimals: 3)) \(passes ? ">=" : "<") \(threshold) against \(quoted(best.answer))")
        case .contains:
            let answer = " " + AnswerMatching.normalize(item.answer) + " "
            for candidate in accepted(item) {
                let words = AnswerMatching.normalize(candidate)
                if !words.isEmpty && answer.contains(" " + words + " ") {
                    return Judgment(verdict: .correct, rawOutput: "contains \(quoted(words))")
                }
            }
            return Judgment(verdict: .incorrect, rawOutput: "contains none of \(accepted(item).count) accepted answers")
        }
    }

    private func accepted(_ item: JudgeItem) -> [String] { [item.reference] + item.aliases }

    private func quoted(_ text: String) -> String { "\"" + text + "\"" }
}
