import Foundation
import ImprintFuzzing
import ImprintServerRequests
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

    /// The `serve-request` seeds reach every endpoint, and those named `-valid-` get past every check (so a campaign
    /// starts from requests the server would serve, not only from refusals).
    func testServeRequestSeedsReachEveryEndpoint() throws {
        let directory = Self.corpus.appendingPathComponent(FuzzTarget.serveRequest.rawValue)
        var endpoints: Set<UInt8> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.contains("-valid-") {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            let endpoint = try XCTUnwrap(data.first) % 3
            let body = data.dropFirst()
            switch endpoint {
            case 0: XCTAssertNoThrow(try ChatCompletionRequest.decode(body, limits: RequestLimits()), name)
            case 1: XCTAssertNoThrow(try CompletionRequest.decode(body, limits: RequestLimits()), name)
            default: XCTAssertNoThrow(try RewardRequest.decode(body, limits: RequestLimits()), name)
            }
            endpoints.insert(endpoint)
        }
        XCTAssertEqual(endpoints, [0, 1, 2])
    }
}
