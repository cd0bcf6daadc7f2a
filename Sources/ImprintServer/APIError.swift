import Foundation
import Hummingbird
import ImprintCore
import ImprintModel

/// An error answered the way OpenAI's API answers it, so every OpenAI client reads it:
/// `{"error": {"message": ..., "type": ..., "param": ..., "code": ...}}` with an HTTP status.
///
/// ```json
/// {"error": {"message": "max_tokens is 100000, but this server allows at most 4096 (--max-tokens-limit)",
///            "type": "invalid_request_error", "param": "max_tokens", "code": null}}
/// ```
public struct APIError: Error, Equatable, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    /// `invalid_request_error`, `authentication_error`, `not_found_error`, `server_error`...
    public var type: String
    /// The request field at fault, when one is.
    public var param: String?
    /// A machine-readable code (`context_length_exceeded`, `invalid_api_key`...), when there is one.
    public var code: String?

    public init(status: HTTPResponse.Status, message: String, type: String = "invalid_request_error",
                param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public var description: String { "\(status.code) \(type): \(message)" }

    /// A 400 about one request field.
    static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, param: param, code: code)
    }

    static let unauthorized = APIError(status: .unauthorized, message: "Incorrect or missing API key: send the header "
                                       + "'Authorization: Bearer <key>' with the key the server was started with.",
                                       param: nil, code: "invalid_api_key")

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, message: "The request body is larger than this server's limit of \(limit) bytes.",
                 code: "request_too_large")
    }

    static func notFound(method: HTTPRequest.Method, path: String) -> APIError {
        APIError(status: .notFound, message: "Invalid URL (\(method.rawValue) \(path)): this server answers /v1/models, "
                 + "/v1/chat/completions, /v1/completions, /v1/rewards and /health.", code: "unknown_url")
    }

    /// A server-side failure; the message is generic (details go to the log, never to the client).
    static let internalError = APIError(status: .internalServerError, message: "The server failed to answer this request.",
                                        type: "server_error")

    /// The body as OpenAI writes it.
    var body: ByteBuffer {
        struct Body: Encodable {
            let error: APIError
        }
        return ByteBuffer(bytes: ModelServer.encode(Body(error: self)))
    }

    /// The response: the JSON body, plus `Retry-After` on a 503.
    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .serviceUnavailable { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
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

extension APIError {
    /// The API error of a request the decoder refuses (`param`: the request field that carries the prompt).
    static func refused(_ error: Error, promptParam: String) -> APIError? {
        switch error {
        case let error as GenerationError:
            switch error {
            case let .promptTooLong(_, promptTokens, contextLength):
                return .invalid("This model's maximum context length is \(contextLength) tokens (prompt and completion together), "
                                + "but the prompt has \(promptTokens) tokens; at most \(contextLength - 1) fit.",
                                param: promptParam, code: "context_length_exceeded")
            case .emptyPrompt:
                return .invalid("The prompt encodes to no tokens; a prompt needs at least one.", param: promptParam)
            case let .tokenOutOfRange(_, token, vocabularySize):
                return .invalid("Token id \(token) is outside the model's vocabulary of \(vocabularySize) tokens.", param: promptParam)
            }
        case let error as InvalidSamplingParameter:
            let names: [InvalidSamplingParameter.Parameter: String] = [
                .maxTokens: "max_tokens", .temperature: "temperature", .topP: "top_p", .topK: "top_k", .minP: "min_p",
            ]
            let name = names[error.parameter] ?? error.parameter.rawValue
            return .invalid(error.description(naming: name), param: name)
        case let error as BatchedDecoderError:
            switch error {
            case .shuttingDown, .queueFull:
                return APIError(status: .serviceUnavailable, message: error.description, type: "server_error", code: "server_busy")
            case .tooManyCompletions:
                return .invalid(error.description, param: "n")
            }
        default:
            return nil
        }
    }
}
