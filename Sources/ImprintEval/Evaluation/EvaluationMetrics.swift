/// How many answers got each verdict.
public struct VerdictCounts: Codable, Hashable, Sendable {
    public var correct = 0
    public var incorrect = 0
    public var unparseable = 0

    public init(_ verdicts: some Sequence<Verdict>) {
        for verdict in verdicts {
            switch verdict {
            case .correct: correct += 1
            case .incorrect: incorrect += 1
            case .unparseable: unparseable += 1
            }
        }
    }

    public var total: Int { correct + incorrect + unparseable }
}

/// Accuracy of one phrasing (or category): every answer counts, an unparseable verdict as not correct (and
/// counted apart).
public struct GroupAccuracy: Codable, Hashable, Sendable {
    /// The phrasing id or category.
    public var name: String
    /// Whether the phrasing is held out of training (nil for a category or a row without a phrasing).
    public var heldOut: Bool?
    public var counts: VerdictCounts
    /// `correct / total`, with its Wilson interval.
    public var accuracy: ProportionEstimate

    enum CodingKeys: String, CodingKey {
        case name, counts, accuracy
        case heldOut = "heldout"
    }
}

/// The held-out (or trained) phrasings of each fact: per fact, were all, some or none of them answered
/// correctly — seed 003's "both / one / none" with two held-out phrasings — and the accuracy pooled over them.
///
/// A fact with an unparseable verdict among these phrasings falls in `unparseable`, not in the other three (its
/// bucket is unknown), so the four proportions add up to 1 over `facts`. Each proportion has a Wilson interval
/// over facts; the pooled accuracy also has a cluster-bootstrap interval that resamples facts (its answers are
/// not independent: the phrasings of one fact succeed or fail together).
public struct PhrasingGroupMetrics: Codable, Hashable, Sendable {
    /// The phrasing ids in the group.
    public var phrasings: [String]
    /// Facts with at least one answered phrasing of the group.
    public var facts: Int
    /// Facts with fewer phrasings of the group than the most any fact has (missing rows in the data).
    public var incompleteFacts: Int
    /// All of a fact's phrasings correct ("both" with two).
    public var allCorrect: ProportionEstimate
    /// Some but not all correct ("one" with two).
    public var someCorrect: ProportionEstimate
    /// None correct.
    public var noneCorrect: ProportionEstimate
    /// At least one verdict unparseable (and so no bucket above).
    public var unparseable: ProportionEstimate
    /// Verdicts of every answer of the group.
    public var counts: VerdictCounts
    /// `correct / answers` over the group, with its Wilson interval (as if answers were independent).
    public var pooledAccuracy: ProportionEstimate
    /// The cluster-bootstrap interval of `pooledAccuracy`, resampling facts (the one to quote).
    public var pooledInterval: Interval

    enum CodingKeys: String, CodingKey {
        case phrasings, facts, unparseable, counts
        case incompleteFacts = "incomplete_facts", allCorrect = "all_correct", someCorrect = "some_correct"
        case noneCorrect = "none_correct", pooledAccuracy = "pooled_accuracy", pooledInterval = "pooled_interval"
    }
}

/// A difference in percentage points with its interval.
public struct PointDifference: Codable, Hashable, Sendable {
    /// `A − B` in points.
    public var points: Double
    /// The bootstrap interval of `points`.
    public var interval: Interval
    /// Clusters (facts) it was measured on.
    public var facts: Int
}

/// Every number of a QA evaluation, computed from its answer records (`EvaluationMetrics(records:configuration:)`),
/// so a report can be recomputed from `answers.jsonl`.
public struct EvaluationMetrics: Codable, Hashable, Sendable {
    /// Verdicts of all answers.
    public var counts: VerdictCounts
    /// `correct / answers` (an unparseable verdict counts against), with its Wilson interval.
    public var accuracy: ProportionEstimate
    /// `correct / (correct + incorrect)`: accuracy among the answers the judge decided.
    public var judgedAccuracy: ProportionEstimate
    /// The cluster-bootstrap interval of `accuracy`, resampling facts; nil when every fact has one row (the
    /// Wilson interval is then the one to quote).
    public var accuracyClusterInterval: Interval?
    /// Distinct facts among the answers (rows without a fact id are a fact each).
    public var facts: Int
    /// Accuracy per phrasing id, `question` first, then in name order.
    public var phrasings: [GroupAccuracy]
    /// Accuracy per category, in name order.
    public var categories: [GroupAccuracy]
    /// The held-out phrasings, per fact; nil when no answered row has one.
    public var heldOut: PhrasingGroupMetrics?
    /// The trained phrasings (every other phrasing id), per fact; nil when none was evaluated.
    public var trained: PhrasingGroupMetrics?
    /// Pooled accuracy on trained minus on held-out phrasings, over the facts that have both, with a
    /// cluster-bootstrap interval (resampling facts): what was memorized but does not generalize.
    public var memorizationGap: PointDifference?

    /// The metrics of `records` (as evaluated, in any order).
    public init(records: [AnswerRecord], configuration: EvaluationConfiguration) {
        let replicates = configuration.bootstrapReplicates, seed = configuration.bootstrapSeed
        let confidence = configuration.confidence
        counts = VerdictCounts(records.map(\.verdict))
        accuracy = ProportionEstimate(successes: counts.correct, trials: counts.total, confidence: confidence)
        judgedAccuracy = ProportionEstimate(successes: counts.correct, trials: counts.correct + counts.incorrect,
                                            confidence: confidence)
        let byFact = Self.groupedByFact(records)
        facts = byFact.count
        accuracyClusterInterval = byFact.count < records.count
            ? Statistics.clusterBootstrap(clusters: byFact.map { $0.map(\.correctValue) }, replicates: replicates, seed: seed,
                                          confidence: confidence, statistic: Self.pooledMean)
            : nil

        let heldOutSet = Set(configuration.heldOutPhrasings)
        func accuracies(_ key: (AnswerRecord) -> String?, phrasing: Bool) -> [GroupAccuracy] {
            var groups: [String: [AnswerRecord]] = [:]
            for record in records { if let name = key(record) { groups[name, default: []].append(record) } }
            return groups.keys.sorted(by: phrasing ? Self.phrasingOrder : { $0 < $1 }).map { name in
                let group = VerdictCounts(groups[name]!.map(\.verdict))
                return GroupAccuracy(name: name, heldOut: phrasing ? heldOutSet.contains(name) : nil, counts: group,
                                     accuracy: ProportionEstimate(successes: group.correct, trials: group.total, confidence: confidence))
            }
        }
        phrasings = accuracies(\.phrasingID, phrasing: true)
        categories = accuracies(\.category, phrasing: false)

        let heldOutRecords = records.filter { $0.heldOut == true }
        let trainedRecords = records.filter { $0.heldOut == false }
        heldOut = Self.groupMetrics(heldOutRecords, configuration: configuration)
        trained = Self.groupMetrics(trainedRecords, configuration: configuration)
        memorizationGap = Self.gap(trained: trainedRecords, heldOut: heldOutRecords, configuration: configuration)
    }

    /// `question` first, then `rephrased_N` by number, then any other name alphabetically.
    static func phrasingOrder(_ a: String, _ b: String) -> Bool {
        func rank(_ name: String) -> (Int, Int, String) {
            if name == "question" { return (0, 0, name) }
            if name.hasPrefix("rephrased_"), let number = Int(name.dropFirst("rephrased_".count)) { return (1, number, name) }
            return (2, 0, name)
        }
        return rank(a) < rank(b)
    }

    /// Records grouped by fact, facts in order of first appearance.
    static func groupedByFact(_ records: [AnswerRecord]) -> [[AnswerRecord]] {
        var order: [String] = []
        var groups: [String: [AnswerRecord]] = [:]
        for record in records {
            let key = record.row.factKey
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(record)
        }
        return order.map { groups[$0]! }
    }

    /// The mean of every value of every cluster (NaN when there are none, which the bootstrap leaves out).
    static func pooledMean(_ clusters: [[Double]]) -> Double {
        var sum = 0.0, count = 0
        for cluster in clusters {
            for value in cluster { sum += value }
            count += cluster.count
        }
        return count == 0 ? .nan : sum / Double(count)
    }

    static func groupMetrics(_ records: [AnswerRecord], configuration: EvaluationConfiguration) -> PhrasingGroupMetrics? {
        guard !records.isEmpty else { return nil }
        let confidence = configuration.confidence
        let byFact = groupedByFact(records)
        let widest = byFact.map(\.count).max() ?? 0
        var all = 0, some = 0, none = 0, unparseable = 0
        for fact in byFact {
            let verdicts = fact.map(\.verdict)
            if verdicts.contains(.unparseable) {
                unparseable += 1
            } else {
                let correct = verdicts.filter { $0 == .correct }.count
                if correct == verdicts.count { all += 1 } else if correct > 0 { some += 1 } else { none += 1 }
            }
        }
        let counts = VerdictCounts(records.map(\.verdict))
        func share(_ count: Int) -> ProportionEstimate {
            ProportionEstimate(successes: count, trials: byFact.count, confidence: confidence)
        }
        let phrasings = Set(records.compactMap(\.phrasingID)).sorted(by: phrasingOrder)
        return PhrasingGroupMetrics(
            phrasings: phrasings, facts: byFact.count, incompleteFacts: byFact.filter { $0.count < widest }.count,
            allCorrect: share(all), someCorrect: share(some), noneCorrect: share(none), unparseable: share(unparseable),
            counts: counts,
            pooledAccuracy: ProportionEstimate(successes: counts.correct, trials: counts.total, confidence: confidence),
            pooledInterval: Statistics.clusterBootstrap(clusters: byFact.map { $0.map(\.correctValue) },
                                                        replicates: configuration.bootstrapReplicates,
                                                        seed: configuration.bootstrapSeed, confidence: confidence,
                                                        statistic: pooledMean))
    }

    /// Trained minus held-out pooled accuracy, in points, over the facts evaluated on both.
    static func gap(trained: [AnswerRecord], heldOut: [AnswerRecord], configuration: EvaluationConfiguration) -> PointDifference? {
        let heldOutFacts = Set(heldOut.map(\.row.factKey))
        let shared = groupedByFact(trained + heldOut).filter { fact in
            heldOutFacts.contains(fact[0].row.factKey) && fact.contains { $0.heldOut == false }
        }
        guard !shared.isEmpty else { return nil }
        // Each fact as its sufficient statistics: [trained answers, trained correct, held-out answers, held-out correct].
        let clusters = shared.map { fact -> [Double] in
            let trainedAnswers = fact.filter { $0.heldOut == false }, heldOutAnswers = fact.filter { $0.heldOut == true }
            return [Double(trainedAnswers.count), trainedAnswers.map(\.correctValue).reduce(0, +),
                    Double(heldOutAnswers.count), heldOutAnswers.map(\.correctValue).reduce(0, +)]
        }
        func difference(_ facts: [[Double]]) -> Double {
            var totals = [0.0, 0, 0, 0]
            for fact in facts { for index in 0..<4 { totals[index] += fact[index] } }
            guard totals[0] > 0, totals[2] > 0 else { return .nan }
            return (totals[1] / totals[0] - totals[3] / totals[2]) * 100
        }
        let interval = Statistics.clusterBootstrap(clusters: clusters, replicates: configuration.bootstrapReplicates,
                                                   seed: configuration.bootstrapSeed, confidence: configuration.confidence,
                                                   statistic: difference)
        return PointDifference(points: difference(clusters), interval: interval, facts: shared.count)
    }

    enum CodingKeys: String, CodingKey {
        case counts, accuracy, facts, phrasings, categories, trained
        case judgedAccuracy = "judged_accuracy", accuracyClusterInterval = "accuracy_cluster_interval"
        case heldOut = "heldout", memorizationGap = "memorization_gap"
    }
}

extension AnswerRecord {
    /// 1 for a correct verdict, else 0.
    var correctValue: Double { verdict == .correct ? 1 : 0 }
}

/// The similarity of recited texts to their originals: the mean difflib ratio with a bootstrap interval over texts.
public struct RecitationMetrics: Codable, Hashable, Sendable {
    public var count: Int
    public var meanRatio: Double
    public var interval: Interval
    /// Recitations cut at `maxTokens`.
    public var truncated: Int

    public init(records: [RecitationRecord], configuration: EvaluationConfiguration) {
        count = records.count
        meanRatio = records.isEmpty ? 0 : records.map(\.ratio).reduce(0, +) / Double(records.count)
        interval = Statistics.clusterBootstrap(clusters: records.map { [$0.ratio] }, replicates: configuration.bootstrapReplicates,
                                               seed: configuration.bootstrapSeed, confidence: configuration.confidence,
                                               statistic: EvaluationMetrics.pooledMean)
        truncated = records.filter { $0.finishReason == .length }.count
    }

    enum CodingKeys: String, CodingKey {
        case count, interval, truncated
        case meanRatio = "mean_ratio"
    }
}
