import Foundation
import ImprintCore
import ImprintFormats

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
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SFTFileError(path: path, reason: "cannot read the dataset file")
        }
        var rows: [(line: Int, object: Any?)] = []
        if path.hasSuffix(".json") {
            guard let array = try? ExactUTF8.jsonObject(with: data) as? [Any] else {
                throw SFTFileError(path: path, reason: "a .json dataset must be a JSON array of rows")
            }
            rows = array.enumerated().map { ($0.offset + 1, $0.element) }
        } else {
            guard let text = ExactUTF8.string(data) else {
                throw SFTFileError(path: path, reason: "the dataset is not UTF-8 text")
            }
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                rows.append((index + 1, try? ExactUTF8.jsonObject(with: Data(line.utf8))))
            }
        }
        records = []
        lines = []
        file = path
        for (line, object) in rows {
            guard let object = object as? [String: Any] else {
                throw SFTDataError(file: path, line: line,
                                   reason: .notAnObject(object == nil ? "invalid JSON" : "a JSON value of another kind"))
            }
            switch SFTRecord.parse(object) {
            case .success(let record):
                if let first = records.first, first.shapeName != record.shapeName {
                    throw SFTDataError(file: path, line: line, reason: .mixedShapes(expected: first.shapeName, found: record.shapeName))
                }
                records.append(record)
                lines.append(line)
            case .failure(let reason):
                throw SFTDataError(file: path, line: line, reason: reason)
            }
        }
        if records.isEmpty { throw SFTFileError(path: path, reason: "the dataset has no rows") }
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
