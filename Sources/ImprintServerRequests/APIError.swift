import Foundation
import ImprintCore

/// An error answered the way OpenAI's API answers it, so every OpenAI client reads it:
/// `{"error": {"message": ..., "type": ..., "param": ..., "code": ...}}` with an HTTP status.
///
/// ```json
/// {"error": {"message": "max_tokens is 100000, but this server allows at most 4096 (--max-tokens-limit)",
///            "type": "invalid_request_error", "param": "max_tokens", "code": null}}
/// ```
///
/// Every request decoder of this module throws it; `ImprintServer` answers it as it is (and adds the
/// `HTTPResponse.Status` spelling of `statusCode`).
public struct APIError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The HTTP status: 400, 413, 401...
    public var statusCode: Int
    public var message: String
    /// `invalid_request_error`, `authentication_error`, `not_found_error`, `server_error`...
    public var type: String
    /// The request field at fault, when one is.
    public var param: String?
    /// A machine-readable code (`context_length_exceeded`, `invalid_api_key`...), when there is one.
    public var code: String?

    public init(statusCode: Int, message: String, type: String = "invalid_request_error", param: String? = nil,
                code: String? = nil) {
        self.statusCode = statusCode
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public var description: String { "\(statusCode) \(type): \(message)" }

    /// A 400 about one request field.
    public static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(statusCode: 400, message: message, param: param, code: code)
    }

    /// The 413 of a body over `limit` bytes.
    public static func bodyTooLarge(limit: Int) -> APIError {
        APIError(statusCode: 413, message: "The request body is larger than this server's limit of \(limit) bytes.",
                 code: "request_too_large")
    }

    /// The 400 of a sampling parameter out of its range, naming the request field (`top_p`, not `topP`).
    public init(_ error: InvalidSamplingParameter) {
        let names: [InvalidSamplingParameter.Parameter: String] = [
            .maxTokens: "max_tokens", .temperature: "temperature", .topP: "top_p", .topK: "top_k", .minP: "min_p",
        ]
        let name = names[error.parameter] ?? error.parameter.rawValue
        self = .invalid(error.description(naming: name), param: name)
    }
}

extension APIError: Encodable {
    enum CodingKeys: String, CodingKey { case message, type, param, code }

    /// Every key is written, `null` included, as OpenAI does.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message, forKey: .message)
        try container.encode(type, forKey: .type)
        try container.encode(param, forKey: .param)
        try container.encode(code, forKey: .code)
    }
}

extension DecodingError {
    /// A 400 naming the field at fault, in the words OpenAI uses.
    var apiError: APIError {
        func path(_ context: Context, appending key: (any CodingKey)? = nil) -> String? {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            guard !keys.isEmpty else { return nil }
            return keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch self {
        case let .keyNotFound(key, context):
            let field = path(context, appending: key) ?? key.stringValue
            return .invalid("Missing required parameter: '\(field)'.", param: field)
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            let field = path(context)
            return .invalid("Invalid type for '\(field ?? "body")': expected \(Self.jsonName(of: type)).", param: field)
        case let .dataCorrupted(context):
            guard let field = path(context) else {
                return .invalid("We could not parse the JSON body of your request: it is not a valid JSON object. "
                                + "(HINT: send JSON with 'Content-Type: application/json'.)")
            }
            return .invalid("Invalid value for '\(field)': \(context.debugDescription).", param: field)
        @unknown default:
            return .invalid("We could not parse the JSON body of your request.")
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "another type (\(name))"
        }
    }
}
