import Foundation

/// Pieces of `config.json` that several architectures share.
public enum HFConfigurationSupport {
    /// `eos_token_id` may be an int or a list of ints.
    public struct TokenIds: Codable, Sendable {
        public let values: [Int]
        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let single = try? container.decode(Int.self) { values = [single] } else { values = try container.decode([Int].self) }
        }
        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            if values.count == 1 { try container.encode(values[0]) } else { try container.encode(values) }
        }
    }

    /// `rope_scaling` (transformers 4.x) or the scaling fields of `rope_parameters` (5.x).
    public struct RopeParameters: Codable, Sendable {
        public let ropeTheta: Float?
        public let ropeType: String?
        public let type: String?
        public let factor: Float?
        public let lowFreqFactor: Float?
        public let highFreqFactor: Float?
        public let originalMaxPositionEmbeddings: Int?

        enum CodingKeys: String, CodingKey {
            case ropeTheta = "rope_theta", ropeType = "rope_type", type, factor
            case lowFreqFactor = "low_freq_factor", highFreqFactor = "high_freq_factor"
            case originalMaxPositionEmbeddings = "original_max_position_embeddings"
        }

        public var scaling: ModelConfiguration.RopeScaling? {
            let kind = ropeType ?? type ?? "default"
            guard kind != "default", let factor else { return nil }
            return ModelConfiguration.RopeScaling(type: kind, factor: factor, lowFrequencyFactor: lowFreqFactor,
                                                  highFrequencyFactor: highFreqFactor,
                                                  originalMaxPositionEmbeddings: originalMaxPositionEmbeddings)
        }
    }

    /// Decodes `T` from `data`, turning decoding failures into `ModelError.invalidConfiguration`.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ModelError.invalidConfiguration(file: file, key: (context.codingPath + [key]).map(\.stringValue).joined(separator: "."),
                                                  expected: "a value (missing)")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw ModelError.invalidConfiguration(file: file, key: context.codingPath.map(\.stringValue).joined(separator: "."),
                                                  expected: "a value of type \(expected)")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw ModelError.invalidConfiguration(file: file, key: context.codingPath.map(\.stringValue).joined(separator: "."),
                                                  expected: "a value of type \(expected), found null")
        } catch {
            throw ModelError.invalidConfiguration(file: file, key: "(document)", expected: "valid JSON: \(error)")
        }
    }
}
