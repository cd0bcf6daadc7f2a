import Foundation
import XCTest

/// `RephrasingExperiment --toy` end to end on the tiny model: every stage, the report folder, a rerun that skips
/// everything, an interrupted stage resumed from its checkpoint, and identical reports for the same seed.
final class RephrasingExperimentTests: XCTestCase {
    func testToyRunWritesTheReportAndResumes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("a")
        let first = try runExample("RephrasingExperiment", ["--toy", "--model", tinyModel, "--output", run.path])
        XCTAssertEqual(first.status, 0, first.stderr)
        for stage in ["data", "seed-1/sft-five-phrasings", "seed-1/sft-fact-once", "seed-1/grpo-3", "eval-base", "seed-1/eval-grpo-3", "report"] {
            XCTAssertTrue(first.stdout.contains("stage \(stage): running"), first.stdout)
        }
        let report = run.appendingPathComponent("report")
        for file in ["report.json", "report.md", "report.html", "heldout-all.svg", "compare/compare.json", "compare/compare.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: report.appendingPathComponent(file).path), file)
        }
        let markdown = try String(contentsOf: report.appendingPathComponent("report.md"), encoding: .utf8)
        for label in ["| base ", "| five-phrasings ", "| question-once-equal-steps ", "| fact-once ", "| grpo-3 ", "five-phrasings − question-x5", "74.00%"] {
            XCTAssertTrue(markdown.contains(label), "\(label) missing from\n\(markdown)")
        }

        // A rerun skips every stage.
        let second = try runExample("RephrasingExperiment", ["--toy", "--model", tinyModel, "--output", run.path])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stdout.contains(": running"), second.stdout)
        XCTAssertTrue(second.stdout.contains("stage report: done, skipped"), second.stdout)

        // An interrupted GRPO stage (no `.done`, a checkpoint left) resumes; the stages after it that were not finished run.
        try FileManager.default.removeItem(at: run.appendingPathComponent("seed-1/grpo-3/.done"))
        try FileManager.default.removeItem(at: run.appendingPathComponent("report/.done"))
        let third = try runExample("RephrasingExperiment", ["--toy", "--model", tinyModel, "--output", run.path])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stdout.contains("stage seed-1/grpo-3: resuming"), third.stdout)
        XCTAssertTrue(third.stdout.contains("stage seed-1/sft-fact-x5: done, skipped"), third.stdout)
        XCTAssertTrue(third.stdout.contains("stage report: running"), third.stdout)

        // The same seed in another folder: the same report, byte for byte.
        let other = folder.appendingPathComponent("b")
        let fourth = try runExample("RephrasingExperiment", ["--toy", "--model", tinyModel, "--output", other.path])
        XCTAssertEqual(fourth.status, 0, fourth.stderr)
        for file in ["report.json", "report.md", "report.html", "compare/compare.md"] {
            XCTAssertEqual(try Data(contentsOf: report.appendingPathComponent(file)),
                           try Data(contentsOf: other.appendingPathComponent("report/" + file)), file)
        }
    }

    /// Bad options and bad files end with one line on stderr and a status, never a crash report.
    func testErrorsAreOneLine() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let usage = try runExample("RephrasingExperiment", ["--variants", "nope", "--output", folder.path])
        XCTAssertEqual(usage.status, 2)
        XCTAssertEqual(usage.stderr, "RephrasingExperiment: --variants: unknown SFT variant nope\n")
        let missing = folder.appendingPathComponent("missing.jsonl").path
        let data = try runExample("RephrasingExperiment", ["--toy", "--data", missing, "--model", tinyModel, "--output", folder.path])
        XCTAssertEqual(data.status, 1)
        XCTAssertTrue(data.stderr.hasPrefix("RephrasingExperiment: stage data: "), data.stderr)
        XCTAssertEqual(data.stderr.split(separator: "\n").count, 1, data.stderr)
    }
}
