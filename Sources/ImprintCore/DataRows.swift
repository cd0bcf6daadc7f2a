import Foundation

/// The rows of a dataset file, one way for every module: JSONL (one JSON object per line, blank lines skipped) or a
/// JSON array of objects (`.json`), with the 1-based line (or array item) of each row for error messages.
public enum DataRows {
    /// One row and where it came from.
    public struct Row: @unchecked Sendable {
        /// The 1-based line of a JSONL file, or the 1-based item of a JSON array.
        public var line: Int
        /// The row's fields as `JSONSerialization` reads them (U+FEFF kept, see `ExactUTF8`).
        public var fields: [String: Any]
    }

    /// Reads every row of `path`.
    ///
    /// - Throws: `DataFileError` naming the file, and the line for a row that is not a JSON object — nothing is
    ///   skipped silently; an empty file is an error too. Bytes that are not UTF-8 are an error for the whole file
    ///   (the reason names the first such line); so is a string escape holding a lone surrogate (`"\ud800"`), which
    ///   Python's `json` would accept but no tokenizer can encode (HF `tokenizers` refuses such a `str`).
    public static func read(path: String) throws -> [Row] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(path: path, reason: "cannot read the dataset file")
        }
        var rows: [Row] = []
        func append(_ object: Any?, line: Int) throws {
            guard let fields = object as? [String: Any] else {
                throw DataFileError(path: path, line: line,
                                    reason: "not a JSON object (\(object == nil ? "invalid JSON" : "a JSON value of another kind"))")
            }
            rows.append(Row(line: line, fields: fields))
        }
        guard let text = ExactUTF8.string(data) else {
            // Python's `utf-8` codec refuses the file too; the line helps to find the bad bytes.
            let line = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                .firstIndex { ExactUTF8.string($0) == nil }.map { $0 + 1 }
            throw DataFileError(path: path, reason: "the dataset is not UTF-8 text" + (line.map { " (line \($0))" } ?? ""))
        }
        if path.hasSuffix(".json") {
            guard let parsed = try? ExactUTF8.jsonObject(with: data) else {
                throw DataFileError(path: path, reason: "a .json dataset must be a JSON array of rows; this is not valid JSON")
            }
            guard let array = parsed as? [Any] else {
                throw DataFileError(path: path, reason: "a .json dataset must be a JSON array of rows")
            }
            for (index, object) in array.enumerated() { try append(object, line: index + 1) }
        } else {
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                try append(try? ExactUTF8.jsonObject(with: Data(line.utf8)), line: index + 1)
            }
        }
        if rows.isEmpty { throw DataFileError(path: path, reason: "the dataset has no rows") }
        return rows
    }

    /// The chat messages in a JSON value (`[{"role": ..., "content": ...}, ...]`), or nil when it is not a non-empty
    /// list of such objects.
    public static func messages(_ value: Any?) -> [ChatMessage]? {
        guard let list = value as? [Any], !list.isEmpty else { return nil }
        var messages: [ChatMessage] = []
        for item in list {
            guard let fields = item as? [String: Any], let role = fields["role"] as? String,
                  let content = fields["content"] as? String else { return nil }
            messages.append(ChatMessage(role: role, content: content))
        }
        return messages
    }

    /// A column value as text, one way for every reader of reward columns (GRPO datasets, `/v1/rewards`): strings as
    /// they are, numbers and booleans as written (`3`, `0.5`, `true`), `null` as `""`, arrays and objects as compact
    /// JSON with sorted keys; nil for a value JSON cannot hold.
    public static func text(_ value: Any) -> String? {
        switch value {
        case let string as String: return string
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B": return number.boolValue ? "true" : "false"
            case "d", "f": return "\(number.doubleValue)"
            case "Q": return "\(number.uint64Value)"  // above Int64.max (int64Value would wrap 2^64 - 1 to -1)
            default: return "\(number.int64Value)"
            }
        case is NSNull: return ""
        default:
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else {
                return nil
            }
            return String(decoding: data, as: UTF8.self)
        }
    }
}

/// A dataset file that cannot be read, or a row of it that cannot be used: the file, the 1-based line (JSONL) or
/// item (JSON array) when one row is at fault, and why.
public struct DataFileError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    public let path: String
    public let line: Int?
    public let reason: String

    public init(path: String, line: Int? = nil, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var description: String { line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)" }
    public var errorDescription: String? { description }
}
