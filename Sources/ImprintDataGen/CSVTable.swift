import Foundation
import ImprintCore

/// CSV as RFC 4180 and pandas' `to_csv` write it: a header row, comma-separated fields, fields with commas, quotes
/// or line breaks in double quotes with `""` for a quote; CRLF or LF line ends; a UTF-8 byte-order mark ignored.
///
/// Written here rather than taken from yaslab/CSV.swift or SwiftCSV: the reader must report the file and the line of
/// a malformed row as a `DataFileError`, as every dataset reader of Imprint does, and must count lines inside quoted
/// fields; the whole format is these ~100 lines, and the library gains no dependency.
public enum CSVTable {
    /// The rows of `path` as dictionaries keyed by the header, with the 1-based line each row starts on.
    ///
    /// - Throws: `DataFileError` for an unreadable or non-UTF-8 file, no header, an unterminated quoted field, a
    ///   quote inside an unquoted field, a row with more or fewer fields than the header, or no rows.
    public static func read(path: String) throws -> [(line: Int, fields: [String: String])] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(path: path, reason: "cannot read the CSV file")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw DataFileError(path: path, reason: "the CSV file is not UTF-8 text")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let records = try parse(text, path: path)
        guard let header = records.first else { throw DataFileError(path: path, reason: "the CSV file is empty") }
        if let duplicate = Dictionary(grouping: header.fields, by: { $0 }).first(where: { $0.value.count > 1 }) {
            throw DataFileError(path: path, line: 1, reason: "the header names the column \"\(duplicate.key)\" twice")
        }
        var rows: [(line: Int, fields: [String: String])] = []
        for record in records.dropFirst() {
            if record.fields == [""] { continue }  // a blank line
            guard record.fields.count == header.fields.count else {
                throw DataFileError(path: path, line: record.line,
                                    reason: "\(record.fields.count) fields where the header has \(header.fields.count)")
            }
            rows.append((record.line, Dictionary(uniqueKeysWithValues: zip(header.fields, record.fields))))
        }
        if rows.isEmpty { throw DataFileError(path: path, reason: "the CSV file has a header but no rows") }
        return rows
    }

    /// The records of CSV text, each with the line it starts on.
    static func parse(_ text: String, path: String) throws -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var line = 1, recordLine = 1
        var inQuotes = false, wasQuoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func nextScalar() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return scalars.next()
        }
        var started = false
        while let scalar = nextScalar() {
            started = true
            if inQuotes {
                if scalar == "\"" {
                    let following = nextScalar()
                    if following == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = following }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard field.isEmpty && !wasQuoted else {
                    throw DataFileError(path: path, line: line, reason: "a double quote inside an unquoted field")
                }
                inQuotes = true
                wasQuoted = true
            case ",":
                fields.append(field)
                field = ""
                wasQuoted = false
            case "\r", "\n":
                if scalar == "\r" {
                    let following = nextScalar()
                    if following != "\n" { pending = following }
                }
                fields.append(field)
                records.append((recordLine, fields))
                fields = []
                field = ""
                wasQuoted = false
                line += 1
                recordLine = line
                started = false
            default:
                if wasQuoted {
                    throw DataFileError(path: path, line: line, reason: "text after the closing quote of a field")
                }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw DataFileError(path: path, line: recordLine, reason: "a quoted field is never closed") }
        if started || !fields.isEmpty || !field.isEmpty {
            fields.append(field)
            records.append((recordLine, fields))
        }
        return records
    }

    /// CSV text with a header and one line per row (`\n` line ends; fields quoted when they need it).
    public static func text(header: [String], rows: [[String]]) -> String {
        func quoted(_ field: String) -> String {
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return ([header] + rows).map { $0.map(quoted).joined(separator: ",") + "\n" }.joined()
    }
}
