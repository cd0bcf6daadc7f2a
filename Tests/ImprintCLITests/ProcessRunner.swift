import Foundation
import XCTest

/// What one run of a program left: its exit status and everything it wrote.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout's lines parsed as JSON objects (one per line, as `--jsonl` commands write them).
    func jsonLines(file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)",
                          file: file, line: line)
        }
    }
}

/// A program that did not finish in time; it has been killed.
struct ProcessTimedOut: Error, CustomStringConvertible {
    var command: String
    var seconds: Double
    var stdout: String
    var description: String { "\(command) did not finish within \(seconds) s (stdout so far: \(stdout.prefix(500)))" }
}

/// Runs programs as a shell would: stdin from a string, stdout and stderr captured, a time limit.
///
/// stdin, stdout and stderr go through temporary files rather than pipes, so a program that writes
/// more than a pipe holds, or never reads its input, cannot block the test.
enum ProcessRunner {
    static func run(_ executable: URL, _ arguments: [String], input: String = "", environment: [String: String] = [:],
                    timeout: Double = 60) throws -> ProcessResult {
        try run(executable, arguments, inputBytes: Data(input.utf8), environment: environment, timeout: timeout)
    }

    /// Runs with raw bytes on stdin (bytes that are not UTF-8 included).
    static func run(_ executable: URL, _ arguments: [String], inputBytes: Data, environment: [String: String] = [:],
                    timeout: Double = 60) throws -> ProcessResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("stdin"), outputFile = directory.appendingPathComponent("stdout"),
            errorFile = directory.appendingPathComponent("stderr")
        try inputBytes.write(to: inputFile)
        try Data().write(to: outputFile)
        try Data().write(to: errorFile)
        let stdin = try FileHandle(forReadingFrom: inputFile), stdout = try FileHandle(forWritingTo: outputFile),
            stderr = try FileHandle(forWritingTo: errorFile)
        defer { [stdin, stdout, stderr].forEach { try? $0.close() } }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let read = { (file: URL) in String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self) }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if exited.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            throw ProcessTimedOut(command: ([executable.lastPathComponent] + arguments).joined(separator: " "),
                                  seconds: timeout, stdout: read(outputFile))
        }
        return ProcessResult(status: process.terminationStatus, stdout: read(outputFile), stderr: read(errorFile))
    }
}

/// The `imprint` binary of this build: SwiftPM puts it beside the test bundle (`swift build --build-tests`
/// builds every product; a build filtered to one target may not, and then the tests that need it skip).
var imprintBinary: URL {
    #if os(macOS)
    let directory = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL.deletingLastPathComponent()
    #else
    let directory = Bundle.main.bundleURL
    #endif
    return directory.appendingPathComponent("imprint")
}

/// Runs `imprint arguments` with `input` on stdin.
func imprint(_ arguments: [String], input: String = "", environment: [String: String] = [:], timeout: Double = 60) throws -> ProcessResult {
    try imprint(arguments, inputBytes: Data(input.utf8), environment: environment, timeout: timeout)
}

/// Runs `imprint arguments` with raw bytes on stdin.
func imprint(_ arguments: [String], inputBytes: Data, environment: [String: String] = [:], timeout: Double = 60) throws -> ProcessResult {
    guard FileManager.default.isExecutableFile(atPath: imprintBinary.path) else {
        throw XCTSkip("imprint is not built at \(imprintBinary.path) (swift build --build-tests builds it)")
    }
    return try ProcessRunner.run(imprintBinary, arguments, inputBytes: inputBytes, environment: environment, timeout: timeout)
}
