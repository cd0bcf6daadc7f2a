import Foundation
import XCTest

/// `imprint serve`'s misuse is refused before any model loads (scripts/test-openai-client.sh drives a running one).
final class ServeCommandTests: XCTestCase {
    func testMisuseIsAUsageError() throws {
        let model = modelFixtures.deletingLastPathComponent().appendingPathComponent("ImprintSFTTests/Fixtures/tiny").path
        let cases: [([String], String)] = [
            (["--api-key-env", "IMPRINT_SURELY_UNSET_KEY"], "the environment variable IMPRINT_SURELY_UNSET_KEY is not set"),
            (["--port", "70000"], "--port must be in 0...65535"),
            (["--max-batch", "0"], "--max-batch must be at least 1"),
            (["--max-tokens-limit", "0"], "--max-tokens-limit must be at least 1"),
        ]
        for (arguments, message) in cases {
            let result = try imprint(["serve", "--model", model] + arguments, environment: ["IMPRINT_SURELY_UNSET_KEY": ""])
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let missing = try imprint(["serve", "--model", "/nonexistent/model.gguf", "--port", "0"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("model not found at /nonexistent/model.gguf"), missing.stderr)
    }
}
