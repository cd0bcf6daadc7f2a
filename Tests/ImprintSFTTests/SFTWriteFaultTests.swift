import Foundation
import ImprintFormats
import ImprintModel
import ImprintSFT
import XCTest

/// Faults while writing checkpoints (issue 19), in process: a write of the step-4 checkpoint that fails half-way as on
/// a full disk (injected with `WriteFaultInjection`), and checkpoints torn behind the trainer's back. Each time the
/// earlier checkpoint stays as it was, nothing half-written is left or picked up, and a resume from it ends with the
/// uninterrupted run's bytes. Tests/ImprintCLITests/WriteFaultCommandTests.swift does the same with a real file-size
/// limit and with SIGKILL.
final class SFTWriteFaultTests: XCTestCase {
    override func tearDown() {
        WriteFaultInjection.byteLimit = nil
    }

    func trainer(output: URL) throws -> SFTTrainer {
        try SFTTrainer(model: SFTFixtures.model(), tokenizer: SFTFixtures.tokenizer(), dataset: SFTDataset(path: SFTFixtures.stories),
                       configuration: SFTFixtures.resumableConfiguration(), outputDirectory: output)
    }

    /// The uninterrupted run (checkpoints 2, 4 and 6), trained once for every test here.
    static var uninterruptedOutput: URL?

    static func uninterrupted() async throws -> URL {
        if let uninterruptedOutput { return uninterruptedOutput }
        let output = try SFTFixtures.scratchDirectory("uninterrupted")
        try await SFTTrainer(model: SFTFixtures.model(), tokenizer: SFTFixtures.tokenizer(), dataset: SFTDataset(path: SFTFixtures.stories),
                             configuration: SFTFixtures.resumableConfiguration(), outputDirectory: output).train()
        uninterruptedOutput = output
        return output
    }

    func data(_ directory: URL, _ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    /// Every file of `checkpoint` is byte for byte the uninterrupted run's.
    func assertUnchanged(_ checkpoint: String, in output: URL, file: StaticString = #filePath, line: UInt = #line) async throws {
        let reference = try await Self.uninterrupted().appendingPathComponent(checkpoint)
        let names = try FileManager.default.contentsOfDirectory(atPath: reference.path).sorted()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent(checkpoint).path).sorted(),
                       names, file: file, line: line)
        for name in names {
            XCTAssertEqual(try data(output.appendingPathComponent(checkpoint), name), try data(reference, name),
                           "\(checkpoint)/\(name)", file: file, line: line)
        }
    }

    /// `--resume` in `output` starts after step 2 and ends with the uninterrupted run's adapter, optimizer moments and
    /// trainer state.
    func assertResumeFromStep2EqualsUninterrupted(_ output: URL, file: StaticString = #filePath, line: UInt = #line) async throws {
        var startStep: Int?
        try await trainer(output: output).train(resume: true) { event in
            if case .started(let info) = event { startStep = info.startStep }
        }
        XCTAssertEqual(startStep, 2, file: file, line: line)
        let reference = try await Self.uninterrupted()
        for name in ["adapter_model.safetensors", "adapter_config.json", "checkpoint-6/adapter_model.safetensors",
                     "checkpoint-6/optimizer.safetensors", "checkpoint-6/trainer_state.json"] {
            XCTAssertEqual(try data(output, name), try data(reference, name), name, file: file, line: line)
        }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(hidden, [], "staging leftovers", file: file, line: line)
    }

    /// The disk fills up while checkpoint-4 is written, at three points: after the adapter, before the optimizer state;
    /// in the middle of the adapter's safetensors file; in the middle of `trainer_state.json`, the last file. The run
    /// stops with an error naming the checkpoint, the file and the cause; only checkpoint-2 (as it was) and the
    /// metrics log remain, and a resume from checkpoint-2 gives the uninterrupted run.
    func testAWriteFailingHalfWayThroughACheckpointKeepsTheLastOneAndResumeIsExact() async throws {
        let adapterSize = try await data(Self.uninterrupted(), "checkpoint-4/adapter_model.safetensors").count
        let faults: [(file: String, bytesWritten: Int)] = [
            ("optimizer.safetensors", 0), ("adapter_model.safetensors", adapterSize / 2), ("trainer_state.json", 100),
        ]
        for fault in faults {
            let output = try SFTFixtures.scratchDirectory("fault")
            WriteFaultInjection.byteLimit = { path in
                path.contains("/.checkpoint-4.") && path.contains(fault.file) ? fault.bytesWritten : nil
            }
            await assertThrowsAsync(try await trainer(output: output).train(), fault.file) { error in
                let message = String(describing: error)
                for part in [output.appendingPathComponent("checkpoint-4").path, fault.file, "No space left on device",
                             "checkpoint not saved"] {
                    XCTAssertTrue(message.contains(part), "\(fault.file): \(part) not in: \(message)")
                }
            }
            WriteFaultInjection.byteLimit = nil
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output.path).sorted(),
                           ["checkpoint-2", "metrics.jsonl"], fault.file)
            try await assertUnchanged("checkpoint-2", in: output)
            try await assertResumeFromStep2EqualsUninterrupted(output)
        }
    }

    /// A full disk while the final adapter is written leaves no adapter and no staged files; the last step's checkpoint,
    /// written just before, resumes to the uninterrupted run's adapter bytes, and that save removes the files a killed
    /// save would have left.
    func testTheFinalAdapterFailingHalfWayLeavesTheLastCheckpointToResumeFrom() async throws {
        let output = try SFTFixtures.scratchDirectory("final")
        WriteFaultInjection.byteLimit = { path in
            !path.contains("checkpoint") && path.contains(LoRA.weightsFileName) ? 1000 : nil
        }
        await assertThrowsAsync(try await trainer(output: output).train()) { error in
            XCTAssertTrue(String(describing: error).contains("No space left on device"), "\(error)")
        }
        WriteFaultInjection.byteLimit = nil
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output.path).sorted(),
                       ["checkpoint-2", "checkpoint-4", "checkpoint-6", "metrics.jsonl"])
        try await assertUnchanged("checkpoint-6", in: output)
        // What a save killed at this point would have left: the staged adapter files and their temporary files.
        let leftovers = [".adapter_model.safetensors.\(UUID().uuidString).staged", ".adapter_config.json.\(UUID().uuidString).staged",
                         "..adapter_model.safetensors.\(UUID().uuidString).staged.\(UUID().uuidString).tmp",
                         ".metrics.jsonl.\(UUID().uuidString).tmp", ".loss.svg.\(UUID().uuidString).tmp"]
        for name in leftovers { try Data("partial".utf8).write(to: output.appendingPathComponent(name)) }
        try await trainer(output: output).train(resume: true)
        let reference = try await Self.uninterrupted()
        XCTAssertEqual(try data(output, LoRA.weightsFileName), try data(reference, LoRA.weightsFileName))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasPrefix(".") }, [],
                       "the leftovers of a killed save are removed by the next one")
    }

    /// Checkpoints damaged after the fact (a missing `trainer_state.json`, a truncated safetensors file, a torn JSON
    /// file) are never `latest`: resume starts from the newest whole one and still gives the uninterrupted run. A
    /// staging folder a killed run left behind is removed by the next save.
    func testResumePassesOverTornCheckpoints() async throws {
        let reference = try await Self.uninterrupted()
        let output = try SFTFixtures.scratchDirectory("torn")
        for step in [2, 4, 6] {
            try FileManager.default.copyItem(at: reference.appendingPathComponent("checkpoint-\(step)"),
                                             to: output.appendingPathComponent("checkpoint-\(step)"))
        }
        try FileManager.default.copyItem(at: reference.appendingPathComponent("checkpoint-4"),
                                         to: output.appendingPathComponent("checkpoint-5"))
        try FileManager.default.copyItem(at: reference.appendingPathComponent("checkpoint-2"),
                                         to: output.appendingPathComponent(".checkpoint-4.killed.partial"))
        try FileManager.default.removeItem(at: output.appendingPathComponent("checkpoint-6/trainer_state.json"))
        let state = output.appendingPathComponent("checkpoint-5/trainer_state.json")
        try Data(try Data(contentsOf: state).prefix(100)).write(to: state)
        let adapter = output.appendingPathComponent("checkpoint-4/adapter_model.safetensors")
        try Data(try Data(contentsOf: adapter).dropLast(4)).write(to: adapter)

        for step in [4, 5, 6] {
            XCTAssertFalse(TrainingCheckpoint.isComplete(output.appendingPathComponent("checkpoint-\(step)")), "checkpoint-\(step)")
        }
        XCTAssertEqual(TrainingCheckpoint.latest(in: output)?.lastPathComponent, "checkpoint-2")
        try await assertResumeFromStep2EqualsUninterrupted(output)
    }
}
