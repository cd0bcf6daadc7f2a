import Foundation

/// The run's metrics as JSON lines (`metrics.jsonl` in the output folder): one object per logged step
/// (`step`, `loss`, `learning_rate`, `grad_norm`, `tokens_per_second`, `epoch`, `mean_token_accuracy`,
/// `num_tokens`, `total_steps`) and one per evaluation (`step`, `eval_loss`, `eval_mean_token_accuracy`).
///
/// Each line is flushed as it is written. On resume, lines after the checkpoint's step are dropped first, so the
/// file reads as if the run had never stopped.
final class SFTMetricsLog {
    let url: URL
    private let handle: FileHandle
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Opens `url`, keeping only the lines of steps up to `keepingThrough` (a fresh run keeps none).
    init(url: URL, keepingThrough step: Int) throws {
        self.url = url
        let kept = Self.read(url).filter { $0.step <= step }.map(\.line)
        let contents = kept.isEmpty ? Data() : Data((kept.joined(separator: "\n") + "\n").utf8)
        do {
            try contents.write(to: url, options: .atomic)
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw SFTFileError(path: url.path, reason: "cannot write the metrics log: \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    func append<Record: Encodable>(_ record: Record) throws {
        do {
            try handle.write(contentsOf: encoder.encode(record) + Data("\n".utf8))
        } catch {
            throw SFTFileError(path: url.path, reason: "cannot append to the metrics log: \(error.localizedDescription)")
        }
    }

    /// The training and evaluation losses recorded so far, for the plot.
    func losses() -> (training: [(step: Int, loss: Double)], evaluation: [(step: Int, loss: Double)]) {
        let entries = Self.read(url)
        return (entries.compactMap { entry in entry.loss.map { (entry.step, $0) } },
                entries.compactMap { entry in entry.evaluationLoss.map { (entry.step, $0) } })
    }

    private static func read(_ url: URL) -> [(line: String, step: Int, loss: Double?, evaluationLoss: Double?)] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let step = object["step"] as? Int else { return nil }
            return (String(line), step, object["loss"] as? Double, object["eval_loss"] as? Double)
        }
    }
}
