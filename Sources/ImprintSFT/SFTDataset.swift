import Foundation
import ImprintCore

/// The rows of an SFT dataset with where each came from, so that a row that cannot be encoded is reported by line.
///
/// Files are JSONL (one row per line; blank lines skipped) or a JSON array of rows (`.json`, as the story
/// experiment's `train_dataset/*.json`). All rows of a dataset have one shape, as in TRL.
public struct SFTDataset: Sendable {
    /// The rows, in file order.
    public var records: [SFTRecord]
    /// The file the rows came from (`"(memory)"` for rows built in code).
    public var file: String
    /// The 1-based line (JSONL) or item (JSON array) of every row.
    public var lines: [Int]

    /// Rows built in code; they are numbered from 1.
    public init(records: [SFTRecord]) {
        self.records = records
        file = "(memory)"
        lines = Array(0..<records.count).map { $0 + 1 }
    }

    /// Reads `path`.
    ///
    /// - Throws: `SFTDataError` naming the first malformed line (or array item) — nothing is skipped silently —
    ///   and `SFTFileError` when the file cannot be read or a `.json` file is not an array of rows.
    public init(path: String) throws {
        let rows: [DataRows.Row]
        do {
            rows = try DataRows.read(path: path)
        } catch let error as DataFileError {
            guard let line = error.line else { throw SFTFileError(path: path, reason: error.reason) }
            throw SFTDataError(file: path, line: line, reason: .notAnObject(error.reason.contains("invalid JSON") ? "invalid JSON" : "a JSON value of another kind"))
        }
        records = []
        lines = []
        file = path
        for row in rows {
            switch SFTRecord.parse(row.fields) {
            case .success(let record):
                if let first = records.first, first.shapeName != record.shapeName {
                    throw SFTDataError(file: path, line: row.line, reason: .mixedShapes(expected: first.shapeName, found: record.shapeName))
                }
                records.append(record)
                lines.append(row.line)
            case .failure(let reason):
                throw SFTDataError(file: path, line: row.line, reason: reason)
            }
        }
    }
}

extension SFTRecord {
    /// The format's name in TRL's documentation.
    var shapeName: String {
        switch self {
        case .text: return "text"
        case .promptCompletion: return "prompt/completion"
        case .conversation: return "conversational messages"
        case .conversationalPromptCompletion: return "conversational prompt/completion"
        }
    }
}
