/// How text is sampled: the knobs every generator (local model or remote server) understands.
///
/// The ranges are those of vLLM's `SamplingParams` and llama.cpp's sampler: `temperature >= 0`,
/// `topP` in (0, 1], `topK >= 0`, `minP` in [0, 1], `maxTokens >= 1`. `validate()` checks them.
public struct SamplingParameters: Codable, Hashable, Sendable {
    /// Largest number of new tokens.
    public var maxTokens: Int
    /// Softmax temperature; 0 means greedy decoding.
    public var temperature: Double
    /// Nucleus sampling: keep the smallest set of tokens whose probability reaches `topP` (1 = off).
    public var topP: Double
    /// Keep the `topK` most likely tokens (0 = off).
    public var topK: Int
    /// Drop tokens whose probability is below `minP` times the most likely one (0 = off).
    public var minP: Double
    /// Generation stops when one of these strings appears; it is not part of the completion.
    public var stop: [String]
    /// Seed of the sampler; the same seed gives the same completions.
    public var seed: UInt64?

    public init(maxTokens: Int = 256, temperature: Double = 1.0, topP: Double = 1.0, topK: Int = 0,
                minP: Double = 0, stop: [String] = [], seed: UInt64? = nil) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.minP = minP
        self.stop = stop
        self.seed = seed
    }

    /// Greedy decoding of at most `maxTokens` tokens.
    public static func greedy(maxTokens: Int = 256) -> SamplingParameters {
        SamplingParameters(maxTokens: maxTokens, temperature: 0)
    }

    /// Checks every parameter against its range.
    ///
    /// - Throws: `InvalidSamplingParameter` naming the first parameter out of range, its value and the range.
    public func validate() throws {
        // Written as "guard inside the range" so that NaN is out of every range.
        guard maxTokens >= 1 else { throw InvalidSamplingParameter(.maxTokens, value: "\(maxTokens)") }
        guard temperature >= 0 else { throw InvalidSamplingParameter(.temperature, value: "\(temperature)") }
        guard topP > 0 && topP <= 1 else { throw InvalidSamplingParameter(.topP, value: "\(topP)") }
        guard topK >= 0 else { throw InvalidSamplingParameter(.topK, value: "\(topK)") }
        guard minP >= 0 && minP <= 1 else { throw InvalidSamplingParameter(.minP, value: "\(minP)") }
    }
}

/// A sampling parameter outside its range: which one, its value and the range it must lie in.
///
/// `topP = 7.0 is out of range: expected a value in (0, 1]`
public struct InvalidSamplingParameter: Error, CustomStringConvertible, Equatable, Sendable {
    /// The checked parameters, by their `SamplingParameters` names.
    public enum Parameter: String, CaseIterable, Sendable {
        case maxTokens, temperature, topP, topK, minP

        /// The range the parameter must lie in, in interval notation.
        public var range: String {
            switch self {
            case .maxTokens: return ">= 1"
            case .temperature: return ">= 0 (0 = greedy)"
            case .topP: return "in (0, 1] (1 = off)"
            case .topK: return ">= 0 (0 = off)"
            case .minP: return "in [0, 1] (0 = off)"
            }
        }
    }

    public var parameter: Parameter
    /// The rejected value as written (`"7.0"`, `"-1"`).
    public var value: String

    public init(_ parameter: Parameter, value: String) {
        self.parameter = parameter
        self.value = value
    }

    /// The message with `name` standing for the parameter (a command line passes its option, `--top-p`).
    public func description(naming name: String) -> String {
        "\(name) = \(value) is out of range: expected a value \(parameter.range)"
    }

    public var description: String { description(naming: parameter.rawValue) }
}
