import Foundation
import XCTest

/// The tiny Llama of the SFT tests (byte-level tokenizer, SmolLM2's chat template): every stage of an example runs on
/// it in about a second.
let tinyModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("ImprintSFTTests/Fixtures/tiny").path

struct ExampleResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the example `name` (an executable product of this build, beside the test bundle) with `arguments`; skips when
/// it is not built (`swift build --build-tests` builds every product).
func runExample(_ name: String, _ arguments: [String], timeout: TimeInterval = 300) throws -> ExampleResult {
    #if os(macOS)
    let directory = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL.deletingLastPathComponent()
    #else
    let directory = Bundle.main.bundleURL
    #endif
    let executable = directory.appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
        throw XCTSkip("\(name) is not built at \(executable.path) (swift build --build-tests builds it)")
    }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-example-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("stdout"), err = scratch.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            process.waitUntilExit()
            XCTFail("\(name) ran past \(timeout) s")
            break
        }
        Thread.sleep(forTimeInterval: 0.05)
    }
    process.waitUntilExit()
    return ExampleResult(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-example-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
