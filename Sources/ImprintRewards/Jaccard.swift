/// Jaccard similarity of the lower-cased whitespace-token sets of two texts.
///
/// `J(a, b) = |A ∩ B| / |A ∪ B|` with `A = set(a.lower().split())`, as the seed's diversity
/// notebook defines it: no stop-word removal, punctuation stays attached (`"mat."` ≠ `"mat"`).
/// Two texts without any token are identical: `J = 1` (Python's definition divides by zero).
///
/// `jaccardSimilarity("The cat sat", "the cat ran")`: A = {the, cat, sat}, B = {the, cat, ran},
/// J = 2 / 4 = 0.5.
public func jaccardSimilarity(_ a: String, _ b: String) -> Double {
    var coder = TokenCoder()
    let first = Set(coder.codes(for: PythonText.split(PythonText.lower(a))))
    let second = Set(coder.codes(for: PythonText.split(PythonText.lower(b))))
    let union = first.union(second).count
    return union == 0 ? 1 : Double(first.intersection(second).count) / Double(union)
}

/// Jaccard similarity of the completion and the sample's reference, in [0, 1]
/// (`jaccardSimilarity`). Requires each sample's `reference`.
///
/// Completion `"The cat sat"`, reference `"the cat ran"`: 0.5.
public struct JaccardReward: SampleReward {
    public var name: String

    public init(name: String = "jaccard") {
        self.name = name
    }

    public func score(completion: String, sample: RewardSample) throws -> Double? {
        jaccardSimilarity(completion, try require(.reference, of: sample))
    }
}

/// Sentence BLEU of the completion (hypothesis) against the sample's reference, on [0, 1]:
/// sacreBLEU's `BLEU(effective_order=True).sentence_score(completion, [reference]).score / 100`.
///
/// Completion `"the cat"`, reference `"The cat sat on the mat."`: 0.05804285916064729.
/// Requires each sample's `reference`.
public struct BLEUReward: SampleReward {
    /// The metric (default `BLEU.sentence`).
    public var bleu: BLEU
    public var name: String

    public init(bleu: BLEU = .sentence, name: String = "bleu") {
        self.bleu = bleu
        self.name = name
    }

    public func score(completion: String, sample: RewardSample) throws -> Double? {
        bleu.similarity(completion, try require(.reference, of: sample))
    }
}
