import ImprintRewards
import XCTest

/// The `imprint reward` engine reads each JSONL line's strings as Python's `json` does.
final class RewardJSONLTextTests: XCTestCase {
    func testByteOrderMarksInsideStringsAreContent() throws {
        // A raw U+FEFF opening a string is a character, not an encoding mark (Foundation's JSONSerialization on
        // Linux drops it): Python scores "\u{FEFF}x" against "x" as different.
        let scorer = JSONLRewardScorer(reward: ExactMatchReward(normalized: false))
        XCTAssertEqual(try scorer.outputLine(for: "{\"completion\": \"\u{FEFF}x\", \"reference\": \"x\"}", lineNumber: 1),
                       "{\"reward\": 0.0}")
        XCTAssertEqual(try scorer.outputLine(for: "{\"completion\": \"\u{FEFF}x\", \"reference\": \"\u{FEFF}x\"}", lineNumber: 2),
                       "{\"reward\": 1.0}")
        XCTAssertThrowsError(try scorer.outputLine(for: "{\"completion\": \"x\"", lineNumber: 3)) { error in
            XCTAssertEqual((error as? JSONLError)?.lineNumber, 3)
        }
    }
}
