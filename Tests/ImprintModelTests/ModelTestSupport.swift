import Foundation
import ImprintFormats
import ImprintTensor
import XCTest

let modelFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// A reference file written by Fixtures/make_model_fixtures.py.
struct Reference {
    let file: SafetensorsFile
    init(_ path: String) throws { file = try SafetensorsFile(contentsOf: modelFixtures.appendingPathComponent(path)) }
    func tensor(_ name: String) throws -> Tensor { Tensor(shape: try file.info(name).shape, storage: try file.floats(name)) }
    func ints(_ name: String) throws -> [Int] { try file.ints(name) }
    func has(_ name: String) -> Bool { file.tensors[name] != nil }
}

/// Max |a - e| / max |e| over a tensor, the relative error the model tests state.
func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
    precondition(actual.count == expected.count, "lengths differ: \(actual.count) vs \(expected.count)")
    let difference = zip(actual, expected).map { Swift.abs($0 - $1) }.max() ?? 0
    return difference / Swift.max(expected.map { Swift.abs($0) }.max() ?? 0, 1e-12)
}

/// The default model's path when it has been fetched (scripts/fetch-default-model.sh), else nil.
func defaultModelPath() -> String? {
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["IMPRINT_CACHE"] ?? (NSHomeDirectory() + "/.cache/imprint")
    let path = environment["IMPRINT_DEFAULT_MODEL"] ?? cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    return FileManager.default.fileExists(atPath: path) ? path : nil
}

/// Reproducible uniform random values in [-1, 1).
func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randomUniform(shape, low: -1, high: 1, generator: &generator)
}
