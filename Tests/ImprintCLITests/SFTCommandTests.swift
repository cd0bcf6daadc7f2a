import Foundation
import XCTest

/// `imprint sft` end to end on the tiny model: one LoRA step, the adapter and metrics written.
final class SFTCommandTests: XCTestCase {
    /// Without --model, `imprint sft` trains the default model (here IMPRINT_DEFAULT_MODEL), as every other command does.
    func testSFTFallsBackToTheDefaultModel() throws {
        let model = try TinyChatModel(contextLength: 64)
        defer { model.remove() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-sft-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data.jsonl"), output = directory.appendingPathComponent("run")
        try Data("{\"prompt\": \"The ship: \", \"completion\": \"Silver Heron\"}\n{\"prompt\": \"The year: \", \"completion\": \"872 AE\"}\n".utf8).write(to: data)

        let arguments = ["sft", "--data", data.path, "--output", output.path, "--max-steps", "1", "--batch-size", "2",
                         "--lora-rank", "2", "--plain"]
        let result = try imprint(arguments, environment: ["IMPRINT_DEFAULT_MODEL": model.path], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("adapter_model.safetensors").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("metrics.jsonl").path))

        let missing = try imprint(arguments, environment: ["IMPRINT_DEFAULT_MODEL": directory.appendingPathComponent("absent").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("model not found at \(directory.path)/absent"), missing.stderr)
    }
}
