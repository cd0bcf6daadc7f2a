import AsyncHTTPClient
import Foundation

extension OpenAICompatibleGenerator {
    /// The model names a server serves, from `GET <baseURL>/models` (`{"data": [{"id": ...}, ...]}`), in its order.
    ///
    /// vLLM and `llama-server` serve one model, so its name is the first: what `--model URL` sends when no model name
    /// is given. Retried as `retry` says (a `llama-server` still loading its model answers 503).
    ///
    /// - Throws: `OpenAICompatibleConfigurationError` for a bad URL or an unset API-key variable;
    ///   `OpenAICompatibleServerError` for a failed request, or (`.malformedResponse`) a list that is empty or not of
    ///   that shape.
    public static func servedModels(baseURL: String, apiKeyEnvironmentVariable: String? = nil,
                                    environment: [String: String] = ProcessInfo.processInfo.environment,
                                    httpClient: HTTPClient, retry: RetryPolicy = RetryPolicy(),
                                    timeout: Duration = .seconds(30)) async throws -> [String] {
        struct ModelList: Decodable {
            struct Model: Decodable {
                var id: String
            }
            var data: [Model]
        }
        // The model name is not sent; the configuration carries the URL, timeouts and retries.
        let configuration = Configuration(baseURL: baseURL, model: "(listing)", apiKeyEnvironmentVariable: apiKeyEnvironmentVariable,
                                          requestTimeout: timeout, retry: retry)
        try validate(configuration)
        let exchange = HTTPExchange(httpClient: httpClient, apiKey: try apiKey(configuration, environment: environment),
                                    configuration: configuration)
        let url = endpoint(baseURL, "models")
        let (data, attempts) = try await exchange.send(.GET, url)
        guard let list = try? JSONDecoder().decode(ModelList.self, from: data), !list.data.isEmpty else {
            throw OpenAICompatibleServerError(
                url: displayURL(url),
                failure: .malformedResponse("expected a non-empty model list {\"data\": [{\"id\": ...}]}; the body starts: "
                                            + OpenAIWire.bodyExcerpt(data)),
                attempts: attempts)
        }
        return list.data.map(\.id)
    }

    /// The API key in the environment variable the configuration names; nil when it names none.
    ///
    /// - Throws: `OpenAICompatibleConfigurationError.missingAPIKey` when the variable is unset or empty,
    ///   `.invalidAPIKey` when the key holds a control character (a line break), which no HTTP header can carry.
    static func apiKey(_ configuration: Configuration, environment: [String: String]) throws -> String? {
        guard let variable = configuration.apiKeyEnvironmentVariable else { return nil }
        guard let value = environment[variable], !value.isEmpty else {
            throw OpenAICompatibleConfigurationError.missingAPIKey(environmentVariable: variable)
        }
        // A header value cannot hold control characters (a key pasted with its line break).
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw OpenAICompatibleConfigurationError.invalidAPIKey(environmentVariable: variable)
        }
        return value
    }
}
