import Foundation
import XCTest

/// Runs the built `imprint` binary, when the build has produced it (a full `swift test` builds
/// every product; a filtered build may not, and then this test is skipped). The line-processing
/// itself is covered by `JSONLRewardScorerTests`.
final class RewardCommandTests: XCTestCase {
    var imprintBinary: URL {
        #if os(macOS)
        let directory = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL.deletingLastPathComponent()
        #else
        let directory = Bundle.main.bundleURL
        #endif
        return directory.appendingPathComponent("imprint")
    }

    func run(_ arguments: [String], input: String) throws -> (status: Int32, stdout: String, stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: imprintBinary.path) else {
            throw XCTSkip("imprint is not built at \(imprintBinary.path)")
        }
        let process = Process()
        process.executableURL = imprintBinary
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func testRewardLinesInOrder() throws {
        let input = """
        {"completion": "abc", "reference": "abd"}
        {"completion": "In 872 AE", "reference": "872 AE"}

        """
        let difflib = try run(["reward", "difflib", "--jsonl"], input: input)
        XCTAssertEqual(difflib.status, 0)
        XCTAssertEqual(difflib.stdout, "{\"reward\": 0.6666666666666666}\n{\"reward\": 0.8}\n")
        let f1 = try run(["reward", "f1", "--jsonl"], input: input)
        XCTAssertEqual(f1.stdout, "{\"reward\": 0.0}\n{\"reward\": 0.8}\n")
    }

    func testMalformedLineFailsWithItsNumber() throws {
        let result = try run(["reward", "exact", "--jsonl"], input: "{\"completion\": \"a\", \"reference\": \"a\"}\n{oops\n")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "{\"reward\": 1.0}\n")
        XCTAssertTrue(result.stderr.contains("line 2: not valid JSON"), result.stderr)
        let unknown = try run(["reward", "rouge", "--jsonl"], input: "")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown reward 'rouge'"), unknown.stderr)
    }
}
