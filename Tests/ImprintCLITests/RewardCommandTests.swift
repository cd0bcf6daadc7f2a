import Foundation
import XCTest

/// `imprint reward`: JSONL in, one reward per line out, in order. The line processing itself is covered by
/// `JSONLRewardScorerTests`.
final class RewardCommandTests: XCTestCase {
    func testRewardLinesInOrder() throws {
        let input = """
        {"completion": "abc", "reference": "abd"}
        {"completion": "In 872 AE", "reference": "872 AE"}

        """
        let difflib = try imprint(["reward", "difflib", "--jsonl"], input: input)
        XCTAssertEqual(difflib.status, 0)
        XCTAssertEqual(difflib.stdout, "{\"reward\": 0.6666666666666666}\n{\"reward\": 0.8}\n")
        let f1 = try imprint(["reward", "f1", "--jsonl"], input: input)
        XCTAssertEqual(f1.stdout, "{\"reward\": 0.0}\n{\"reward\": 0.8}\n")
    }

    func testMalformedLineFailsWithItsNumber() throws {
        let result = try imprint(["reward", "exact", "--jsonl"], input: "{\"completion\": \"a\", \"reference\": \"a\"}\n{oops\n")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "{\"reward\": 1.0}\n")
        XCTAssertTrue(result.stderr.contains("line 2: not valid JSON"), result.stderr)
        let unknown = try imprint(["reward", "rouge", "--jsonl"], input: "")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown reward 'rouge'"), unknown.stderr)
    }
}
