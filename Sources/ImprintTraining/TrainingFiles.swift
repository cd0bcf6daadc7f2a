import Foundation
import ImprintFormats

/// Small JSON helpers with atomic writes (temporary file, flushed, then renamed: `AtomicFile`).
public enum TrainingFiles {
    /// Writes `value` as sorted, pretty-printed JSON, atomically.
    /// - Throws: `FormatError.cannotWrite` naming `url` when the disk refuses the bytes.
    public static func writeJSON<Value: Encodable>(_ value: Value, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // A state may hold non-finite numbers (the log-probabilities of a step that diverged): kept, as strings.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw TrainingFileError(path: url.path, reason: "cannot encode: \(error.localizedDescription)")
        }
        try AtomicFile.write(data, to: url)
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
