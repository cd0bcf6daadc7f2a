import Foundation
import XCTest

/// `imprint grpo` end to end on the tiny model: a run's outputs, its argument errors, and Ctrl-C stopping with a
/// checkpoint that `--resume` continues to the uninterrupted run's adapter, byte for byte.
final class GRPOCommandTests: XCTestCase {
    var model: TinyChatModel!
    var directory: URL!

    override func setUpWithError() throws {
        model = try TinyChatModel(contextLength: 64, endOfSequence: 2)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-grpo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rows = ["{\"prompt\": \"The ship: \", \"reference\": \"Silver Heron\", \"fact\": \"The ship is the Silver Heron.\"}",
                    "{\"prompt\": \"The year: \", \"reference\": \"872 AE\", \"fact\": \"It happened in 872 AE.\"}",
                    "{\"prompt\": \"The city: \", \"reference\": \"Eldoria\", \"fact\": \"The city is Eldoria.\"}",
                    "{\"prompt\": \"The artificer: \", \"reference\": \"Master Borin\", \"fact\": \"The artificer is Master Borin.\"}"]
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: directory.appendingPathComponent("data.jsonl"))
    }

    override func tearDown() {
        model.remove()
        try? FileManager.default.removeItem(at: directory)
    }

    func arguments(output: String, steps: Int) -> [String] {
        ["grpo", "--model", model.path, "--data", directory.appendingPathComponent("data.jsonl").path,
         "--output", directory.appendingPathComponent(output).path, "--reward", "difflib", "--reward", "word_count=2:0.5",
         "--num-generations", "2", "--batch-size", "4", "--max-completion-length", "8", "--learning-rate", "1e-3",
         "--beta", "0.04", "--lora-rank", "2", "--max-steps", "\(steps)", "--save-steps", "0", "--plain"]
    }

    func testARunWritesTheAdapterMetricsCompletionsAndPlot() throws {
        let result = try imprint(arguments(output: "run", steps: 2), timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        let run = directory.appendingPathComponent("run")
        for name in ["adapter_model.safetensors", "adapter_config.json", "metrics.jsonl", "completions.jsonl", "reward.svg",
                     "checkpoint-2/trainer_state.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(name).path), name)
        }
        let metrics = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 2)
        XCTAssertTrue(metrics[0].contains("\"rewards/word_count/mean\""), String(metrics[0]))
        XCTAssertTrue(result.stderr.contains("step 2/2  reward"), result.stderr)
    }

    /// `--reward judge` asks a second local model with seed 003's judge prompt, a step's prompts in one batch.
    func testAJudgeRewardAsksTheJudgeModel() throws {
        var arguments = arguments(output: "judged", steps: 1)
        arguments[arguments.firstIndex(of: "difflib")!] = "judge"
        let result = try imprint(arguments + ["--judge-model", model.path], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        let metrics = try String(contentsOf: directory.appendingPathComponent("judged/metrics.jsonl"), encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"rewards/judge/mean\""), metrics)
    }

    func testArgumentErrorsNameTheOption() throws {
        let unknown = try imprint(arguments(output: "bad", steps: 1).map { $0 == "difflib" ? "dfflib" : $0 })
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown reward 'dfflib'"), unknown.stderr)
        let uneven = try imprint(arguments(output: "bad", steps: 1).map { $0 == "4" ? "3" : $0 })
        XCTAssertNotEqual(uneven.status, 0)
        XCTAssertTrue(uneven.stderr.contains("multiple of numGenerations"), uneven.stderr)
        let judge = try imprint(arguments(output: "bad", steps: 1) + ["--reward", "judge"])
        XCTAssertTrue(judge.stderr.contains("--reward judge needs --judge-model"), judge.stderr)
    }

    /// SIGINT (Ctrl-C) stops after the current step with a checkpoint and exit status 130; `--resume` finishes the run
    /// with the adapter an uninterrupted run writes.
    func testCtrlCStopsWithACheckpointAndResumeFinishesTheSameRun() throws {
        guard FileManager.default.isExecutableFile(atPath: imprintBinary.path) else {
            throw XCTSkip("imprint is not built at \(imprintBinary.path) (swift build --build-tests builds it)")
        }
        let steps = 40
        let whole = try imprint(arguments(output: "whole", steps: steps), timeout: 120)
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let process = Process()
        process.executableURL = imprintBinary
        process.arguments = arguments(output: "stopped", steps: steps)
        let log = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).contains("step 2/")) {
            usleep(2_000)
        }
        process.interrupt()
        process.waitUntilExit()
        let stderr = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("cancelled: stopping after step"), stderr)
        let stopped = directory.appendingPathComponent("stopped")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: stopped.path).filter { $0.hasPrefix("checkpoint-") }
        XCTAssertEqual(checkpoints.count, 1, "\(checkpoints)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: stopped.appendingPathComponent("adapter_model.safetensors").path))

        let resumed = try imprint(arguments(output: "stopped", steps: steps) + ["--resume"], timeout: 120)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Data(contentsOf: stopped.appendingPathComponent("adapter_model.safetensors")),
                       try Data(contentsOf: directory.appendingPathComponent("whole/adapter_model.safetensors")))
    }
}
