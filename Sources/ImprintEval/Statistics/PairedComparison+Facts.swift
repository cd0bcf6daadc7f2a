/// Seed 003's headline, paired: whether a fact's held-out phrasings were *all* answered correctly, compared fact by
/// fact between two runs (McNemar's exact test on the facts exactly one run got all right; a bootstrap over facts).
extension PairedComparison {
    /// Per fact (by `factID`), whether every held-out answer of it is correct; facts without held-out answers are absent.
    public static func allHeldOutCorrect(_ records: [AnswerRecord]) -> [String: Bool] {
        var correct: [String: Bool] = [:]
        for record in records where record.heldOut == true {
            guard let fact = record.factID else { continue }
            correct[fact] = (correct[fact] ?? true) && record.verdict == .correct
        }
        return correct
    }

    /// Compares the held-out all-correct ("both") rate of two runs on the facts both evaluated, in sorted fact order.
    public init(allHeldOutCorrect nameA: String, _ a: [AnswerRecord], _ nameB: String, _ b: [AnswerRecord],
                replicates: Int = 2000, seed: UInt64 = 0) {
        let factsA = Self.allHeldOutCorrect(a), factsB = Self.allHeldOutCorrect(b)
        let shared = factsA.keys.filter { factsB[$0] != nil }.sorted()
        self.init(nameA: nameA, a: shared.map { factsA[$0]! }, nameB: nameB, b: shared.map { factsB[$0]! },
                  replicates: replicates, seed: seed)
    }
}
