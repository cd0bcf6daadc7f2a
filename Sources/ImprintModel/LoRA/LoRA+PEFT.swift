import Foundation
import ImprintFormats
import ImprintTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// PEFT's adapter folder: `adapter_config.json` + `adapter_model.safetensors`, as
// `PeftModel.save_pretrained` writes it and `PeftModel.from_pretrained` reads it (PEFT 0.21.2).
// Tensor keys: `base_model.model.<module key>.lora_A.weight` `[r, in]` and `.lora_B.weight`
// `[out, r]`, without the adapter name.

extension LoRA {
    /// The weights file of a PEFT adapter folder.
    public static let weightsFileName = "adapter_model.safetensors"
    /// The configuration file of a PEFT adapter folder.
    public static let configurationFileName = PEFTAdapterConfig.fileName

    /// Loads the PEFT LoRA adapter in `directory` onto `model` under `name` and makes it active
    /// (PEFT's `PeftModel.from_pretrained`; unlike PEFT's `load_adapter`, a second adapter becomes
    /// the active one too — `setActive` switches back). The model is untouched when loading fails.
    ///
    /// - Parameters:
    ///   - trainable: whether `A`/`B` take gradients (PEFT's `is_trainable`, default false).
    ///   - seed: seeds the dropout masks (used only in training mode with `lora_dropout > 0`).
    /// - Throws: `ModelError.invalidConfiguration` for a bad `adapter_config.json`,
    ///   `LoRAError.unsupportedOption` for DoRA, `fan_in_fan_out`, a bias, `modules_to_save` and other
    ///   unimplemented options, `LoRAError.unsupportedWeightsFormat` for a `.bin`-only folder,
    ///   `ModelError.missingTensor` / `.unexpectedTensor` / `.shapeMismatch` naming the weights file
    ///   and key, `FormatError` for an unreadable safetensors file, and the target errors of `attach`.
    @discardableResult
    public static func load(from directory: URL, into model: Module, name: String = "default", trainable: Bool = false,
                            seed: UInt64 = 0) throws -> LoRAAdapter {
        try checkNameIsFree(name, in: model)
        let (configuration, baseModelNameOrPath) = try PEFTAdapterConfig.read(directory.appendingPathComponent(configurationFileName))
        let weightsURL = directory.appendingPathComponent(weightsFileName)
        let pickle = directory.appendingPathComponent("adapter_model.bin")
        if !FileManager.default.fileExists(atPath: weightsURL.path) && FileManager.default.fileExists(atPath: pickle.path) {
            throw LoRAError.unsupportedWeightsFormat(file: pickle.path)
        }
        let weights = try SafetensorsFile(contentsOf: weightsURL)
        let file = weightsURL.path
        let targets = try targets(configuration.targetModules, in: model)
        let expectedKeys = Set(targets.flatMap { [peftKey(module: $0.key, matrix: "lora_A"), peftKey(module: $0.key, matrix: "lora_B")] })
        if let unexpected = weights.tensorNames.first(where: { !expectedKeys.contains($0) }) {
            throw ModelError.unexpectedTensor(file: file, key: unexpected)
        }
        func tensor(_ key: String, shape: [Int]) throws -> Tensor {
            guard let info = weights.tensors[key] else { throw ModelError.missingTensor(file: file, key: key, expectedShape: shape) }
            guard info.shape == shape else { throw ModelError.shapeMismatch(file: file, key: key, expected: shape, found: info.shape) }
            return Tensor(shape: shape, storage: try weights.floats(key))
        }
        var generator = RandomGenerator(seed: seed)
        let rank = configuration.rank
        let layers = try targets.map { key, linear in
            let down = try tensor(peftKey(module: key, matrix: "lora_A"), shape: [rank, linear.inputCount])
            let up = try tensor(peftKey(module: key, matrix: "lora_B"), shape: [linear.outputCount, rank])
            return LoRAAdapter.Layer(key: key, linear: linear, update: LoRAUpdate(
                down: down, up: up, scale: configuration.scale, dropout: configuration.dropout,
                dropoutGenerator: RandomGenerator(seed: generator.next())))
        }
        let adapter = LoRAAdapter(name: name, configuration: configuration, layers: layers,
                                  baseModelNameOrPath: baseModelNameOrPath)
        install(adapter, in: model, trainable: trainable)
        return adapter
    }
}

extension LoRAAdapter {
    /// Writes this adapter to `directory` as PEFT's `save_pretrained` does: `adapter_config.json`
    /// and `adapter_model.safetensors` (F32, metadata `{"format": "pt"}`, keys without the adapter
    /// name), so that `PeftModel.from_pretrained(base, directory)` loads it. Other files in the
    /// folder are left alone.
    ///
    /// Crash safety: both files are written in full and flushed under temporary names first; then
    /// the old `adapter_config.json` is removed, the weights renamed into place, and the new
    /// configuration renamed last. The configuration is the commit mark: at every instant the
    /// folder holds the old adapter, the new one, or weights without a configuration, which no
    /// loader accepts — never a mix that looks valid.
    ///
    /// - Throws: `FormatError.cannotOpen` naming a folder that cannot be created, `FormatError.cannotWrite` naming the
    ///   file that could not be written and why ("No space left on device").
    public func save(to directory: URL) throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FormatError.cannotOpen(path: directory.path, reason: "cannot create the adapter folder: \(error.localizedDescription)")
        }
        let stamp = UUID().uuidString
        let weightsURL = directory.appendingPathComponent(LoRA.weightsFileName)
        let configURL = directory.appendingPathComponent(LoRA.configurationFileName)
        let stagedWeights = directory.appendingPathComponent(".\(LoRA.weightsFileName).\(stamp).staged")
        let stagedConfig = directory.appendingPathComponent(".\(LoRA.configurationFileName).\(stamp).staged")
        AtomicFile.removeLeftovers(of: weightsURL, suffix: ".staged")  // of a save that was killed
        AtomicFile.removeLeftovers(of: configURL, suffix: ".staged")
        defer {
            try? manager.removeItem(at: stagedWeights)
            try? manager.removeItem(at: stagedConfig)
        }
        let tensors = peftTensors.map { SafetensorsTensor(name: $0.key, shape: $0.tensor.shape, values: $0.tensor.storage) }
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: stagedWeights)
        try AtomicFile.write(PEFTAdapterConfig.encode(self), to: stagedConfig)
        if manager.fileExists(atPath: configURL.path) {
            guard unlink(configURL.path) == 0 else { throw Self.fileError(configURL, "cannot remove the old configuration") }
        }
        guard rename(stagedWeights.path, weightsURL.path) == 0 else { throw Self.fileError(weightsURL, "cannot rename the staged weights") }
        guard rename(stagedConfig.path, configURL.path) == 0 else { throw Self.fileError(configURL, "cannot rename the staged configuration") }
    }

    private static func fileError(_ url: URL, _ what: String) -> FormatError {
        FormatError.cannotWrite(path: url.path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
