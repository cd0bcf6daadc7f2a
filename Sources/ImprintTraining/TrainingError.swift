import Foundation

/// A run that cannot go on, from any trainer (SFT, GRPO).
public enum TrainingError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The loss of `step` is NaN or infinite; nothing of that step was applied or saved.
    case nonFiniteLoss(step: Int, loss: Double, lastCheckpoint: String?)
    /// `resume` found no checkpoint in the output folder.
    case noCheckpoint(directory: String)
    /// A checkpoint's files do not fit this run.
    case invalidCheckpoint(path: String, reason: String)
    /// `resume` was asked with settings that differ from the checkpoint's: each changed field with the stored and
    /// the new value (`learningRate: 1e-05 -> 2e-05`).
    case configurationChanged(checkpoint: String, changes: [String])

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step, loss, checkpoint):
            return "the loss at step \(step) is \(loss); training stopped. "
                + (checkpoint.map { "The last good checkpoint is \($0)." } ?? "No checkpoint was written yet.")
                + " Lower the learning rate or check the data."
        case .noCheckpoint(let directory):
            return "\(directory): no checkpoint-* folder to resume from"
        case let .invalidCheckpoint(path, reason):
            return "\(path): \(reason)"
        case let .configurationChanged(checkpoint, changes):
            return "\(checkpoint): cannot resume with different settings (\(changes.joined(separator: "; "))); "
                + "resume with the checkpoint's settings, or start a new run in another output folder"
        }
    }

    public var errorDescription: String? { description }
}

/// A file a run cannot read or write.
public struct TrainingFileError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}
