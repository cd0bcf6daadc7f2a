import Foundation

/// A model file, checkpoint or configuration that cannot be used, with the file, the key and
/// what was expected.
public enum ModelError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The architecture named in the file is not one Imprint implements.
    case unknownArchitecture(file: String, name: String, supported: [String])
    /// A configuration key is missing or has the wrong type or value.
    case invalidConfiguration(file: String, key: String, expected: String)
    /// The checkpoint lacks a tensor the model needs.
    case missingTensor(file: String, key: String, expectedShape: [Int])
    /// The checkpoint has a tensor the model does not know (strict loading).
    case unexpectedTensor(file: String, key: String)
    /// A GGUF file of a supported architecture holds tensors that Imprint's model of it does not
    /// have: a variant it does not implement (mixture of experts, extra projections).
    case unsupportedTensors(file: String, architecture: String, names: [String])
    /// A tensor's shape differs from the model's.
    case shapeMismatch(file: String, key: String, expected: [Int], found: [Int])
    /// A path that is neither a GGUF file nor a model directory.
    case unrecognizedModelPath(path: String)

    public var description: String {
        switch self {
        case let .unknownArchitecture(file, name, supported):
            return "\(file): unknown model architecture '\(name)'; supported: \(supported.joined(separator: ", "))"
        case let .invalidConfiguration(file, key, expected):
            return "\(file): configuration key '\(key)': expected \(expected)"
        case let .missingTensor(file, key, shape):
            return "\(file): missing tensor '\(key)' (expected shape \(shape))"
        case let .unexpectedTensor(file, key):
            return "\(file): unexpected tensor '\(key)' that the model does not use"
        case let .unsupportedTensors(file, architecture, names):
            let shown = names.prefix(6).map { "'\($0)'" }.joined(separator: ", ") + (names.count > 6 ? ", …" : "")
            return "\(file): \(names.count) tensor(s) that Imprint's \(architecture) model does not have, "
                + "so this variant of \(architecture) is not supported: \(shown)"
        case let .shapeMismatch(file, key, expected, found):
            return "\(file): tensor '\(key)' has shape \(found), expected \(expected)"
        case let .unrecognizedModelPath(path):
            return "\(path): not a GGUF file or a Hugging Face model directory (config.json + *.safetensors)"
        }
    }

    public var errorDescription: String? { description }
}
