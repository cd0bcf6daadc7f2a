import AsyncHTTPClient
import Foundation
import ImprintHTTPStubServer
import XCTest

/// The stub server's own bookkeeping, which the client's tests rely on: requests recorded in order, and the most
/// held at once counted right both ways (it must see concurrency when there is some, and only then).
final class StubServerTests: XCTestCase {
    func post(_ server: StubServer, _ text: String) async throws -> Int {
        var request = HTTPClientRequest(url: server.baseURL + "/completions")
        request.method = .POST
        request.body = .bytes(Data(#"{"prompt": "\#(text)"}"#.utf8))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    func testCountsConcurrentAndSequentialRequests() async throws {
        try await withServer({ request, _ in
            var response = StubServer.Response.openAI(request)
            response.delay = .milliseconds(200)
            return response
        }) { server in
            async let a = post(server, "a")
            async let b = post(server, "b")
            async let c = post(server, "c")
            let statuses = try await [a, b, c]
            XCTAssertEqual(statuses, [200, 200, 200])
            XCTAssertEqual(server.maxInFlight, 3)
            XCTAssertEqual(Set(server.requests.compactMap { $0.json?["prompt"] as? String }), ["a", "b", "c"])
        }
        try await withServer { server in
            for text in ["x", "y", "z"] { _ = try await post(server, text) }
            XCTAssertEqual(server.maxInFlight, 1)
            XCTAssertEqual(server.requests.compactMap { $0.json?["prompt"] as? String }, ["x", "y", "z"])
        }
    }

    func testAnswersWithTheHandlersStatus() async throws {
        try await withServer({ _, number in number == 1 ? .error(503, "busy") : .status200 }) { server in
            let first = try await post(server, "a")
            let second = try await post(server, "b")
            XCTAssertEqual([first, second], [503, 200])
        }
    }
}

extension StubServer.Response {
    static var status200: StubServer.Response { StubServer.Response(status: 200) }
}
