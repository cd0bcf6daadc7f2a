import Foundation
import XCTest
@testable import ImprintTokenizer

/// The priority-queue merge (long words) against its plain reference, the quadratic scan.
final class BytePairModelTests: XCTestCase {
    func testQueueMergeMatchesScanningMerge() throws {
        for name in ["gpt2", "gemma"] {
            let tokenizer = try PretrainedTokenizer(directory: TestResources.fixtures.appendingPathComponent("tokenizer-json/\(name)"))
            let model = try XCTUnwrap(tokenizer.model.bytePair)
            var generator = SplitMix64(seed: 2026)
            let alphabet = Array("aaabbcdeeeilnorst ▁é语🦙") + ["\u{301}"]
            for length in [1, 2, 3, 7, 31, 49, 50, 97, 211] {
                for _ in 0..<20 {
                    let word = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
                    let symbols = model.initialSymbols(word)
                    XCTAssertEqual(model.mergeWithQueue(symbols), model.mergeByScanning(symbols), "\(name): \(word.debugDescription)")
                }
            }
        }
    }
}
