import XCTest
@testable import ImprintGRPO

/// A rollout read back from a checkpoint (μ > 1) is checked before the trainer indexes with it.
final class GRPORolloutCheckTests: XCTestCase {
    /// Two prompts × two completions, width 3.
    func rollout() -> GRPORollout {
        GRPORollout(generationIndex: 0, rows: [0, 1], promptIds: [[1, 2], [1, 2], [3], [3]],
                    completionIds: [[4, 5], [6], [7, 8, 9], [2]], texts: ["a", "b", "c", "d"],
                    truncated: [false, false, true, false], scores: [[1], [0], [nil], [1]], advantages: [0.5, -0.5, -1, 1],
                    mask: Array(repeating: [true, true, false], count: 4), oldLogProbabilities: nil,
                    referenceLogProbabilities: Array(repeating: [-1, -2, 0], count: 4), metrics: [:], iterationsDone: 1)
    }

    func testAConsistentRolloutPasses() {
        XCTAssertNil(rollout().inconsistency(completionsPerPrompt: 2, vocabularySize: 10, datasetRows: 2))
    }

    func testEachInconsistencyIsNamed() {
        func problem(_ edit: (inout GRPORollout) -> Void, completionsPerPrompt: Int = 2) -> String {
            var value = rollout()
            edit(&value)
            return value.inconsistency(completionsPerPrompt: completionsPerPrompt, vocabularySize: 10, datasetRows: 2) ?? "none"
        }
        XCTAssertTrue(problem({ $0.advantages.removeLast() }).contains("rollout.advantages has 3 entries, expected 4"))
        XCTAssertTrue(problem({ _ in }, completionsPerPrompt: 3).contains("expected 6"))
        XCTAssertTrue(problem({ $0.mask[2] = [true] }).contains("rollout.mask rows are not all 3 long"))
        XCTAssertTrue(problem({ $0.referenceLogProbabilities![0] = [] }).contains("referenceLogProbabilities"))
        XCTAssertTrue(problem({ $0.completionIds[1] = [1, 2, 3, 4] }).contains("longer than the mask"))
        XCTAssertTrue(problem({ $0.promptIds[0] = [10] }).contains("outside the vocabulary"))
        XCTAssertTrue(problem({ $0.completionIds[3] = [-1] }).contains("outside the vocabulary"))
        XCTAssertTrue(problem({ $0.rows = [0, 7] }).contains("row 7 is outside the dataset"))
        XCTAssertTrue(problem({ $0.iterationsDone = -2 }).contains("negative"))
    }
}
