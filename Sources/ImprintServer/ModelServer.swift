import Foundation
import Hummingbird
import ImprintCore
import ImprintModel
import ImprintServerRequests
import Logging
import ServiceLifecycle

/// An OpenAI-compatible HTTP server for one local model (`imprint serve`), plus rewards as a service.
///
/// Routes: `GET /v1/models`, `POST /v1/chat/completions` and `POST /v1/completions` (with
/// `stream: true` as server-sent events), `POST /v1/rewards`, `GET /health`. Request, response and
/// error bodies are OpenAI's, so the official clients work unchanged. Every request's completions
/// join one continuous decoding batch (`BatchedTextGenerator` over a `BatchedDecoder`).
///
/// Safe by default: binds loopback; with an API key, every request needs `Authorization: Bearer
/// <key>` (compared in constant time); body size, prompt length (the model's context), `max_tokens`
/// and `n` are limited with a 4xx that says so; malformed JSON is a 400; prompts are logged only
/// when `logPrompts` is set; a client that disconnects cancels its generation.
///
/// ```swift
/// let server = ModelServer(generator: generator, configuration: .init(modelName: "smollm2", port: 0))
/// async let running: Void = server.run()
/// let port = try await server.listeningPort()
/// // ... requests ...
/// await server.shutdown()          // stops accepting, finishes the requests in flight
/// try await running
/// ```
///
/// The server is a swift-service-lifecycle `Service`: the `imprint serve` command runs it in a
/// `ServiceGroup` that shuts it down gracefully on SIGTERM and SIGINT. The library itself installs
/// no signal handlers.
public final class ModelServer: Service, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// The name `/v1/models` lists and responses carry (requests may name any model: there is one).
        public var modelName: String
        /// The address to bind; loopback by default. `0.0.0.0` serves every interface.
        public var host: String
        /// The port; 0 picks a free one (see `listeningPort()`).
        public var port: Int
        /// When set, every request needs `Authorization: Bearer <apiKey>`.
        public var apiKey: String?
        /// The largest request body in bytes (413 beyond it).
        public var maxBodyBytes: Int
        /// The largest `max_tokens` a request may ask for (400 beyond it); also the default `max_tokens`.
        /// Generation always ends at the model's context length as well.
        public var maxTokensLimit: Int
        /// The most stop strings one request may give.
        public var maxStopStrings: Int
        /// Logs each request's prompt (at level info). Off by default: prompts may be private.
        public var logPrompts: Bool
        /// Seconds after which a connection that is neither sending a request nor waiting for a response is
        /// closed (idle keep-alive connections, clients that send nothing).
        public var idleTimeoutSeconds: Int

        public init(modelName: String, host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil,
                    maxBodyBytes: Int = 8 << 20, maxTokensLimit: Int = 4096, maxStopStrings: Int = 16, logPrompts: Bool = false,
                    idleTimeoutSeconds: Int = 60) {
            self.modelName = modelName
            self.host = host
            self.port = port
            self.apiKey = apiKey
            self.maxBodyBytes = maxBodyBytes
            self.maxTokensLimit = maxTokensLimit
            self.maxStopStrings = maxStopStrings
            self.logPrompts = logPrompts
            self.idleTimeoutSeconds = idleTimeoutSeconds
        }
    }

    public let generator: BatchedTextGenerator
    public let configuration: Configuration
    public let logger: Logger
    /// When the server was made, as `created` of `/v1/models`.
    let createdAt = Int(Date().timeIntervalSince1970)

    private let state = NSLock()
    private var serviceGroup: ServiceGroup?
    private var shutdownRequested = false
    private var boundPort: Int?
    private var portWaiters: [CheckedContinuation<Int, Error>] = []
    private var runEnded = false

    public init(generator: BatchedTextGenerator, configuration: Configuration, logger: Logger = Logger(label: "imprint.serve")) {
        self.generator = generator
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until `shutdown()` (or the graceful shutdown of an enclosing `ServiceGroup`), then
    /// returns once the requests in flight have been answered. Call it once per server.
    /// - Throws: when the address cannot be bound.
    public func run() async throws {
        let application = Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                    serverName: "imprint"),
            onServerRunning: { [weak self] channel in self?.bound(port: channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        let stopAtOnce = state.withLock {
            serviceGroup = group
            return shutdownRequested
        }
        if stopAtOnce { await group.triggerGracefulShutdown() }
        defer { ended() }
        try await group.run()
    }

    /// Stops accepting connections and lets `run()` return once the requests in flight are answered.
    public func shutdown() async {
        let group = state.withLock {
            shutdownRequested = true
            return serviceGroup
        }
        await group?.triggerGracefulShutdown()
    }

    /// The port the server listens on, once it does.
    /// - Throws: `CancellationError` when `run()` ended without binding.
    public func listeningPort() async throws -> Int {
        try await withCheckedThrowingContinuation { waiter in
            state.lock()
            if let boundPort {
                state.unlock()
                waiter.resume(returning: boundPort)
            } else if runEnded {
                state.unlock()
                waiter.resume(throwing: CancellationError())
            } else {
                portWaiters.append(waiter)
                state.unlock()
            }
        }
    }

    private func bound(port: Int) {
        state.lock()
        boundPort = port
        let waiters = portWaiters
        portWaiters = []
        state.unlock()
        for waiter in waiters { waiter.resume(returning: port) }
        logger.info("imprint serve: listening on http://\(configuration.host):\(port) (model \(configuration.modelName))")
    }

    private func ended() {
        state.lock()
        runEnded = true
        let waiters = portWaiters
        portWaiters = []
        state.unlock()
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
    }

    /// The routes, behind the error, logging and (with a key) authentication middleware.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: APIErrorMiddleware(logger: logger))
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
        router.get("/health") { _, _ in self.health() }
        router.get("/v1/models") { _, _ in self.models() }
        router.get("/v1/models/{id}") { _, context in try self.model(id: context.parameters.require("id")) }
        router.post("/v1/chat/completions") { request, context in try await self.chatCompletions(request, context: context) }
        router.post("/v1/completions") { request, context in try await self.completions(request, context: context) }
        router.post("/v1/rewards") { request, context in try await self.rewards(request, context: context) }
        return router
    }

    // MARK: - Small routes

    func health() -> Response {
        let load = generator.decoder.currentLoad
        struct Health: Encodable {
            let status = "ok"
            let model: String
            let load: BatchedDecoder.Load
            enum CodingKeys: String, CodingKey {
                case status, model, runningCompletions = "running_completions", queuedRequests = "queued_requests"
                case decodingSteps = "decoding_steps", generatedTokens = "generated_tokens"
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(status, forKey: .status)
                try container.encode(model, forKey: .model)
                try container.encode(load.runningCompletions, forKey: .runningCompletions)
                try container.encode(load.queuedRequests, forKey: .queuedRequests)
                try container.encode(load.steps, forKey: .decodingSteps)
                try container.encode(load.generatedTokens, forKey: .generatedTokens)
            }
        }
        return json(Health(model: configuration.modelName, load: load))
    }

    func models() -> Response {
        json(ModelList(data: [ModelList.Model(id: configuration.modelName, created: createdAt)]))
    }

    func model(id: String) throws -> Response {
        guard id == configuration.modelName else {
            throw APIError(status: .notFound, message: "The model '\(id)' does not exist; this server serves '\(configuration.modelName)'.",
                           param: "model", code: "model_not_found")
        }
        return json(ModelList.Model(id: id, created: createdAt))
    }

    // MARK: - Helpers shared by the routes

    /// A 200 with a JSON body.
    func json(_ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: Self.encode(value))))
    }

    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// What a request may ask: the configuration's limits, and `n` up to the decoding batch.
    var requestLimits: RequestLimits {
        RequestLimits(maxBodyBytes: configuration.maxBodyBytes, maxTokens: configuration.maxTokensLimit,
                      maxCompletions: generator.decoder.configuration.maxBatchSize, maxStopStrings: configuration.maxStopStrings)
    }

    /// The request body, at most `maxBodyBytes` (413 beyond).
    func body(of request: inout Request) async throws -> ByteBuffer {
        let limit = configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw APIError.bodyTooLarge(limit: limit) }
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: limit)
        }
    }

    /// A random id with OpenAI's prefixes (`chatcmpl-`, `cmpl-`).
    static func identifier(_ prefix: String) -> String {
        prefix + "-" + (0..<24).map { _ in String("0123456789abcdefghijklmnopqrstuvwxyz".randomElement()!) }.joined()
    }

    var now: Int { Int(Date().timeIntervalSince1970) }
}
