import Foundation
import ImprintFormats
import XCTest

/// `imprint convert --adapter DIR`: the adapter merged into a GGUF file and an HF directory, whose logits
/// (`imprint logits`) are PEFT's with the adapter attached (ImprintModelTests/Fixtures/make_lora_fixtures.py);
/// Q8_0 only for GGUF.
final class ConvertCommandTests: XCTestCase {
    func testConvertMergesAnAdapterIntoGGUFAndHFOutputs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = modelFixtures.appendingPathComponent("llama").path
        let adapter = modelFixtures.appendingPathComponent("llama/adapter").path
        let reference = try SafetensorsFile(contentsOf: modelFixtures.appendingPathComponent("llama/reference.safetensors"))
        let ids = try reference.ints("input_ids").prefix(7).map(String.init).joined(separator: ",")
        let withAdapter = try SafetensorsFile(contentsOf: modelFixtures.appendingPathComponent("llama/adapter-reference.safetensors"))
        let expected = Array(try withAdapter.floats("logits").prefix(7 * 101))
        for output in ["merged.gguf", "merged"] {
            let path = directory.appendingPathComponent(output).path
            let converted = try imprint(["convert", "--model", model, "--adapter", adapter, "--output", path])
            XCTAssertEqual(converted.status, 0, "\(output): \(converted.stderr)")
            let logits = directory.appendingPathComponent("\(output).npy")
            XCTAssertEqual(try imprint(["logits", "--model", path, "--tokens", ids, "--output", logits.path]).status, 0, output)
            let actual = try XCTUnwrap(try NPY.read(logits).floats)
            // Max |a - e| / max |e|, the relative error the model tests state.
            let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(difference / max(expected.map(abs).max() ?? 0, 1e-12), 1e-4, output)
        }
        let quantized = directory.appendingPathComponent("merged-q8_0.gguf")
        XCTAssertEqual(try imprint(["convert", "--model", model, "--adapter", adapter, "--output", quantized.path,
                                    "--type", "q8_0"]).status, 0)
        XCTAssertEqual(try GGUFFile(contentsOf: quantized).requireTensor("blk.0.attn_q.weight").type, .q8_0)
        XCTAssertNotEqual(try imprint(["convert", "--model", model, "--output", directory.appendingPathComponent("hf").path,
                                       "--type", "q8_0"]).status, 0, "Q8_0 is for GGUF outputs only")
    }
}
