import AsyncHTTPClient
import Foundation
import NIOCore

extension OpenAICompatibleGenerator {
    /// Where the server is, which model it serves, and how requests are sent.
    ///
    /// The defaults are those of OpenAI's Python client where it has one (600 s per request) and what a
    /// vLLM or llama.cpp server on one machine takes comfortably otherwise (16 requests in flight).
    public struct Configuration: Sendable {
        /// The API root, to which `/chat/completions` and `/completions` are appended: `http://127.0.0.1:8080/v1`
        /// for vLLM, llama.cpp's `llama-server` and `imprint serve`; `https://api.openai.com/v1` for OpenAI.
        public var baseURL: String
        /// The model name sent with every request (vLLM's `--served-model-name`; `llama-server` ignores it).
        public var model: String
        /// The environment variable holding the API key, sent as `Authorization: Bearer <key>`; nil sends none.
        /// The key itself is read once, by the generator's initializer, and never printed, logged or stored here.
        public var apiKeyEnvironmentVariable: String?
        /// Requests in flight at once, over every call of this generator (a request waiting to be retried holds
        /// its place, so a server that is shedding load is not sent more).
        public var maxConcurrentRequests: Int
        /// How long one HTTP request may take, from sending it to the last byte of the answer.
        public var requestTimeout: Duration
        /// How long opening a connection may take.
        public var connectTimeout: Duration
        /// When a failed request is sent again.
        public var retry: RetryPolicy
        /// Constrain the output to JSON (`response_format`); nil leaves it free.
        public var responseFormat: ResponseFormat?
        /// Ask for the log-probability of every generated token (`logprobs`), returned in
        /// `Completion.logProbabilities` (and, from `llama-server`, the token ids in `Completion.tokenIds`).
        public var logProbabilities: Bool
        /// The largest response body read, in bytes; a longer one is a malformed response.
        public var maxResponseBytes: Int

        public init(baseURL: String, model: String, apiKeyEnvironmentVariable: String? = nil,
                    maxConcurrentRequests: Int = 16, requestTimeout: Duration = .seconds(600),
                    connectTimeout: Duration = .seconds(10), retry: RetryPolicy = RetryPolicy(),
                    responseFormat: ResponseFormat? = nil, logProbabilities: Bool = false,
                    maxResponseBytes: Int = 64 << 20) {
            self.baseURL = baseURL
            self.model = model
            self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
            self.maxConcurrentRequests = maxConcurrentRequests
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
            self.retry = retry
            self.responseFormat = responseFormat
            self.logProbabilities = logProbabilities
            self.maxResponseBytes = maxResponseBytes
        }
    }

    /// OpenAI's `response_format`: JSON output, free-form or following a JSON schema.
    ///
    /// It lives in the generator's configuration, not in `SamplingParameters`: it is constrained decoding that
    /// servers offer (vLLM, llama.cpp, OpenAI) and the local generator does not, so a sampling setting would be
    /// silently ignored by one of the two `TextGenerator`s.
    public enum ResponseFormat: Sendable, Hashable {
        /// `{"type": "json_object"}`: any JSON object.
        case jsonObject
        /// `{"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": true}}`.
        case jsonSchema(name: String, schema: JSONValue)

        /// A JSON-schema format from the schema's JSON text.
        ///
        /// - Throws: `OpenAICompatibleConfigurationError.invalidJSONSchema` when `schemaJSON` is not a JSON object.
        public static func jsonSchema(name: String, schemaJSON: String) throws -> ResponseFormat {
            guard let schema = try? JSONDecoder().decode(JSONValue.self, from: Data(schemaJSON.utf8)),
                  case .object = schema else {
                throw OpenAICompatibleConfigurationError.invalidJSONSchema(name: name)
            }
            return .jsonSchema(name: name, schema: schema)
        }
    }
}

/// A configuration the generator cannot work with, found before any request is sent.
public enum OpenAICompatibleConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The base URL is not an absolute http(s) URL with a host.
    case invalidBaseURL(String)
    /// The model name is empty.
    case emptyModelName
    /// The named environment variable holding the API key is not set (or empty).
    case missingAPIKey(environmentVariable: String)
    /// The API key holds a control character (a line break), which an HTTP header cannot carry.
    case invalidAPIKey(environmentVariable: String)
    /// `maxConcurrentRequests` or a timeout is not positive.
    case invalidLimit(name: String, value: String)
    /// The schema text of a JSON-schema response format is not a JSON object.
    case invalidJSONSchema(name: String)

    public var description: String {
        switch self {
        case .invalidBaseURL(let url):
            return "the server URL '\(url)' is not an http:// or https:// URL with a host (expected e.g. http://127.0.0.1:8080/v1)"
        case .emptyModelName:
            return "the model name is empty (give the server's model name, e.g. vLLM's --served-model-name)"
        case .missingAPIKey(let variable):
            return "the environment variable \(variable) that should hold the API key is not set"
        case .invalidAPIKey(let variable):
            return "the API key in \(variable) holds a control character (a line break?), which an HTTP header cannot carry"
        case .invalidLimit(let name, let value):
            return "\(name) = \(value): expected a positive value"
        case .invalidJSONSchema(let name):
            return "the JSON schema '\(name)' is not a JSON object"
        }
    }
}

extension OpenAICompatibleGenerator {
    /// The checks `init` makes before any request.
    static func validate(_ configuration: Configuration) throws {
        guard let url = URL(string: configuration.baseURL), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw OpenAICompatibleConfigurationError.invalidBaseURL(displayURL(configuration.baseURL))
        }
        guard !configuration.model.isEmpty else { throw OpenAICompatibleConfigurationError.emptyModelName }
        guard configuration.maxConcurrentRequests >= 1 else {
            throw OpenAICompatibleConfigurationError.invalidLimit(name: "maxConcurrentRequests",
                                                                 value: "\(configuration.maxConcurrentRequests)")
        }
        for (name, value) in [("requestTimeout", configuration.requestTimeout), ("connectTimeout", configuration.connectTimeout)]
        where value <= .zero {
            throw OpenAICompatibleConfigurationError.invalidLimit(name: name, value: "\(value)")
        }
    }

    /// The `HTTPClient` configuration of an owned client: a connection per request slot, connection failures
    /// reported at once (the generator retries them with its own backoff), no redirects followed (a POST
    /// redirected would be resent as a GET).
    static func httpConfiguration(for configuration: Configuration) -> HTTPClient.Configuration {
        var http = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                            timeout: .init(connect: timeAmount(configuration.connectTimeout)))
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.maxConcurrentRequests
        http.connectionPool.retryConnectionEstablishment = false
        return http
    }

    /// `baseURL` with `path` appended to its path (a query, such as Azure's `api-version`, kept after it);
    /// `baseURL` trimmed of a final `/` when `path` is empty. `baseURL` is known to parse (`validate`).
    static func endpoint(_ baseURL: String, _ path: String) -> String {
        guard var components = URLComponents(string: baseURL) else { return baseURL }
        var base = components.path
        while base.hasSuffix("/") { base.removeLast() }
        components.path = path.isEmpty ? base : base + "/" + path
        return components.string ?? baseURL
    }

    /// A URL for messages and `identity`: no user, password, query or fragment (where keys hide).
    static func displayURL(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(unparseable URL)" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "(unparseable URL)"
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
