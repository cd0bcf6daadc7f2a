import Foundation
import ImprintTensor
import ImprintTraining

/// One generation batch, scored and ready to train on: what `numIterations` optimizer steps reuse, and what a
/// checkpoint taken between them stores so that a resumed run continues on the very same completions.
struct GRPORollout: Codable, Equatable {
    /// Which generation batch of the data order it is.
    var generationIndex: Int
    /// Dataset rows, one per prompt (each prompt has `numGenerations` completions in a row).
    var rows: [Int]
    /// Prompt ids per completion.
    var promptIds: [[Int]]
    /// Completion ids, the end token included when there is one.
    var completionIds: [[Int]]
    var texts: [String]
    /// Did the completion stop at the length limit without an end token (TRL: last id not an end or pad id)?
    var truncated: [Bool]
    /// Per completion, one score per reward.
    var scores: [[Double?]]
    var advantages: [Float]
    /// `[B][T]`: tokens in the loss.
    var mask: [[Bool]]
    var oldLogProbabilities: [[Float]]?
    var referenceLogProbabilities: [[Float]]?
    /// Reward and completion statistics under TRL's names, logged with every step that trains on this batch.
    var metrics: [String: Double]
    /// Optimizer steps taken on it so far.
    var iterationsDone: Int

    /// `T`: the padded completion width.
    var width: Int { mask.first?.count ?? 0 }
    /// Tokens in the loss over the whole batch (DAPO's normalizer).
    var tokenCount: Int { mask.reduce(0) { $0 + $1.filter { $0 }.count } }

    /// What is wrong with a rollout read from a checkpoint, if anything: every per-completion list has one entry per
    /// completion (`rows.count × completionsPerPrompt`), every row of the mask and the log-probabilities is `width`
    /// long, no completion is longer than `width`, and every token id is in the vocabulary and every row in the dataset.
    func inconsistency(completionsPerPrompt: Int, vocabularySize: Int, datasetRows: Int) -> String? {
        let count = rows.count * completionsPerPrompt
        var lists: [(String, Int)] = [("promptIds", promptIds.count), ("completionIds", completionIds.count)]
        lists += [("texts", texts.count), ("truncated", truncated.count), ("scores", scores.count)]
        lists += [("advantages", advantages.count), ("mask", mask.count)]
        if let old = oldLogProbabilities { lists.append(("oldLogProbabilities", old.count)) }
        if let reference = referenceLogProbabilities { lists.append(("referenceLogProbabilities", reference.count)) }
        if let (name, found) = lists.first(where: { $0.1 != count }) {
            return "rollout.\(name) has \(found) entries, expected \(count) (\(rows.count) prompts x \(completionsPerPrompt))"
        }
        let width = self.width
        var widths: [(String, [Int])] = [("mask", mask.map(\.count))]
        if let old = oldLogProbabilities { widths.append(("oldLogProbabilities", old.map(\.count))) }
        if let reference = referenceLogProbabilities { widths.append(("referenceLogProbabilities", reference.map(\.count))) }
        for (name, table) in widths where table.contains(where: { $0 != width }) {
            return "rollout.\(name) rows are not all \(width) long"
        }
        if completionIds.contains(where: { $0.count > width }) { return "a completion is longer than the mask (\(width))" }
        if (promptIds + completionIds).contains(where: { $0.contains { $0 < 0 || $0 >= vocabularySize } }) {
            return "a token id outside the vocabulary (0..<\(vocabularySize))"
        }
        if let row = rows.first(where: { $0 < 0 || $0 >= datasetRows }) { return "row \(row) is outside the dataset (0..<\(datasetRows))" }
        if iterationsDone < 0 || generationIndex < 0 { return "a negative count" }
        return nil
    }
}

/// What a GRPO checkpoint's `trainer_state.json` holds (the folder itself is a `TrainingCheckpoint`).
struct GRPOCheckpointState: CheckpointState, Equatable {
    var step: Int
    var optimizerStep: Int
    /// Prompt and completion tokens generated so far (`num_tokens`).
    var tokenCount: Int
    var dropoutGenerators: [RandomGenerator]
    var configuration: GRPOConfiguration
    var rewardNames: [String]
    var dataFingerprint: String
    /// The generation batch the next step trains on again (μ > 1), if any.
    var rollout: GRPORollout?
}
