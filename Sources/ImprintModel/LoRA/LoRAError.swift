import Foundation

/// A LoRA adapter that cannot be attached, loaded or switched to, naming the file, the key and
/// what was expected. Tensor problems in adapter files (missing, unexpected, wrong shape) and bad
/// configuration values are `ModelError`s, as for model checkpoints.
public enum LoRAError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// An adapter option Imprint does not implement (DoRA, `fan_in_fan_out`, a bias mode, ...).
    case unsupportedOption(file: String, key: String, found: String, supported: String)
    /// The adapter's target modules match no module of the model.
    case noTargetModules(targets: String)
    /// A target module is not a linear layer (an embedding, a norm); PEFT adapts those differently.
    case unsupportedTargetModule(key: String, type: String)
    /// `target_modules` as a single string is not a valid regular expression.
    case invalidTargetPattern(pattern: String)
    /// An adapter of that name is already attached.
    case duplicateAdapterName(name: String)
    /// No adapter of that name is attached.
    case unknownAdapter(name: String, attached: [String])
    /// The adapter folder holds only PyTorch pickles (`adapter_model.bin`), which Imprint does not read.
    case unsupportedWeightsFormat(file: String)

    public var description: String {
        switch self {
        case let .unsupportedOption(file, key, found, supported):
            return "\(file): adapter option '\(key)' is \(found); Imprint supports \(supported)"
        case let .noTargetModules(targets):
            return "LoRA target modules \(targets) match no module of the model"
        case let .unsupportedTargetModule(key, type):
            return "LoRA target module '\(key)' is a \(type); only linear layers can take a LoRA adapter"
        case let .invalidTargetPattern(pattern):
            return "LoRA target_modules pattern '\(pattern)' is not a valid regular expression"
        case let .duplicateAdapterName(name):
            return "a LoRA adapter named '\(name)' is already attached"
        case let .unknownAdapter(name, attached):
            return "no LoRA adapter named '\(name)'; attached: \(attached.isEmpty ? "none" : attached.joined(separator: ", "))"
        case let .unsupportedWeightsFormat(file):
            return "\(file): PyTorch pickle adapters are not supported; expected adapter_model.safetensors beside it"
        }
    }

    public var errorDescription: String? { description }
}
