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
}
