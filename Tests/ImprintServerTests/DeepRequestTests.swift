import Foundation
import ImprintServer
import XCTest

/// Bodies nested nearly as deep as JSON may nest (512 levels) and deeper, through the running server: each endpoint answers
/// with a 400 or a result, on whatever threads the server decodes on, and keeps answering.
final class DeepRequestTests: XCTestCase {
    func testDeeplyNestedBodiesAreAnsweredNotCrashedOn() async throws {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        let user = #""messages": [{"role": "user", "content": "hi"}]"#
        try await withServer { client in
            for depth in [500, 513, 100_000] {
                let tools = try await client.send(.POST, "/v1/chat/completions", body: "{\(user), \"tools\": \(nested(depth))}")
                XCTAssertEqual(tools.status, 400, "tools \(depth) deep")
                XCTAssertEqual(tools.error["param"] as? String, depth == 500 ? "tools" : nil, tools.body)
                let prompt = try await client.send(.POST, "/v1/completions", body: "{\"prompt\": \(nested(depth))}")
                XCTAssertEqual(prompt.status, 400, "prompt \(depth) deep")
                let column = try await client.send(.POST, "/v1/rewards",
                                                   body: "{\"reward\": \"exact\", \"completions\": [\"[]\"], \"reference\": [\(nested(depth))]}")
                XCTAssertEqual(column.status, depth == 500 ? 200 : 400, "reward column \(depth) deep: \(column.body.prefix(200))")
            }
            let fine = try await client.post("/v1/completions", ["prompt": "ok", "max_tokens": 2])
            XCTAssertEqual(fine.status, 200)
        }
    }
}
