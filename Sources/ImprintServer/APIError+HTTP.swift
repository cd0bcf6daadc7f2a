import Foundation
import Hummingbird
import ImprintCore
import ImprintModel
import ImprintServerRequests

// `APIError` (ImprintServerRequests) as Hummingbird answers it, and the errors only the server itself raises.

extension APIError {
    public init(status: HTTPResponse.Status, message: String, type: String = "invalid_request_error",
                param: String? = nil, code: String? = nil) {
        self.init(statusCode: status.code, message: message, type: type, param: param, code: code)
    }

    /// `statusCode` as an HTTP status.
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    static let unauthorized = APIError(status: .unauthorized, message: "Incorrect or missing API key: send the header "
                                       + "'Authorization: Bearer <key>' with the key the server was started with.",
                                       param: nil, code: "invalid_api_key")

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
            return APIError(error)
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
