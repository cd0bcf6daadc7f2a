import Foundation

/// Small JSON helpers with atomic writes (temporary file + rename, via `Data.write(options: .atomic)`).
public enum TrainingFiles {
    /// Writes `value` as sorted, pretty-printed JSON, atomically.
    public static func writeJSON<Value: Encodable>(_ value: Value, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // A state may hold non-finite numbers (the log-probabilities of a step that diverged): kept, as strings.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            try encoder.encode(value).write(to: url, options: .atomic)
        } catch {
            throw TrainingFileError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Reads a checkpoint's JSON file; a missing or malformed file is `TrainingError.invalidCheckpoint`.
    public static func readJSON<Value: Decodable>(_ type: Value.Type, from url: URL) throws -> Value {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError.invalidCheckpoint(path: url.path, reason: "cannot read the file")
        }
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try decoder.decode(type, from: data)
        } catch {
            throw TrainingError.invalidCheckpoint(path: url.path, reason: "unexpected contents: \(error)")
        }
    }
}
