import ArgumentParser
import Foundation
import Imprint
import ImprintServer
import Logging
import ServiceLifecycle

/// `imprint serve`: the model behind an OpenAI-compatible HTTP API, with continuous batching.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over an OpenAI-compatible HTTP API (chat, completions, streaming) plus /v1/rewards.",
        discussion: """
        Routes: GET /v1/models, POST /v1/chat/completions and /v1/completions (stream: true for server-sent events), \
        POST /v1/rewards ({"reward": NAME, "prompts", "completions", columns...} -> {"rewards"}), GET /health. \
        Concurrent requests share one decoding batch (continuous batching, at most --max-batch completions). \
        Binds 127.0.0.1 unless --host says otherwise; with --api-key-env NAME every request needs \
        "Authorization: Bearer $NAME". Prompts are not logged unless --log-prompts. SIGTERM or Ctrl-C stops accepting \
        connections and exits once the requests in flight are answered. See Docs/Serving.md.
        """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The model name /v1/models lists and responses carry (default: the model file or folder name).")
    var modelName: String?

    @Option(help: "The address to listen on; 0.0.0.0 serves every interface.")
    var host = "127.0.0.1"

    @Option(help: "The port (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "The environment variable holding the API key; requests then need 'Authorization: Bearer <key>'.")
    var apiKeyEnv: String?

    @Option(help: "The most completions decoded together (requests beyond wait for room).")
    var maxBatch = 16

    @Option(name: .long, help: decodeOptionHelp)
    var decode: DecodingPrecision = .float32

    @Option(help: "The largest max_tokens a request may ask for, and the default when it asks for none.")
    var maxTokensLimit = 4096

    @Option(help: "The largest request body, in bytes.")
    var maxBodyBytes = 8 << 20

    @Flag(help: "Log every request's prompt (off by default: prompts may be private).")
    var logPrompts = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1, got \(maxBatch)") }
        guard maxTokensLimit >= 1 else { throw ValidationError("--max-tokens-limit must be at least 1, got \(maxTokensLimit)") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024, got \(maxBodyBytes)") }
        if let apiKeyEnv {
            guard let key = ProcessInfo.processInfo.environment[apiKeyEnv], !key.isEmpty else {
                throw ValidationError("--api-key-env \(apiKeyEnv): the environment variable \(apiKeyEnv) is not set or empty")
            }
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "imprint.serve")
        let path = modelOptions.modelPath
        let model = try modelOptions.loadModel(keepQuantized: true, decoding: decode)
        let tokenizer = try PretrainedTokenizer.load(modelPath: path)
        let identity = "local:\(path)" + (modelOptions.adapter.map { "+adapter:\($0)" } ?? "")
            + (decode == .float32 ? "" : "+decode:\(decode.rawValue)")
        let decoder = BatchedDecoder(model: model, configuration: .init(maxBatchSize: maxBatch))
        let generator = BatchedTextGenerator(decoder: decoder, tokenizer: tokenizer, identity: identity)
        let name = modelName ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let server = ModelServer(
            generator: generator,
            configuration: .init(modelName: name, host: host, port: port,
                                 apiKey: apiKeyEnv.flatMap { ProcessInfo.processInfo.environment[$0] },
                                 maxBodyBytes: maxBodyBytes, maxTokensLimit: maxTokensLimit, logPrompts: logPrompts),
            logger: logger)
        // The command, not the library, chooses to stop gracefully on SIGTERM and SIGINT.
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await decoder.shutDown()
        logger.info("imprint serve: stopped")
    }
}
