/// A request to an OpenAI-compatible server that failed, after every retry its failure allowed.
///
/// The description names the endpoint (without credentials), the failure and the number of attempts:
///
/// ```
/// http://127.0.0.1:8080/v1/chat/completions answered HTTP 503 after 5 attempts: Loading model
/// http://127.0.0.1:9/v1/completions: the connection failed after 5 attempts: connection refused
/// ```
///
/// It never holds the API key: a server message quoting it has it replaced by `[redacted]`.
public struct OpenAICompatibleServerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong with the last attempt.
    public enum Failure: Equatable, Sendable {
        /// The server answered with a status other than 2xx; `message` is its error message
        /// (`{"error": {"message": ...}}`, vLLM's `{"message": ...}`, or the start of the body).
        case status(Int, message: String)
        /// No complete answer within the per-request timeout, or opening a connection timed out.
        case timedOut(String)
        /// The connection could not be opened, or broke.
        case connection(String)
        /// The server asked to retry later than `RetryPolicy.maxRetryAfter` allows.
        case retryAfterTooLong(status: Int, seconds: Double, message: String)
        /// A 2xx answer that is not the expected OpenAI response (not JSON, missing fields, too few choices).
        case malformedResponse(String)
    }

    /// The endpoint, as `scheme://host:port/path` (no user, password or query).
    public var url: String
    public var failure: Failure
    /// Attempts made, the first one included.
    public var attempts: Int

    public init(url: String, failure: Failure, attempts: Int) {
        self.url = url
        self.failure = failure
        self.attempts = attempts
    }

    /// The HTTP status of the last answer, when there was one.
    public var status: Int? {
        switch failure {
        case .status(let status, _), .retryAfterTooLong(let status, _, _): return status
        case .timedOut, .connection, .malformedResponse: return nil
        }
    }

    public var description: String {
        let tries = attempts == 1 ? "" : " after \(attempts) attempts"
        switch failure {
        case .status(let status, let message):
            return "\(url) answered HTTP \(status)\(tries): \(message)"
        case .timedOut(let what):
            return "\(url): \(what)\(tries)"
        case .connection(let what):
            return "\(url): the connection failed\(tries): \(what)"
        case .retryAfterTooLong(let status, let seconds, let message):
            return "\(url) answered HTTP \(status)\(tries) and asked to retry after \(seconds) s, longer than the "
                + "retry policy's maxRetryAfter: \(message)"
        case .malformedResponse(let what):
            return "\(url) answered with a response that is not an OpenAI completion\(tries): \(what)"
        }
    }
}
