import AsyncHTTPClient
import ArgumentParser
import Foundation
import Imprint
import ImprintHTTPClient

/// What a `--model PATH|URL` option names: a local model (GGUF file or Hugging Face folder) or an OpenAI-compatible
/// server (vLLM, llama.cpp's `llama-server`, `imprint serve`, an API).
///
/// `http://` and `https://` are servers; a URL without a path gets `/v1` (`http://127.0.0.1:8080` is
/// `http://127.0.0.1:8080/v1`, as OpenAI's Python client wants its `base_url`).
enum GeneratorSource: Equatable {
    case local(path: String)
    case server(baseURL: String)

    init(pathOrURL: String) {
        let lowercased = pathOrURL.lowercased()
        guard lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://") else {
            self = .local(path: pathOrURL)
            return
        }
        if var components = URLComponents(string: pathOrURL), components.path.isEmpty || components.path == "/" {
            components.path = "/v1"
            self = .server(baseURL: components.string ?? pathOrURL)
        } else {
            self = .server(baseURL: pathOrURL)
        }
    }

    var isServer: Bool {
        if case .server = self { return true }
        return false
    }
}

/// The `TextGenerator` for `--model PATH|URL`: a `LocalTextGenerator` (GGUF weights kept quantized; `adapter`, a PEFT
/// adapter, applied), or an `OpenAICompatibleGenerator` on the command's HTTP client. The one place every command
/// makes its generators.
///
/// - Parameters:
///   - adapter: a PEFT LoRA adapter folder for a local model (a server serves its own).
///   - modelName: the model name sent to a server; nil asks the server (`GET /v1/models`) and takes the first.
///   - apiKeyEnvironmentVariable: the environment variable holding a server's API key (never printed).
///   - maxConcurrentRequests: a server's requests in flight at once.
///   - decoding: a local model's products with block-quantized weights (`--decode`; a server decodes its own way).
/// - Throws: `ValidationError` for a server option given with a local model (or an adapter with a server); the
///   loaders' errors; `OpenAICompatibleConfigurationError`, `OpenAICompatibleServerError` for a server.
func makeGenerator(pathOrURL: String, adapter: String? = nil, modelName: String? = nil, apiKeyEnvironmentVariable: String? = nil,
                   maxConcurrentRequests: Int = 16, decoding: DecodingPrecision = .float32) async throws -> any TextGenerator {
    switch GeneratorSource(pathOrURL: pathOrURL) {
    case .local(let path):
        guard modelName == nil && apiKeyEnvironmentVariable == nil else {
            throw ValidationError("\(path) is a local model: a model name and an API key are for a server URL (http://...)")
        }
        let options = ModelOptions(model: path, adapter: adapter)
        let model = try options.loadModel(keepQuantized: true, decoding: decoding)
        let identity = "local:\(options.modelPath)" + (adapter.map { "+adapter:\($0)" } ?? "")
            + (decoding == .float32 ? "" : "+decode:\(decoding.rawValue)")
        return LocalTextGenerator(model: model, tokenizer: try PretrainedTokenizer.load(modelPath: options.modelPath), identity: identity)
    case .server(let baseURL):
        guard decoding == .float32 else {
            throw ValidationError("--decode applies to a local model; \(pathOrURL) is a server (it decodes its own way)")
        }
        guard adapter == nil else {
            throw ValidationError("--adapter applies to a local model; \(pathOrURL) is a server (serve the adapter there)")
        }
        var name = modelName
        if name == nil {
            let served = try await OpenAICompatibleGenerator.servedModels(
                baseURL: baseURL, apiKeyEnvironmentVariable: apiKeyEnvironmentVariable, httpClient: commandLineHTTPClient)
            name = served.first
        }
        let configuration = OpenAICompatibleGenerator.Configuration(
            baseURL: baseURL, model: name ?? "", apiKeyEnvironmentVariable: apiKeyEnvironmentVariable,
            maxConcurrentRequests: maxConcurrentRequests)
        return try OpenAICompatibleGenerator(configuration: configuration, httpClient: commandLineHTTPClient)
    }
}

/// The HTTP client of every server a command talks to.
///
/// It lives as long as the process, as `HTTPClient.shared` does: never shut down (so no command can forget to), its
/// connections closed when the process exits; it runs on SwiftNIO's shared event loops and starts no threads of its
/// own. Unlike `HTTPClient.shared` it keeps up to 64 connections per server (shared: 8), so each generator's own
/// `maxConcurrentRequests` is what limits the requests in flight; it reports a refused connection at once (the
/// generator retries it with its own backoff); and it never follows redirects (a POST redirected would be resent as
/// a GET).
let commandLineHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()
