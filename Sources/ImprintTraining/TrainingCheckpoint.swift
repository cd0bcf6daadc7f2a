import Foundation
import ImprintFormats
import ImprintModel
import ImprintTensor

/// A training checkpoint, the same for every trainer: `checkpoint-<step>/` in the output folder, holding the PEFT
/// adapter (or the full weights as `model.safetensors` with Hugging Face keys), AdamW's moments
/// (`optimizer.safetensors`) and `trainer_state.json` (the trainer's `State`: step, data position, random generator
/// states, the configuration).
///
/// Atomic: everything is written into a hidden temporary folder that is renamed to `checkpoint-<step>` only when
/// complete, so a crash leaves the previous checkpoints intact and never a partial one under a checkpoint name.
public enum TrainingCheckpoint {
    public static let stateFileName = "trainer_state.json"
    public static let optimizerFileName = "optimizer.safetensors"
    public static let fullWeightsFileName = "model.safetensors"

    /// Writes a checkpoint of `step` into `outputDirectory/checkpoint-<step>` and returns that folder.
    public static func save<State: Encodable>(step: Int, state: State, model: TransformerDecoder, adapter: LoRAAdapter?,
                                              optimizer: AdamW, in outputDirectory: URL) throws -> URL {
        let manager = FileManager.default
        let final = outputDirectory.appendingPathComponent("checkpoint-\(step)")
        let staging = outputDirectory.appendingPathComponent(".checkpoint-\(step).\(UUID().uuidString).partial")
        do {
            try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw FormatError.cannotOpen(path: staging.path, reason: "cannot create the checkpoint folder: \(error.localizedDescription)")
        }
        defer { try? manager.removeItem(at: staging) }
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
            throw FormatError.cannotOpen(path: final.path, reason: "cannot rename the finished checkpoint into place")
        }
        return final
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

    /// The newest complete checkpoint folder in `outputDirectory`, if any.
    public static func latest(in outputDirectory: URL) -> URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory.path)) ?? []
        let steps = names.compactMap { name -> Int? in
            guard name.hasPrefix("checkpoint-") else { return nil }
            return Int(name.dropFirst("checkpoint-".count))
        }
        return steps.sorted().reversed().lazy.map { outputDirectory.appendingPathComponent("checkpoint-\($0)") }
            .first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(stateFileName).path) }
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
