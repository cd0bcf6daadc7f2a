import Foundation
import ImprintFormats
import XCTest
@testable import ImprintModel

/// Bad model files give typed errors naming the file, the tensor or key, and the expectation.
final class ModelLoadingErrorTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-model-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A copy of the tiny Llama directory whose config.json (as a dictionary) is changed by `edit`.
    func llamaCopy(editing edit: (inout [String: Any]) -> Void = { _ in }) throws -> URL {
        let source = modelFixtures.appendingPathComponent("llama")
        let copy = directory.appendingPathComponent("llama-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"), to: copy.appendingPathComponent("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: copy.appendingPathComponent("config.json"))
        return copy
    }

    func testUnknownArchitectureIsNamed() throws {
        let copy = try llamaCopy { $0["model_type"] = "mamba" }
        XCTAssertThrowsError(try HuggingFaceModelLoader.load(directory: copy)) { error in
            guard case let ModelError.unknownArchitecture(file, name, supported) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(file.hasSuffix("config.json"))
            XCTAssertEqual(name, "mamba")
            XCTAssertTrue(supported.contains("llama"))
        }
    }

    func testMissingAndWrongConfigurationKeysAreNamed() throws {
        let missing = try llamaCopy { $0.removeValue(forKey: "hidden_size") }
        XCTAssertThrowsError(try HuggingFaceModelLoader.load(directory: missing)) { error in
            guard case let ModelError.invalidConfiguration(_, key, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "hidden_size")
        }
        let wrongType = try llamaCopy { $0["num_hidden_layers"] = "two" }
        XCTAssertThrowsError(try HuggingFaceModelLoader.load(directory: wrongType)) { error in
            guard case let ModelError.invalidConfiguration(_, key, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "num_hidden_layers")
        }
    }

    func testShapeMismatchNamesTheTensor() throws {
        let copy = try llamaCopy { $0["intermediate_size"] = 96 }
        XCTAssertThrowsError(try HuggingFaceModelLoader.load(directory: copy)) { error in
            guard case let ModelError.shapeMismatch(file, key, expected, found) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(file.hasSuffix("model.safetensors"))
            XCTAssertEqual(key, "model.layers.0.mlp.gate_proj.weight")
            XCTAssertEqual(expected, [96, 64])
            XCTAssertEqual(found, [128, 64])
        }
    }

    func testMissingTensorIsNamed() throws {
        let copy = try llamaCopy { $0["num_hidden_layers"] = 3 }
        XCTAssertThrowsError(try HuggingFaceModelLoader.load(directory: copy)) { error in
            XCTAssertEqual(error as? ModelError, .missingTensor(file: copy.path, key: "model.layers.2.self_attn.q_proj.weight", expectedShape: [64, 64]))
        }
    }

    func testUnexpectedTensorIsNamed() throws {
        let copy = try llamaCopy { $0["num_hidden_layers"] = 1 }
        XCTAssertThrowsError(try HuggingFaceModelLoader.load(directory: copy)) { error in
            guard case let ModelError.unexpectedTensor(_, key) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(key.hasPrefix("model.layers.1."), key)
        }
    }

    func testTruncatedAndCorruptFilesThrowInsteadOfCrashing() throws {
        let gguf = try Data(contentsOf: modelFixtures.appendingPathComponent("llama/llama-q8_0.gguf"))
        for cut in [10, 100, 2_000, gguf.count / 2, gguf.count - 7] {
            let truncated = directory.appendingPathComponent("truncated-\(cut).gguf")
            try gguf.prefix(cut).write(to: truncated)
            XCTAssertThrowsError(try ModelLoader.load(path: truncated.path), "cut at \(cut)") { error in
                XCTAssertTrue("\(error)".contains(truncated.path) || "\(error)".contains(truncated.lastPathComponent), "\(error)")
            }
        }
        var corrupt = gguf
        corrupt.replaceSubrange(0..<4, with: Data("GGUX".utf8))
        let badMagic = directory.appendingPathComponent("bad.gguf")
        try corrupt.write(to: badMagic)
        XCTAssertThrowsError(try ModelLoader.load(path: badMagic.path)) { error in
            XCTAssertEqual(error as? ModelError, .unrecognizedModelPath(path: badMagic.path))
        }
        let copy = try llamaCopy()
        let weights = copy.appendingPathComponent("model.safetensors")
        try Data(contentsOf: weights).prefix(5_000).write(to: weights)
        XCTAssertThrowsError(try HuggingFaceModelLoader.load(directory: copy)) { error in
            XCTAssertTrue("\(error)".contains("model.safetensors"), "\(error)")
        }
    }

    func testUnknownGGUFArchitectureIsNamed() throws {
        // Rewrite the architecture string in place: same length keeps the file well-formed.
        var gguf = try Data(contentsOf: modelFixtures.appendingPathComponent("llama/llama-f32.gguf"))
        let needle = Data("llama".utf8)
        let key = Data("general.architecture".utf8)
        let keyRange = gguf.range(of: key)!
        let valueRange = gguf.range(of: needle, in: keyRange.upperBound..<gguf.count)!
        gguf.replaceSubrange(valueRange, with: Data("mamba".utf8))
        let path = directory.appendingPathComponent("mamba.gguf")
        try gguf.write(to: path)
        XCTAssertThrowsError(try ModelLoader.load(path: path.path)) { error in
            guard case let ModelError.unknownArchitecture(file, name, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, path.path)
            XCTAssertEqual(name, "mamba")
        }
    }

    /// A Llama-architecture file with mixture-of-experts tensors (Fixtures/make_q4_k_m_fixture.py) names them.
    func testUnsupportedGGUFTensorSetIsNamed() throws {
        let path = modelFixtures.appendingPathComponent("gguf-q4_k_m/llama-moe.gguf").path
        for keepQuantized in [false, true] {
            XCTAssertThrowsError(try ModelLoader.load(path: path, keepQuantized: keepQuantized)) { error in
                XCTAssertEqual(error as? ModelError, .unsupportedTensors(file: path, architecture: "llama", names: [
                    "blk.0.ffn_gate_inp.weight", "blk.0.ffn_gate_exps.weight", "blk.0.ffn_up_exps.weight", "blk.0.ffn_down_exps.weight",
                ]))
                XCTAssertTrue("\(error)".contains("blk.0.ffn_gate_exps.weight") && "\(error)".contains("llama"), "\(error)")
            }
        }
    }

    /// A copy of the GGUF fixture at `name` with the uint32 metadata value of `key` changed in place
    /// from `old` to `new` (the key is followed by its value type, 4 for uint32, and the value).
    func ggufCopy(_ name: String, setting key: String, from old: UInt32, to new: UInt32) throws -> String {
        var gguf = try Data(contentsOf: modelFixtures.appendingPathComponent(name))
        let end = try XCTUnwrap(gguf.range(of: Data(key.utf8)), key).upperBound
        func bytes(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        XCTAssertEqual(Array(gguf[end..<(end + 8)]), bytes(4) + bytes(old), key)
        gguf.replaceSubrange((end + 4)..<(end + 8), with: bytes(new))
        let path = directory.appendingPathComponent("\(key)-\(new).gguf").path
        try gguf.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Counts of zero (crafted files) are refused naming the key, never divided by.
    func testZeroCountsInGGUFMetadataAreNamed() throws {
        for (key, old) in [("llama.attention.head_count", UInt32(4)), ("llama.block_count", 2), ("llama.attention.head_count_kv", 2)] {
            let path = try ggufCopy("llama/llama-f32.gguf", setting: key, from: old, to: 0)
            XCTAssertThrowsError(try ModelLoader.load(path: path)) { error in
                guard case let ModelError.invalidConfiguration(file, failingKey, _) = error else { return XCTFail("\(key): \(error)") }
                XCTAssertEqual(file, path)
                XCTAssertEqual(failingKey, key)
            }
        }
        let uneven = try ggufCopy("llama/llama-f32.gguf", setting: "llama.attention.head_count_kv", from: 2, to: 3)
        XCTAssertThrowsError(try ModelLoader.load(path: uneven)) { error in
            guard case ModelError.invalidConfiguration(_, "llama.attention.head_count_kv", _) = error else { return XCTFail("\(error)") }
        }
    }

    /// A GGUF whose metadata promises a layer it does not hold names the missing GGUF tensor.
    func testMissingGGUFTensorIsNamed() throws {
        let path = try ggufCopy("llama/llama-f32.gguf", setting: "llama.block_count", from: 2, to: 3)
        for keepQuantized in [false, true] {
            XCTAssertThrowsError(try ModelLoader.load(path: path, keepQuantized: keepQuantized)) { error in
                guard case let ModelError.missingTensor(file, key, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(file, path)
                XCTAssertTrue(key.hasPrefix("blk.2."), key)
            }
        }
    }

    /// A quantized matrix whose shape does not fit the configuration is refused before any use.
    func testKeptQuantizedShapeMismatchIsNamed() throws {
        // The kept-quantized gate projection [128, 64] no longer fits.
        let path = try ggufCopy("llama/llama-q8_0.gguf", setting: "llama.feed_forward_length", from: 128, to: 96)
        XCTAssertThrowsError(try ModelLoader.load(path: path, keepQuantized: true)) { error in
            guard case let ModelError.shapeMismatch(_, key, expected, found) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(key.hasSuffix("ffn_gate.weight"), key)
            XCTAssertEqual(expected, [96, 64])
            XCTAssertEqual(found, [128, 64])
        }
    }

    func testNotAModelPath() {
        XCTAssertThrowsError(try ModelLoader.load(path: "/nonexistent/model.gguf")) { error in
            XCTAssertEqual(error as? ModelError, .unrecognizedModelPath(path: "/nonexistent/model.gguf"))
        }
    }
}
