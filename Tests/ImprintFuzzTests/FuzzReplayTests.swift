import Foundation
import ImprintFuzzing
import XCTest

/// Every input in `Corpus/<target>/` — hand-written malformed inputs, and every input a fuzzing campaign
/// (`scripts/fuzz.sh`) ever found crashing, hanging or allocating too much — runs through its reader again. Each must
/// return (a thrown error is fine) within a few seconds: a regression here is a crash of the test process.
final class FuzzReplayTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    func testEveryCorpusInputReturns() throws {
        var replayed = 0
        for target in FuzzTarget.allCases {
            let directory = Self.corpus.appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.sorted() ?? []
            for name in names where !name.hasPrefix(".") {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                let start = Date()
                target.run(data)
                XCTAssertLessThan(Date().timeIntervalSince(start), 10, "\(target.rawValue)/\(name) took too long")
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0, "the corpus is empty")
    }
}
