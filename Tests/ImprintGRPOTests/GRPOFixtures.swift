import Foundation
import ImprintModel
import ImprintTokenizer

/// The recorded TRL 1.16 run (`Fixtures/make_grpo_fixtures.py`) and the tiny model it used.
enum GRPOFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// The tiny Llama of the SFT tests (vocabulary 196, hidden 64, 2 layers), used in place.
    static let tinyModel = directory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImprintSFTTests/Fixtures/tiny").path
    /// The starting adapter: r = 4, α = 8, all seven projections, non-zero A and B.
    static let adapter = directory.appendingPathComponent("adapter")

    static func model() throws -> TransformerDecoder { try ModelLoader.load(path: tinyModel) }
    static func tokenizer() throws -> PretrainedTokenizer { try PretrainedTokenizer.load(modelPath: tinyModel) }

    /// A fresh empty folder under the temporary directory.
    static func scratchDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-grpo-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `golden.json`, as JSON objects.
    static let golden: [String: Any] = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("golden.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func ints(_ value: Any?) -> [Int] { (value as! [Any]).map { ($0 as! NSNumber).intValue } }
    static func intRows(_ value: Any?) -> [[Int]] { (value as! [Any]).map(ints) }
    static func floats(_ value: Any?) -> [Float] { (value as! [Any]).map { ($0 as! NSNumber).floatValue } }
    static func floatRows(_ value: Any?) -> [[Float]]? { (value as? [Any])?.map(floats) }
    /// `null` entries as nil.
    static func optionalDoubleRows(_ value: Any?) -> [[Double?]] {
        (value as! [Any]).map { ($0 as! [Any]).map { ($0 as? NSNumber)?.doubleValue } }
    }
}

/// Asserts `|actual − expected| ≤ absolute + relative · |expected|` element by element, naming the first failure.
func assertClose(_ actual: [Float], _ expected: [Float], absolute: Float, relative: Float = 0, _ message: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        return XCTFail("\(message): \(actual.count) values, expected \(expected.count)", file: file, line: line)
    }
    for (index, (a, e)) in zip(actual, expected).enumerated() where !(Swift.abs(a - e) <= absolute + relative * Swift.abs(e)) {
        return XCTFail("\(message)[\(index)]: \(a), expected \(e) (difference \(Swift.abs(a - e)))", file: file, line: line)
    }
}

import XCTest
