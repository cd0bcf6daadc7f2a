import Foundation
import XCTest

/// `StoryExperiment --toy` end to end on the tiny model: SFT, GRPO from base and from the SFT adapter, recitation and
/// QA before and after, the report folder, a rerun that skips everything, and identical reports for the same seed.
final class StoryExperimentTests: XCTestCase {
    func testToyRunWritesTheReportAndResumes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("a")
        let first = try runExample("StoryExperiment", ["--toy", "--model", tinyModel, "--output", run.path])
        XCTAssertEqual(first.status, 0, first.stderr)
        for stage in ["data", "sft", "rl", "sft+rl", "eval-base", "eval-sft", "eval-rl", "eval-sft+rl", "report"] {
            XCTAssertTrue(first.stdout.contains("stage \(stage): running"), first.stdout)
        }
        let report = run.appendingPathComponent("report")
        for file in ["report.json", "report.md", "report.html", "accuracy.svg", "recitation.svg", "compare/compare.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: report.appendingPathComponent(file).path), file)
        }
        let markdown = try String(contentsOf: report.appendingPathComponent("report.md"), encoding: .utf8)
        for text in ["| sft+rl ", "recitation ratio", "QA accuracy", "sft+rl − base", "Paired comparisons (recitation, per text)"] {
            XCTAssertTrue(markdown.contains(text), "\(text) missing from\n\(markdown)")
        }

        // An interrupted run: the SFT+RL stage and everything after it lost their `.done`; the finished stages are skipped.
        for stage in ["sft+rl", "eval-sft+rl", "report"] {
            try FileManager.default.removeItem(at: run.appendingPathComponent(stage + "/.done"))
        }
        let second = try runExample("StoryExperiment", ["--toy", "--model", tinyModel, "--output", run.path])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("stage sft: done, skipped"), second.stdout)
        XCTAssertTrue(second.stdout.contains("stage eval-rl: done, skipped"), second.stdout)
        XCTAssertTrue(second.stdout.contains("stage sft+rl: resuming"), second.stdout)
        XCTAssertTrue(second.stdout.contains("stage report: running"), second.stdout)

        let other = folder.appendingPathComponent("b")
        let third = try runExample("StoryExperiment", ["--toy", "--model", tinyModel, "--output", other.path])
        XCTAssertEqual(third.status, 0, third.stderr)
        for file in ["report.json", "report.md", "report.html"] {
            XCTAssertEqual(try Data(contentsOf: report.appendingPathComponent(file)),
                           try Data(contentsOf: other.appendingPathComponent("report/" + file)), file)
        }
    }
}
