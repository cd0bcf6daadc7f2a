import Foundation
import ImprintFormats
import XCTest

/// `imprint logits` against the logits `transformers` recorded for the tiny Llama (Fixtures/make_model_fixtures.py).
final class LogitsCommandTests: XCTestCase {
    func testLogitsWritesTheModelsLogitsAsNpy() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-logits-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: output) }
        let reference = try SafetensorsFile(contentsOf: modelFixtures.appendingPathComponent("llama/reference.safetensors"))
        let ids = try reference.ints("input_ids").prefix(7).map(String.init)
        let model = modelFixtures.appendingPathComponent("llama").path
        let result = try imprint(["logits", "--model", model, "--tokens", ids.joined(separator: ","), "--output", output.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let array = try NPY.read(output)
        XCTAssertEqual(array.shape, [7, 101])
        let expected = Array(try reference.floats("logits").prefix(7 * 101))
        let actual = try XCTUnwrap(array.floats)
        // Max |a - e| / max |e|, the relative error the model tests state.
        let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(difference / max(expected.map(abs).max() ?? 0, 1e-12), 1e-4)
        XCTAssertNotEqual(try imprint(["logits", "--model", "/nonexistent", "--tokens", "1", "--output", output.path]).status, 0)
        XCTAssertNotEqual(try imprint(["logits", "--model", model, "--tokens", "1,x", "--output", output.path]).status, 0)
    }

    /// `--decode int8` keeps the Q8_0 weights quantized and quantizes activations (logits move a
    /// little from float32's); a float32 file or a K-quant file is refused, naming the reason.
    func testDecodeInt8() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-logits-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: output) }
        let q8_0 = modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf").path
        var logits: [[Float]] = []
        for decode in ["float32", "int8"] {
            let result = try imprint(["logits", "--model", q8_0, "--tokens", "1,5,17", "--output", output.path, "--decode", decode])
            XCTAssertEqual(result.status, 0, result.stderr)
            logits.append(try XCTUnwrap(try NPY.read(output).floats))
        }
        let difference = zip(logits[0], logits[1]).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(difference, 0)
        XCTAssertLessThan(difference / logits[0].map(abs).max()!, 0.1)
        let f32 = try imprint(["logits", "--model", modelFixtures.appendingPathComponent("llama/llama-f32.gguf").path,
                               "--tokens", "1", "--output", output.path, "--decode", "int8"])
        XCTAssertNotEqual(f32.status, 0)
        XCTAssertTrue(f32.stderr.contains("block-quantized"), f32.stderr)
        let kQuant = try imprint(["logits", "--model", modelFixtures.appendingPathComponent("gguf-quants/llama-q4_k.gguf").path,
                                  "--tokens", "1", "--output", output.path, "--decode", "int8"])
        XCTAssertNotEqual(kQuant.status, 0)
        XCTAssertTrue(kQuant.stderr.contains("q4_K"), kQuant.stderr)
    }
}
