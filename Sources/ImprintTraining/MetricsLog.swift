import Foundation
import ImprintFormats

/// A run's metrics as JSON lines (`metrics.jsonl` in the output folder): one object per logged step or evaluation,
/// each with a `step` field, keys as TRL logs them.
///
/// Each line is flushed as it is written. On resume, lines after the checkpoint's step are dropped first, so the
/// file reads as if the run had never stopped.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Opens `url`, keeping only the lines of steps up to `keepingThrough` (a fresh run keeps none).
    public init(url: URL, keepingThrough step: Int) throws {
        self.url = url
        let kept = Self.read(url).filter { $0.step <= step }.map(\.line)
        let contents = kept.isEmpty ? Data() : Data((kept.joined(separator: "\n") + "\n").utf8)
        try AtomicFile.write(contents, to: url)
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw TrainingFileError(path: url.path, reason: "cannot open the metrics log: \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    /// Appends one record as a line.
    public func append<Record: Encodable>(_ record: Record) throws {
        do {
            try handle.write(contentsOf: encoder.encode(record) + Data("\n".utf8))
        } catch {
            throw TrainingFileError(path: url.path, reason: "cannot append to the metrics log: \(error.localizedDescription)")
        }
    }

    /// The `(step, value)` pairs of every line that has a number under `key`, in file order.
    public func series(_ key: String) -> [(step: Int, value: Double)] {
        Self.read(url).compactMap { entry in (entry.object[key] as? NSNumber).map { (entry.step, $0.doubleValue) } }
    }

    private static func read(_ url: URL) -> [(line: String, step: Int, object: [String: Any])] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let step = object["step"] as? Int else { return nil }
            return (String(line), step, object)
        }
    }
}
