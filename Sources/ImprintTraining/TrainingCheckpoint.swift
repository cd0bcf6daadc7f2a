import Foundation
import ImprintFormats
import ImprintModel
import ImprintTensor

/// A training checkpoint, the same for every trainer: `checkpoint-<step>/` in the output folder, holding the PEFT
/// adapter (or the full weights as `model.safetensors` with Hugging Face keys), AdamW's moments
/// (`optimizer.safetensors`) and `trainer_state.json` (the trainer's `State`: step, data position, random generator
/// states, the configuration).
///
/// Atomic: everything is written into a hidden staging folder (`.checkpoint-<step>.<uuid>.partial`) that is renamed
/// to `checkpoint-<step>` only when complete, so a failed write (a full disk) or a killed process leaves the previous
/// checkpoints intact and never a partial one under a checkpoint name. Tests/ImprintSFTTests/SFTWriteFaultTests.swift
/// and Tests/ImprintCLITests/WriteFaultCommandTests.swift prove it (Docs/Reliability.md, "Faults while writing").
public enum TrainingCheckpoint {
    public static let stateFileName = "trainer_state.json"
    public static let optimizerFileName = "optimizer.safetensors"
    public static let fullWeightsFileName = "model.safetensors"

    /// Writes a checkpoint of `step` into `outputDirectory/checkpoint-<step>` and returns that folder. Staging folders a
    /// killed run left behind are removed first.
    ///
    /// - Throws: `TrainingFileError` naming the checkpoint and, in its reason, the file that could not be written and
    ///   why ("No space left on device"); nothing of this checkpoint is left behind then.
    public static func save<State: Encodable>(step: Int, state: State, model: TransformerDecoder, adapter: LoRAAdapter?,
                                              optimizer: AdamW, in outputDirectory: URL) throws -> URL {
        let manager = FileManager.default
        let final = outputDirectory.appendingPathComponent("checkpoint-\(step)")
        removeStagingLeftovers(in: outputDirectory)
        let staging = outputDirectory.appendingPathComponent(".checkpoint-\(step).\(UUID().uuidString).partial")
        defer { try? manager.removeItem(at: staging) }
        do {
            do {
                try manager.createDirectory(at: staging, withIntermediateDirectories: true)
            } catch {
                throw FormatError.cannotWrite(path: staging.path, reason: "cannot create the folder: \(error.localizedDescription)")
            }
            try saveWeights(model: model, adapter: adapter, to: staging)
            var moments: [SafetensorsTensor] = []
            for (index, parameter) in optimizer.parameters.enumerated() {
                moments.append(SafetensorsTensor(name: "exp_avg.\(index)", shape: parameter.shape, values: optimizer.state.firstMoments[index]))
                moments.append(SafetensorsTensor(name: "exp_avg_sq.\(index)", shape: parameter.shape, values: optimizer.state.secondMoments[index]))
            }
            try SafetensorsWriter.write(moments, to: staging.appendingPathComponent(optimizerFileName))
            try TrainingFiles.writeJSON(state, to: staging.appendingPathComponent(stateFileName))
            if manager.fileExists(atPath: final.path) { try manager.removeItem(at: final) }
            guard rename(staging.path, final.path) == 0 else {
                throw FormatError.cannotWrite(path: final.path, reason: "cannot rename the finished checkpoint into place: "
                                              + String(cString: strerror(errno)))
            }
        } catch {
            throw TrainingFileError(path: final.path, reason: "checkpoint not saved (the earlier ones are intact): \(error)")
        }
        return final
    }

    /// Removes the staging folders (`.checkpoint-*.partial`) of saves that never finished: a killed process leaves its
    /// staging folder behind (a failed save removes its own).
    static func removeStagingLeftovers(in outputDirectory: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory.path)) ?? []
        for name in names where name.hasPrefix(".checkpoint-") && name.hasSuffix(".partial") {
            try? FileManager.default.removeItem(at: outputDirectory.appendingPathComponent(name))
        }
    }

    /// Writes the adapter in PEFT's layout, or every parameter as `model.safetensors` keyed as `transformers` keys
    /// them (full fine-tuning).
    public static func saveWeights(model: TransformerDecoder, adapter: LoRAAdapter?, to directory: URL) throws {
        if let adapter {
            try adapter.save(to: directory)
        } else {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let tensors = model.namedParameters().map { SafetensorsTensor(name: $0.key, shape: $0.tensor.shape, values: $0.tensor.storage) }
            try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent(fullWeightsFileName))
        }
    }

    /// The newest complete checkpoint folder in `outputDirectory`, if any. Folders that are not complete (no
    /// `trainer_state.json`, or a file that is torn or unreadable: see `isComplete`) are passed over, so a resume
    /// never starts from a half-written checkpoint.
    public static func latest(in outputDirectory: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory.path)) ?? []
        let steps = names.compactMap { name -> Int? in
            guard name.hasPrefix("checkpoint-") else { return nil }
            return Int(name.dropFirst("checkpoint-".count))
        }
        return steps.sorted().reversed().lazy.map { outputDirectory.appendingPathComponent("checkpoint-\($0)") }
            .first(where: isComplete)
    }

    /// Whether `directory` holds a whole checkpoint: `trainer_state.json` is a JSON object, `optimizer.safetensors`
    /// and the weights (`adapter_model.safetensors` with `adapter_config.json`, or `model.safetensors`) are valid
    /// safetensors files whose tensors fill them exactly (a truncated file fails that check).
    package static func isComplete(_ directory: URL) -> Bool {
        let file = { (name: String) in directory.appendingPathComponent(name) }
        guard let stateData = FileManager.default.contents(atPath: file(stateFileName).path),
              (try? JSONSerialization.jsonObject(with: stateData)) is [String: Any],
              (try? SafetensorsFile(contentsOf: file(optimizerFileName))) != nil else { return false }
        if FileManager.default.fileExists(atPath: file(fullWeightsFileName).path) {
            return (try? SafetensorsFile(contentsOf: file(fullWeightsFileName))) != nil
        }
        return (try? SafetensorsFile(contentsOf: file(LoRA.weightsFileName))) != nil
            && (try? JSONSerialization.jsonObject(with: Data(contentsOf: file(LoRA.configurationFileName)))) is [String: Any]
    }

    /// Reads `trainer_state.json` of `directory`.
    public static func readState<State: Decodable>(_ type: State.Type, from directory: URL) throws -> State {
        try TrainingFiles.readJSON(type, from: directory.appendingPathComponent(stateFileName))
    }

    /// Restores full weights (full fine-tuning) into `model`.
    public static func loadFullWeights(from directory: URL, into model: TransformerDecoder) throws {
        let url = directory.appendingPathComponent(fullWeightsFileName)
        let file = try SafetensorsFile(contentsOf: url)
        try model.loadParameters(file: url.path) { key, _ in file.tensors[key] == nil ? nil : try file.floats(key) }
    }

    /// Restores AdamW's moments and step count.
    public static func loadOptimizer(from directory: URL, into optimizer: AdamW, step: Int) throws {
        let url = directory.appendingPathComponent(optimizerFileName)
        let file = try SafetensorsFile(contentsOf: url)
        var first: [[Float]] = [], second: [[Float]] = []
        for (index, parameter) in optimizer.parameters.enumerated() {
            for (name, list) in [("exp_avg.\(index)", 0), ("exp_avg_sq.\(index)", 1)] {
                guard let info = file.tensors[name] else {
                    throw ModelError.missingTensor(file: url.path, key: name, expectedShape: parameter.shape)
                }
                guard info.shape == parameter.shape else {
                    throw ModelError.shapeMismatch(file: url.path, key: name, expected: parameter.shape, found: info.shape)
                }
                if list == 0 { first.append(try file.floats(name)) } else { second.append(try file.floats(name)) }
            }
        }
        optimizer.state.step = step
        optimizer.state.firstMoments = first
        optimizer.state.secondMoments = second
    }
}

/// A trainer's `trainer_state.json`, which stores the configuration it ran with.
public protocol CheckpointState: Codable {
    associatedtype Configuration: Encodable
    var configuration: Configuration { get }
}

extension TrainingCheckpoint {
    /// The newest checkpoint of `outputDirectory` and its state, refused (`TrainingError.configurationChanged`,
    /// naming each field) when its configuration differs from `configuration` in anything but `mayChange`.
    /// - Throws: `TrainingError.noCheckpoint`, `.invalidCheckpoint`, `.configurationChanged`.
    public static func resume<State: CheckpointState>(_ type: State.Type, from outputDirectory: URL,
                                                      configuration: State.Configuration,
                                                      mayChange: Set<String>) throws -> (directory: URL, state: State) {
        guard let directory = latest(in: outputDirectory) else {
            throw TrainingError.noCheckpoint(directory: outputDirectory.path)
        }
        let state = try readState(type, from: directory)
        try ResumeCheck.require(stored: state.configuration, new: configuration, mayChange: mayChange, checkpoint: directory)
        return (directory, state)
    }
}

extension TrainingCheckpoint {
    /// Checks the counters a checkpoint's `trainer_state.json` declares against what this run can use (a crafted or
    /// damaged file must not index past the data or the adapter's layers).
    ///
    /// - Parameter counts: each field's name, its stored value and the range it must lie in.
    /// - Throws: `TrainingError.invalidCheckpoint` naming the state file, the first field out of range, its value and
    ///   the range.
    public static func requireCounts(_ counts: [(field: String, value: Int, range: ClosedRange<Int>)], in directory: URL) throws {
        for (field, value, range) in counts where !range.contains(value) {
            throw TrainingError.invalidCheckpoint(
                path: directory.appendingPathComponent(stateFileName).path,
                reason: "\(field) is \(value), expected \(range.lowerBound)...\(range.upperBound) for this run")
        }
    }
}
