import ImprintTraining
import Foundation

/// A dataset file that cannot be trained on, naming the file and the line (JSONL) or item (JSON array) at fault.
public struct SFTDataError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// What is wrong with one row.
    public enum Reason: Error, Equatable, Sendable, CustomStringConvertible {
        /// The row is not valid JSON, or not a JSON object.
        case notAnObject(String)
        /// A key holds the wrong kind of value.
        case wrongType(key: String, expected: String)
        /// The row has none of `text`, `messages`, `conversations`, `prompt` + `completion`.
        case unknownShape(keys: [String])
        /// The row's shape differs from the dataset's first row (TRL takes one format per dataset).
        case mixedShapes(expected: String, found: String)
        /// The chat template could not render or mask the row.
        case template(String)
        /// Nothing is left to train on after masking and truncation.
        case noTrainedTokens

        public var description: String {
            switch self {
            case .notAnObject(let detail): return "not a JSON object (\(detail))"
            case let .wrongType(key, expected): return "'\(key)' must be \(expected)"
            case .unknownShape(let keys):
                return "expected 'text', 'messages', 'conversations' or 'prompt' + 'completion'; found keys \(keys)"
            case let .mixedShapes(expected, found): return "a \(found) row in a \(expected) dataset"
            case .template(let detail): return "chat template: \(detail)"
            case .noTrainedTokens: return "no token is trained after masking and truncation"
            }
        }
    }

    /// The dataset file.
    public let file: String
    /// The 1-based line of a JSONL file, or the 1-based item of a JSON array.
    public let line: Int
    public let reason: Reason

    public init(file: String, line: Int, reason: Reason) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(file):\(line): \(reason)" }
    public var errorDescription: String? { description }
}

/// A dataset file that cannot be read at all.
public typealias SFTFileError = TrainingFileError
