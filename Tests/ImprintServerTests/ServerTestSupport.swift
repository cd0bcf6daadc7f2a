import AsyncHTTPClient
import Foundation
import ImprintCore
import ImprintModel
import ImprintServer
import ImprintTokenizer
import NIOCore
import NIOHTTP1
import XCTest

/// The tiny chat model of the SFT tests (Llama, vocabulary 196, hidden 64, 2 layers, context 256, a
/// ChatML template), used in place.
enum TinyModel {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImprintSFTTests/Fixtures/tiny").path

    static func generator(maxBatchSize: Int = 16) throws -> BatchedTextGenerator {
        let decoder = BatchedDecoder(model: try ModelLoader.load(path: path), configuration: .init(maxBatchSize: maxBatchSize))
        return BatchedTextGenerator(decoder: decoder, tokenizer: try PretrainedTokenizer.load(modelPath: path), identity: "tiny")
    }

    /// The reference: the same model generating alone, one prompt at a time.
    static func local() throws -> LocalTextGenerator { try LocalTextGenerator(path: path) }
}

/// A `ModelServer` on an ephemeral loopback port for the duration of `body`, then shut down gracefully.
func withServer<Result>(_ configuration: ModelServer.Configuration = .init(modelName: "tiny", port: 0),
                        generator: BatchedTextGenerator? = nil,
                        _ body: (TestClient) async throws -> Result) async throws -> Result {
    var configuration = configuration
    configuration.port = 0
    let server = ModelServer(generator: try generator ?? TinyModel.generator(), configuration: configuration)
    let running = Task { try await server.run() }
    // A client of its own: a pooled connection to an earlier server on the same port number would be stale.
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let port = try await server.listeningPort()
        let result = try await body(TestClient(port: port, server: server, http: http))
        try await http.shutdown()
        await server.shutdown()
        try await running.value
        return result
    } catch {
        try? await http.shutdown()
        await server.shutdown()
        _ = try? await running.value
        throw error
    }
}

/// Requests to the server under test, with AsyncHTTPClient.
struct TestClient {
    let port: Int
    let server: ModelServer
    let http: HTTPClient

    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: String
        /// The body as a JSON object.
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        /// The `error` object of an error body.
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
        /// The `data:` payloads of a server-sent event stream, `[DONE]` included.
        var events: [String] {
            body.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { String($0.dropFirst("data: ".count)) }
        }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    func send(_ method: HTTPMethod = .POST, _ path: String, body: String? = nil, headers: [String: String] = [:],
              timeout: Int64 = 60) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(timeout))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                     body: String(buffer: bytes))
    }

    /// POSTs a JSON object.
    func post(_ path: String, _ object: [String: Any], headers: [String: String] = [:]) async throws -> Reply {
        let data = try JSONSerialization.data(withJSONObject: object)
        return try await send(.POST, path, body: String(decoding: data, as: UTF8.self), headers: headers)
    }
}

/// A chat request's body.
func chat(_ content: String, _ extra: [String: Any] = [:]) -> [String: Any] {
    var body: [String: Any] = ["model": "tiny", "messages": [["role": "user", "content": content]]]
    for (key, value) in extra { body[key] = value }
    return body
}

extension TestClient.Reply {
    /// The texts of the choices of a (non-streamed) completion, in index order.
    var choiceTexts: [String] {
        let choices = (json["choices"] as? [[String: Any]] ?? []).sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }
        return choices.map { ($0["message"] as? [String: Any])?["content"] as? String ?? $0["text"] as? String ?? "" }
    }

    var finishReasons: [String] {
        (json["choices"] as? [[String: Any]] ?? []).sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }
            .map { $0["finish_reason"] as? String ?? "" }
    }

    var usage: [String: Int] { json["usage"] as? [String: Int] ?? [:] }

    /// The chunks of a stream, decoded (the final `[DONE]` left out).
    var chunks: [[String: Any]] {
        events.filter { $0 != "[DONE]" }.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// Each choice's text put back together from a stream's chunks (chat deltas or completion texts).
    func streamedTexts(count: Int) -> [String] {
        var texts = [String](repeating: "", count: count)
        for chunk in chunks {
            for choice in chunk["choices"] as? [[String: Any]] ?? [] {
                let index = choice["index"] as? Int ?? 0
                texts[index] += (choice["delta"] as? [String: Any])?["content"] as? String ?? choice["text"] as? String ?? ""
            }
        }
        return texts
    }
}
