import Foundation
import ImprintCore

/// The reference-based metrics the CLI scores line by line: `imprint reward NAME --jsonl`.
///
/// Each input line is a JSON object `{"completion": "...", "reference": "..."}` (other keys are
/// ignored); each output line is `{"reward": x}`, in order, with `x` printed as the shortest
/// decimal that reads back as the same `Double`. Empty lines are skipped.
///
/// | name | reward | example: completion, reference → reward |
/// |---|---|---|
/// | `difflib` | `DifflibReward` (autojunk on) | `"abc"`, `"abd"` → 0.6666666666666666 |
/// | `exact` | `ExactMatchReward` (SQuAD-normalized) | `"the Silver Heron."`, `"Silver Heron"` → 1.0 |
/// | `f1` | `TokenF1Reward` | `"In 872 AE"`, `"872 AE"` → 0.8 |
/// | `bleu` | `BLEUReward`, sentence BLEU / 100 | `"the cat"`, `"The cat sat on the mat."` → 0.05804285916064729 |
/// | `jaccard` | `JaccardReward` | `"The cat sat"`, `"the cat ran"` → 0.5 |
public enum ReferenceMetric: String, Sendable, CaseIterable {
    case difflib, exact, f1, bleu, jaccard

    /// The reward behind the name; `autojunk` applies to `difflib`, `normalized` to `exact`.
    public func reward(autojunk: Bool = true, normalized: Bool = true) -> any SampleReward {
        switch self {
        case .difflib: return DifflibReward(autojunk: autojunk)
        case .exact: return ExactMatchReward(normalized: normalized)
        case .f1: return TokenF1Reward()
        case .bleu: return BLEUReward()
        case .jaccard: return JaccardReward()
        }
    }
}

/// Scores JSON Lines of `{"completion", "reference"}` with one reward (the CLI's engine).
///
/// ```swift
/// let scorer = JSONLRewardScorer(reward: DifflibReward())
/// try scorer.outputLine(for: #"{"completion": "abc", "reference": "abd"}"#, lineNumber: 1)
/// // #"{"reward": 0.6666666666666666}"#
/// try scorer.outputLine(for: "{oops", lineNumber: 2)   // throws JSONLError(line 2, ...)
/// ```
public struct JSONLRewardScorer: Sendable {
    /// The reward applied to each line.
    public var reward: any SampleReward

    public init(reward: any SampleReward) {
        self.reward = reward
    }

    /// The output line of one input line, `nil` for an empty line.
    ///
    /// - Throws: `JSONLError` naming the line when it is not a JSON object with string fields
    ///   `completion` and `reference`.
    public func outputLine(for line: String, lineNumber: Int) throws -> String? {
        if line.allSatisfy(\.isWhitespace) { return nil }
        let object: Any
        do {
            object = try ExactUTF8.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw JSONLError(lineNumber: lineNumber, message: "not valid JSON")
        }
        guard let fields = object as? [String: Any] else {
            throw JSONLError(lineNumber: lineNumber,
                             message: "expected a JSON object with \"completion\" and \"reference\"")
        }
        guard let completion = fields["completion"] as? String else {
            throw JSONLError(lineNumber: lineNumber, message: "missing string field \"completion\"")
        }
        guard let reference = fields["reference"] as? String else {
            throw JSONLError(lineNumber: lineNumber, message: "missing string field \"reference\"")
        }
        let score = try reward.score(completion: completion, sample: RewardSample(reference: reference))
        return "{\"reward\": \(score.map { Self.json($0) } ?? "null")}"
    }

    /// Scores every line, writing each output as soon as it is ready; stops at the first bad line.
    public func run(lines: some Sequence<String>, write: (String) -> Void) throws {
        for (offset, line) in lines.enumerated() {
            if let output = try outputLine(for: line, lineNumber: offset + 1) { write(output) }
        }
    }

    /// A JSON number: Swift's shortest round-trip form (`0.75`, `1.0`, `1e-05`); non-finite as `null`.
    static func json(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }
}

/// A malformed JSON Lines input line.
public struct JSONLError: Error, Equatable, CustomStringConvertible {
    /// 1-based line number.
    public var lineNumber: Int
    /// What is wrong with the line.
    public var message: String

    public init(lineNumber: Int, message: String) {
        self.lineNumber = lineNumber
        self.message = message
    }

    public var description: String { "line \(lineNumber): \(message)" }
}
