import ArgumentParser
import Foundation
import ImprintRewards

/// `imprint reward NAME --jsonl`: scores `{"completion", "reference"}` lines with a reward.
struct RewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward",
        abstract: "Score completions against references, one JSON object per line.",
        discussion: """
        Reads {"completion": "...", "reference": "..."} lines from stdin and writes {"reward": x} \
        lines to stdout, in order. difflib: Python's SequenceMatcher(None, completion, reference).ratio(); \
        exact: SQuAD-normalized exact match (1 or 0); f1: SQuAD token F1; bleu: sacreBLEU sentence \
        BLEU (effective order) / 100; jaccard: lower-cased whitespace-token Jaccard.
        """
    )

    @Argument(help: "The reward: \(ReferenceMetric.allCases.map(\.rawValue).joined(separator: ", ")).")
    var name: String

    @Flag(help: "Read and write JSON Lines (the only format).")
    var jsonl = false

    @Flag(help: "difflib: turn off Python's autojunk heuristic (on by default, as in Python).")
    var noAutojunk = false

    @Flag(help: "exact: compare the raw texts (whitespace-trimmed) instead of SQuAD-normalized ones.")
    var strict = false

    func validate() throws {
        guard ReferenceMetric(rawValue: name) != nil else {
            throw ValidationError("unknown reward '\(name)'; expected one of "
                                  + ReferenceMetric.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard jsonl else { throw ValidationError("pass --jsonl: input and output are JSON Lines") }
    }

    func run() throws {
        let metric = ReferenceMetric(rawValue: name)!
        let scorer = JSONLRewardScorer(reward: metric.reward(autojunk: !noAutojunk, normalized: !strict))
        do {
            try StandardInputLines.forEach { line, lineNumber in
                if let output = try scorer.outputLine(for: line, lineNumber: lineNumber) { print(output) }
            }
        } catch {
            FileHandle.standardError.write(Data("imprint reward \(name): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
