import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A fault-injecting HTTP/1.1 server on loopback, for the HTTP client's tests and benchmark.
///
/// Each request is answered by `handler` with whatever a test needs: canned OpenAI JSON, an error status, a
/// `Retry-After`, a late answer, a malformed body, or a dropped connection. The server records every request
/// (in arrival order, the `Authorization` header included) and the most requests it held at once.
///
/// ```swift
/// let server = try await StubServer.start { request, number in number == 1 ? .status(503) : .openAI(request) }
/// defer { Task { try await server.shutdown() } }
/// // point a client at server.baseURL ("http://127.0.0.1:<port>/v1")
/// ```
public final class StubServer: Sendable {
    /// A request as the server received it.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: Data

        /// The body as a JSON object, nil when it is not one.
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    /// How the server answers one request.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: Data
        /// Time before the answer is sent.
        public var delay: Duration
        /// Close the connection instead of answering (after `delay`).
        public var dropsConnection: Bool

        public init(status: Int, headers: [(String, String)] = [], body: Data = Data(), delay: Duration = .zero,
                    dropsConnection: Bool = false) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
            self.dropsConnection = dropsConnection
        }

        /// A JSON body with `status`.
        public static func json(_ object: Any, status: Int = 200, headers: [(String, String)] = []) -> Response {
            let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return Response(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
        }

        /// An OpenAI-style error: `{"error": {"message": message, "type": type, "code": status}}`.
        public static func error(_ status: Int, _ message: String, type: String = "server_error",
                                 headers: [(String, String)] = []) -> Response {
            json(["error": ["message": message, "type": type, "code": status]], status: status, headers: headers)
        }

        /// The server hangs up without answering.
        public static var dropConnection: Response { Response(status: 0, dropsConnection: true) }

        /// A canned OpenAI answer to `request` that shows which prompt and which choice it answers.
        ///
        /// Chat (`/chat/completions`): content `"reply to <last message>"`; completions: text
        /// `"completion of <prompt>"`; with `n` > 1 each choice's text ends in ` #<index>`, and with a `seed`
        /// in ` seed <seed>`. Usage: 5 prompt tokens, 3 completion tokens per choice; finish_reason "length" when
        /// `max_tokens` is 3 or less, else "stop". With `logprobs` asked, each choice carries three entries in the
        /// chat shape, with ids 11, 12, 13 and log-probabilities -0.5, -1, -1.5.
        public static func openAI(_ request: Request) -> Response {
            let object = request.json ?? [:]
            let n = object["n"] as? Int ?? 1
            let isChat = request.path.hasSuffix("/chat/completions")
            var base: String
            if isChat {
                let messages = object["messages"] as? [[String: Any]] ?? []
                base = "reply to " + ((messages.last?["content"] as? String) ?? "")
            } else {
                base = "completion of " + ((object["prompt"] as? String) ?? "")
            }
            if let seed = object["seed"] as? Int { base += " seed \(seed)" }
            let finishReason = (object["max_tokens"] as? Int ?? 16) <= 3 ? "length" : "stop"
            let wantsLogprobs = (object["logprobs"] as? Bool) == true || (object["logprobs"] as? Int).map { $0 > 0 } == true
            let choices: [[String: Any]] = (0..<n).map { index in
                let text = n > 1 ? "\(base) #\(index)" : base
                var choice: [String: Any] = ["index": index, "finish_reason": finishReason]
                if isChat {
                    choice["message"] = ["role": "assistant", "content": text]
                } else {
                    choice["text"] = text
                }
                if wantsLogprobs {
                    choice["logprobs"] = ["content": [11, 12, 13].enumerated().map { offset, id in
                        ["id": id, "token": "t\(id)", "logprob": -0.5 * Double(offset + 1)] as [String: Any]
                    }]
                }
                return choice
            }
            return json([
                "id": "stub", "object": isChat ? "chat.completion" : "text_completion", "model": object["model"] ?? "",
                "choices": choices, "usage": ["prompt_tokens": 5, "completion_tokens": 3 * n, "total_tokens": 5 + 3 * n],
            ])
        }
    }

    /// Answers a request; `number` is its 1-based arrival order.
    public typealias Handler = @Sendable (_ request: Request, _ number: Int) -> Response

    private struct State {
        var requests: [Request] = []
        var inFlight = 0
        var maxInFlight = 0
        var connections: [Channel] = []
    }

    private let state = NIOLockedValueBox(State())
    private let handler: Handler
    private let channel: NIOLockedValueBox<Channel?> = NIOLockedValueBox(nil)
    /// The port the server listens on (127.0.0.1).
    public let port: Int

    private init(handler: @escaping Handler, port: Int) {
        self.handler = handler
        self.port = port
    }

    /// Starts a server on 127.0.0.1 with an ephemeral port.
    public static func start(handler: @escaping Handler = { request, _ in .openAI(request) }) async throws -> StubServer {
        let box = NIOLockedValueBox<StubServer?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    guard let server = box.withLockedValue({ $0 }) else {
                        return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                    }
                    server.state.withLockedValue { $0.connections.append(channel) }
                    return channel.pipeline.addHandler(Connection(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = StubServer(handler: handler, port: channel.localAddress?.port ?? 0)
        server.channel.withLockedValue { $0 = channel }
        box.withLockedValue { $0 = server }
        return server
    }

    /// A loopback port on which nothing listens: connecting to it is refused.
    public static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// `http://127.0.0.1:<port>/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Every request received so far, in arrival order.
    public var requests: [Request] { state.withLockedValue { $0.requests } }

    /// The most requests the server held at once (received, not yet answered).
    public var maxInFlight: Int { state.withLockedValue { $0.maxInFlight } }

    /// Stops listening and closes every connection.
    public func shutdown() async throws {
        let listener = channel.withLockedValue { $0 }
        try await listener?.close()
        for connection in state.withLockedValue({ $0.connections }) { try? await connection.close() }
    }

    /// Records a request; its arrival number.
    fileprivate func received(_ request: Request) -> Int {
        state.withLockedValue { state in
            state.requests.append(request)
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
            return state.requests.count
        }
    }

    fileprivate func answered() {
        state.withLockedValue { $0.inFlight -= 1 }
    }

    fileprivate func response(to request: Request, number: Int) -> Response { handler(request, number) }
}

/// One connection's HTTP/1.1 exchanges.
private final class Connection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: StubServer
    private var head: HTTPRequestHead?
    private var body = Data()

    init(server: StubServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = Data()
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let request = StubServer.Request(method: "\(head.method)", path: head.uri, headers: headers, body: body)
            let number = server.received(request)
            let response = server.response(to: request, number: number)
            let (seconds, attoseconds) = response.delay.components
            let delay = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            let keepAlive = head.isKeepAlive
            // Written through the channel, not this context: the connection may be gone by then (a client that
            // timed out), and the writes then fail quietly.
            let channel = context.channel, server = self.server
            context.eventLoop.scheduleTask(in: delay) {
                Self.send(response, keepAlive: keepAlive, on: channel)
                server.answered()
            }
        }
    }

    private static func send(_ response: StubServer.Response, keepAlive: Bool, on channel: Channel) {
        if response.dropsConnection {
            channel.close(promise: nil)
            return
        }
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: "\(response.body.count)")
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body))), promise: nil)
        let ended = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        if !keepAlive { ended.whenComplete { _ in channel.close(promise: nil) } }
    }
}
