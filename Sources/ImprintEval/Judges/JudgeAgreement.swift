/// How often two judges agree on the same answers: the confusion table over the three verdicts, the observed
/// agreement and Cohen's κ (agreement corrected for chance), so a cheap judge (exact match, a small model) can
/// be checked against an expensive one before it replaces it.
///
/// ```swift
/// let agreement = JudgeAgreement(nameA: "exact", a: exactVerdicts, nameB: "llm", b: llmVerdicts)
/// agreement.confusion[0][1]   // answers A called correct and B incorrect
/// agreement.kappa             // 1 = perfect, 0 = chance level
/// ```
/// Rows of `confusion` are A's verdicts and columns B's, in `Verdict.allCases` order (correct, incorrect,
/// unparseable).
public struct JudgeAgreement: Codable, Hashable, Sendable {
    public var nameA: String
    public var nameB: String
    /// Answers judged by both.
    public var count: Int
    /// `confusion[i][j]`: answers A judged `Verdict.allCases[i]` and B `Verdict.allCases[j]`.
    public var confusion: [[Int]]
    /// The fraction of answers with the same verdict.
    public var observedAgreement: Double
    /// Cohen's κ of `confusion` (`Statistics.cohensKappa`).
    public var kappa: Double

    /// - Precondition: `a` and `b` have the same length (the verdicts of the same answers, in the same order).
    public init(nameA: String, a: [Verdict], nameB: String, b: [Verdict]) {
        precondition(a.count == b.count, "JudgeAgreement: \(nameA) judged \(a.count) answers, \(nameB) \(b.count)")
        let labels = Verdict.allCases
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: labels.count), count: labels.count)
        for (verdictA, verdictB) in zip(a, b) {
            confusion[labels.firstIndex(of: verdictA)!][labels.firstIndex(of: verdictB)!] += 1
        }
        self.nameA = nameA
        self.nameB = nameB
        count = a.count
        self.confusion = confusion
        observedAgreement = a.isEmpty ? 0 : Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count)
        kappa = Statistics.cohensKappa(confusion)
    }

    /// The confusion table as Markdown, A's verdicts down and B's across.
    public var markdown: String {
        let labels = Verdict.allCases.map(\.rawValue)
        return ReportDocument.markdownTable(header: ["\(nameA) ↓ / \(nameB) →"] + labels,
                                            rows: zip(labels, confusion).map { [$0] + $1.map(String.init) })
    }
}
