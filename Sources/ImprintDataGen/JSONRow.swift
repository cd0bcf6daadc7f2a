import Foundation
import ImprintCore

/// A JSON value written with its keys in a fixed order, so the same data gives the same bytes (Foundation's
/// encoders order keys by hash or alphabetically and escape `/`); rows read back with `DataRows`.
public indirect enum JSONValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    /// Keys in the order written.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Chat messages as TRL writes them: `[{"role": ..., "content": ...}]`.
    public static func messages(_ messages: [ChatMessage]) -> JSONValue {
        .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
    }

    public static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    /// Compact JSON with `", "` and `": "` separators, as Python's `json.dumps` writes by default, non-ASCII kept.
    public var text: String {
        var output = ""
        write(to: &output)
        return output
    }

    func write(to output: inout String) {
        switch self {
        case .string(let value): JSONStringLiteral.write(value, into: &output)
        case .integer(let value): output += String(value)
        case .number(let value):
            precondition(value.isFinite, "JSONValue: \(value) has no JSON spelling")
            output += value == value.rounded() && abs(value) < 1e15 ? String(format: "%.1f", value) : "\(value)"
        case .bool(let value): output += value ? "true" : "false"
        case .null: output += "null"
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += ", " }
                value.write(to: &output)
            }
            output += "]"
        case .object(let pairs):
            output += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { output += ", " }
                JSONStringLiteral.write(key, into: &output)
                output += ": "
                value.write(to: &output)
            }
            output += "}"
        }
    }
}

/// Writes JSONL files: whole files atomically (temporary file, then rename) or line by line for resumable jobs.
public enum JSONLines {
    /// The rows as JSONL text, one object per line, each line ending in `\n`.
    public static func text(_ rows: [JSONValue]) -> String {
        rows.map { $0.text + "\n" }.joined()
    }

    /// Replaces `path` with the rows, atomically.
    ///
    /// - Throws: `DataFileError` when the file cannot be written.
    public static func write(_ rows: [JSONValue], to path: String) throws {
        try writeAtomically(Data(text(rows).utf8), to: path)
    }

    /// Writes bytes to a temporary file beside `path`, then renames it over `path`.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw DataFileError(path: path, reason: "cannot write the file (\(error.localizedDescription))")
        }
    }
}

/// An output file that grows one JSONL row at a time and is read back on a rerun, so an interrupted job resumes.
/// A last line cut short by an interruption is dropped before appending.
public final class AppendingJSONLFile: @unchecked Sendable {
    public let path: String
    private let handle: FileHandle
    private let lock = NSLock()

    /// Opens (creating when absent) `path` for appending.
    ///
    /// - Throws: `DataFileError` when the file cannot be created or opened.
    public init(path: String) throws {
        self.path = path
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil) else {
                throw DataFileError(path: path, reason: "cannot create the output file")
            }
        } else if let data = manager.contents(atPath: path), let last = data.last, last != UInt8(ascii: "\n") {
            // An interrupted write: keep the complete lines only.
            let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { data[...$0] } ?? Data()
            try JSONLines.writeAtomically(Data(keep), to: path)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw DataFileError(path: path, reason: "cannot open the output file for appending")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Appends one row and flushes it to the file.
    public func append(_ row: JSONValue) throws {
        lock.lock()
        defer { lock.unlock() }
        do {
            try handle.write(contentsOf: Data((row.text + "\n").utf8))
        } catch {
            throw DataFileError(path: path, reason: "cannot append to the output file (\(error.localizedDescription))")
        }
    }

    /// The rows already in `path` (none when it does not exist or is empty); a cut-short last line is ignored.
    public static func existingRows(path: String) throws -> [DataRows.Row] {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return [] }
        var complete = data
        if let last = data.last, last != UInt8(ascii: "\n") {
            complete = data.lastIndex(of: UInt8(ascii: "\n")).map { Data(data[...$0]) } ?? Data()
        }
        guard complete.contains(where: { !($0 == 10 || $0 == 13 || $0 == 32) }) else { return [] }
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("imprint-resume-\(UUID().uuidString).jsonl").path
        try complete.write(to: URL(fileURLWithPath: temporary))
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        do {
            return try DataRows.read(path: temporary)
        } catch let error as DataFileError {
            throw DataFileError(path: path, line: error.line, reason: error.reason)
        }
    }
}
