import AsyncHTTPClient
import Foundation
import ImprintCore
import ImprintHTTPClient
import ImprintModel
import ImprintTensor
import ImprintTokenizer

/// What a model path names: a local model (GGUF file or Hugging Face folder) or an OpenAI-compatible server (vLLM,
/// llama.cpp's `llama-server`, `imprint serve`, an API). Programs that take `--model PATH|URL` (the `imprint` commands,
/// the examples) make their generators here, so a local model and a server are interchangeable everywhere.
///
/// `http://` and `https://` are servers; a URL without a path gets `/v1` (`http://127.0.0.1:8080` is
/// `http://127.0.0.1:8080/v1`, as OpenAI's Python client wants its `base_url`).
public enum GeneratorSource: Equatable, Sendable {
    case local(path: String)
    case server(baseURL: String)

    public init(pathOrURL: String) {
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

    public var isServer: Bool {
        if case .server = self { return true }
        return false
    }

    /// How to reach and run what the source names; each option applies to one kind of source.
    public struct Options: Sendable {
        /// A PEFT LoRA adapter folder for a local model (a server serves its own).
        public var adapter: String?
        /// The model name sent to a server; nil asks the server (`GET /v1/models`) and takes the first.
        public var modelName: String?
        /// The environment variable holding a server's API key (never printed).
        public var apiKeyEnvironmentVariable: String?
        /// A server's requests in flight at once.
        public var maxConcurrentRequests: Int
        /// A local model's products with block-quantized weights (a server decodes its own way).
        public var decoding: DecodingPrecision

        public init(adapter: String? = nil, modelName: String? = nil, apiKeyEnvironmentVariable: String? = nil,
                    maxConcurrentRequests: Int = 16, decoding: DecodingPrecision = .float32) {
            self.adapter = adapter
            self.modelName = modelName
            self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
            self.maxConcurrentRequests = maxConcurrentRequests
            self.decoding = decoding
        }
    }

    /// The `TextGenerator` for this source: a `LocalTextGenerator` (GGUF weights kept quantized; the adapter applied;
    /// `decoding` set), or an `OpenAICompatibleGenerator` on `httpClient`.
    /// - Throws: `GeneratorSourceError` for an option the source cannot use; the loaders' errors;
    ///   `OpenAICompatibleConfigurationError`, `OpenAICompatibleServerError` for a server.
    public func makeGenerator(_ options: Options = Options(), httpClient: HTTPClient = GeneratorSource.sharedHTTPClient)
        async throws -> any TextGenerator {
        switch self {
        case .local(let path):
            guard options.modelName == nil && options.apiKeyEnvironmentVariable == nil else {
                throw GeneratorSourceError.serverOptionForLocalModel(path: path)
            }
            let model = try ModelLoader.load(path: path, keepQuantized: true)
            if let adapter = options.adapter { try LoRA.load(from: URL(fileURLWithPath: adapter), into: model) }
            if options.decoding != .float32 { try model.useDecodingPrecision(options.decoding) }
            let identity = "local:\(path)" + (options.adapter.map { "+adapter:\($0)" } ?? "")
                + (options.decoding == .float32 ? "" : "+decode:\(options.decoding.rawValue)")
            return LocalTextGenerator(model: model, tokenizer: try PretrainedTokenizer.load(modelPath: path), identity: identity)
        case .server(let baseURL):
            guard options.adapter == nil else { throw GeneratorSourceError.adapterForServer(url: baseURL) }
            guard options.decoding == .float32 else { throw GeneratorSourceError.decodingForServer(url: baseURL) }
            var name = options.modelName
            if name == nil {
                let served = try await OpenAICompatibleGenerator.servedModels(
                    baseURL: baseURL, apiKeyEnvironmentVariable: options.apiKeyEnvironmentVariable, httpClient: httpClient)
                name = served.first
            }
            let configuration = OpenAICompatibleGenerator.Configuration(
                baseURL: baseURL, model: name ?? "", apiKeyEnvironmentVariable: options.apiKeyEnvironmentVariable,
                maxConcurrentRequests: options.maxConcurrentRequests)
            return try OpenAICompatibleGenerator(configuration: configuration, httpClient: httpClient)
        }
    }

    /// The HTTP client of every server a program talks to through `makeGenerator`.
    ///
    /// It lives as long as the process, as `HTTPClient.shared` does: never shut down (so no program can forget to), its
    /// connections closed when the process exits; it runs on SwiftNIO's shared event loops and starts no threads of its
    /// own. Unlike `HTTPClient.shared` it keeps up to 64 connections per server (shared: 8), so each generator's own
    /// `maxConcurrentRequests` is what limits the requests in flight; it reports a refused connection at once (the
    /// generator retries it with its own backoff); and it never follows redirects (a POST redirected would be resent
    /// as a GET).
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}

/// An option given to a source that cannot use it.
public enum GeneratorSourceError: Error, Equatable, CustomStringConvertible {
    /// A model name or API key (server options) with a local model.
    case serverOptionForLocalModel(path: String)
    /// A LoRA adapter with a server (serve the adapter there).
    case adapterForServer(url: String)
    /// A decoding precision other than float32 with a server (it decodes its own way).
    case decodingForServer(url: String)

    public var description: String {
        switch self {
        case .serverOptionForLocalModel(let path):
            return "\(path) is a local model: a model name and an API key are for a server URL (http://...)"
        case .adapterForServer(let url):
            return "--adapter applies to a local model; \(url) is a server (serve the adapter there)"
        case .decodingForServer(let url):
            return "--decode applies to a local model; \(url) is a server (it decodes its own way)"
        }
    }
}
