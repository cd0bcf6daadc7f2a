import Foundation
import ImprintFormats
import XCTest

/// Faults while `imprint sft` and `imprint grpo` write their checkpoints, met as a user meets them, in a child process
/// on the tiny model: a file-size limit that makes a checkpoint's write fail with EFBIG ("File too large": a full disk
/// without root or a mount), and SIGKILL at pseudo-random moments. Each time the earlier checkpoints survive whole, no
/// half-written one is resumed from, and `--resume` ends with the uninterrupted run's adapter, byte for byte.
final class WriteFaultCommandTests: XCTestCase {
    var model: TinyChatModel!
    var directory: URL!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: imprintBinary.path) else {
            throw XCTSkip("imprint is not built at \(imprintBinary.path) (swift build --build-tests builds it)")
        }
        model = try TinyChatModel(contextLength: 64, endOfSequence: 2)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-write-faults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rows = [("The ship: ", "Silver Heron"), ("The year: ", "872 AE"), ("The city: ", "Eldoria"),
                    ("The artificer: ", "Master Borin"), ("The river: ", "Quill"), ("The queen: ", "Ysolde"),
                    ("The sword: ", "Dawnbreaker"), ("The inn: ", "Crooked Lantern")]
        let lines = rows.map { "{\"prompt\": \"\($0)\", \"completion\": \"\($1)\"}\n" }.joined()
        try Data(lines.utf8).write(to: directory.appendingPathComponent("data.jsonl"))
        let prompts = rows.prefix(4).map { "{\"prompt\": \"\($0)\", \"reference\": \"\($1)\"}\n" }.joined()
        try Data(prompts.utf8).write(to: directory.appendingPathComponent("prompts.jsonl"))
    }

    override func tearDown() {
        model?.remove()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// `imprint sft`: LoRA with dropout (its random state is part of a checkpoint), shuffled batches, a linear schedule.
    func arguments(output: String, steps: Int, saveSteps: Int) -> [String] {
        ["sft", "--model", model.path, "--data", directory.appendingPathComponent("data.jsonl").path,
         "--output", directory.appendingPathComponent(output).path, "--max-steps", "\(steps)", "--batch-size", "2",
         "--learning-rate", "1e-3", "--lora-rank", "2", "--lora-dropout", "0.1", "--save-steps", "\(saveSteps)", "--plain"]
    }

    /// `imprint grpo` with two optimizer steps per generation batch (μ = 2), so every other checkpoint holds the batch
    /// the next step trains on again.
    func grpoArguments(output: String, steps: Int, saveSteps: Int) -> [String] {
        ["grpo", "--model", model.path, "--data", directory.appendingPathComponent("prompts.jsonl").path,
         "--output", directory.appendingPathComponent(output).path, "--reward", "difflib", "--reward", "word_count=2:0.5",
         "--num-generations", "2", "--batch-size", "4", "--max-completion-length", "8", "--learning-rate", "1e-3",
         "--beta", "0.04", "--num-iterations", "2", "--lora-rank", "2", "--max-steps", "\(steps)",
         "--save-steps", "\(saveSteps)", "--plain"]
    }

    func data(_ output: String, _ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(output).appendingPathComponent(name))
    }

    func entries(_ output: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(output).path).sorted()
    }

    /// A checkpoint folder whose every file is whole: the JSON files parse, the safetensors files validate (their
    /// tensors fill them exactly, so a truncated file fails). Checked here without the library's own `isComplete`.
    func assertWhole(_ checkpoint: URL, file: StaticString = #filePath, line: UInt = #line) {
        for name in ["trainer_state.json", "adapter_config.json"] {
            let object = (try? Data(contentsOf: checkpoint.appendingPathComponent(name)))
                .flatMap { try? JSONSerialization.jsonObject(with: $0) }
            XCTAssertTrue(object is [String: Any], "\(checkpoint.lastPathComponent)/\(name)", file: file, line: line)
        }
        for name in ["adapter_model.safetensors", "optimizer.safetensors"] {
            XCTAssertNoThrow(try SafetensorsFile(contentsOf: checkpoint.appendingPathComponent(name)),
                             "\(checkpoint.lastPathComponent)/\(name)", file: file, line: line)
        }
    }

    /// The run resumes from checkpoint-2 of the uninterrupted run (a file-size limit cannot let one checkpoint through
    /// and stop the next of the same run: every checkpoint has the same file sizes) under a limit that the adapter fits
    /// and the optimizer state does not: checkpoint-4 fails half-way with exit status 1 and a message naming it, the
    /// file and "File too large"; checkpoint-2 is untouched, nothing half-written is left, and `--resume` without the
    /// limit finishes with the uninterrupted run's bytes.
    func testAFileSizeLimitFailsTheNextCheckpointCleanlyAndResumeFinishesTheSameRun() throws {
        let whole = try imprint(arguments(output: "whole", steps: 6, saveSteps: 2), timeout: 120)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let full = directory.appendingPathComponent("full")
        try FileManager.default.createDirectory(at: full, withIntermediateDirectories: true)
        for name in ["checkpoint-2", "metrics.jsonl"] {
            try FileManager.default.copyItem(at: directory.appendingPathComponent("whole/\(name)"), to: full.appendingPathComponent(name))
        }
        // `ulimit -f` counts 512-byte blocks in a POSIX shell (dash; bash as sh).
        let adapterSize = try data("whole", "checkpoint-2/adapter_model.safetensors").count
        let optimizerSize = try data("whole", "checkpoint-2/optimizer.safetensors").count
        let blocks = adapterSize / 512 + 1
        XCTAssertLessThan(blocks * 512, optimizerSize, "the limit must stop the optimizer state")
        let command = (["exec", imprintBinary.path] + arguments(output: "full", steps: 6, saveSteps: 2) + ["--resume"])
            .map { "'\($0)'" }.joined(separator: " ")
        let limited = try ProcessRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "trap '' XFSZ; ulimit -f \(blocks); \(command)"],
                                            timeout: 120)
        XCTAssertEqual(limited.status, 1, limited.stderr)
        for part in [full.appendingPathComponent("checkpoint-4").path, "checkpoint not saved", "optimizer.safetensors",
                     String(cString: strerror(EFBIG))] {
            XCTAssertTrue(limited.stderr.contains(part), "\(part) not in: \(limited.stderr)")
        }
        XCTAssertEqual(try entries("full"), ["checkpoint-2", "metrics.jsonl"])
        for name in try FileManager.default.contentsOfDirectory(atPath: full.appendingPathComponent("checkpoint-2").path) {
            XCTAssertEqual(try data("full", "checkpoint-2/\(name)"), try data("whole", "checkpoint-2/\(name)"), name)
        }

        let resumed = try imprint(arguments(output: "full", steps: 6, saveSteps: 2) + ["--resume"], timeout: 120)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("steps 3...6"), resumed.stderr)
        for name in ["adapter_model.safetensors", "checkpoint-6/adapter_model.safetensors", "checkpoint-6/optimizer.safetensors"] {
            XCTAssertEqual(try data("full", name), try data("whole", name), name)
        }
    }

    /// `imprint sft`, 60 steps, killed five times.
    func testSFTKilledAtRandomMomentsEveryResumeFinishesTheSameRun() throws {
        try assertKilledRunsResumeToTheUninterruptedRun(steps: 60, seed: 19, arguments: arguments)
    }

    /// `imprint grpo`, 20 steps of μ = 2, killed five times.
    func testGRPOKilledAtRandomMomentsEveryResumeFinishesTheSameRun() throws {
        try assertKilledRunsResumeToTheUninterruptedRun(steps: 20, seed: 7, arguments: grpoArguments)
    }

    /// A run checkpointing every step is SIGKILLed five times at seeded pseudo-random moments (many land while a
    /// checkpoint is being written), each time restarted with `--resume` from what the last one left. After every kill
    /// each `checkpoint-*` folder is whole and the next run starts after the newest one; the last resume ends with the
    /// uninterrupted run's adapter and optimizer state, byte for byte, and leaves no staging or temporary file behind.
    func assertKilledRunsResumeToTheUninterruptedRun(steps: Int, seed: UInt64,
                                                     arguments: (_ output: String, _ steps: Int, _ saveSteps: Int) -> [String],
                                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let whole = try imprint(arguments("whole", steps, 1), timeout: 120)
        XCTAssertEqual(whole.status, 0, whole.stderr, file: file, line: line)
        let output = directory.appendingPathComponent("killed")
        var random = seed  // a 64-bit LCG (Knuth's MMIX constants): the same delays every run
        func nextDelay() -> Double {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return 0.1 + 0.4 * Double(random >> 11) / Double(1 << 53)
        }
        var newest = 0, stagingLeftovers = 0
        for round in 1...5 {
            let log = directory.appendingPathComponent("stderr-\(round)")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = imprintBinary
            process.arguments = arguments("killed", steps, 1) + (newest > 0 ? ["--resume"] : [])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            usleep(UInt32(nextDelay() * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let stderr = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
            let killed = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
            XCTAssertTrue(killed || process.terminationStatus == 0, "run \(round): status \(process.terminationStatus): \(stderr)",
                          file: file, line: line)
            if newest > 0, stderr.contains("trainable parameters") {
                XCTAssertTrue(stderr.contains("steps \(newest + 1)...\(steps)"), "run \(round) resumed elsewhere: \(stderr)",
                              file: file, line: line)
            }
            let names = try entries("killed")
            stagingLeftovers += names.filter { $0.hasPrefix(".checkpoint-") }.count
            let checkpoints = names.compactMap { $0.hasPrefix("checkpoint-") ? Int($0.dropFirst("checkpoint-".count)) : nil }
            for step in checkpoints { assertWhole(output.appendingPathComponent("checkpoint-\(step)"), file: file, line: line) }
            newest = checkpoints.max() ?? 0
        }
        XCTAssertGreaterThan(newest, 0, "no checkpoint after five runs", file: file, line: line)

        let resumed = try imprint(arguments("killed", steps, 1) + ["--resume"], timeout: 120)
        XCTAssertEqual(resumed.status, 0, resumed.stderr, file: file, line: line)
        XCTAssertTrue(resumed.stderr.contains("steps \(newest + 1)...\(steps)"), resumed.stderr, file: file, line: line)
        for name in ["adapter_model.safetensors", "checkpoint-\(steps)/optimizer.safetensors"] {
            XCTAssertEqual(try data("killed", name), try data("whole", name), "\(name) (\(stagingLeftovers) staging folders left by kills)",
                           file: file, line: line)
        }
        XCTAssertEqual(try entries("killed").filter { $0.hasPrefix(".") }, [], "staging and temporary files removed",
                       file: file, line: line)
    }
}
