import Foundation
import XCTest

/// The process runner itself, on `/bin/sh`: it must pass stdin through, keep stdout and stderr apart,
/// report the exit status, not block on output larger than a pipe, and stop a program that hangs.
final class ProcessRunnerTests: XCTestCase {
    let shell = URL(fileURLWithPath: "/bin/sh")

    func testStandardStreamsAndExitStatus() throws {
        let result = try ProcessRunner.run(shell, ["-c", "tr a-z A-Z; echo \"to stderr $GREETING\" >&2; exit 3"],
                                           input: "hello\nworld\n", environment: ["GREETING": "hi"])
        XCTAssertEqual(result.status, 3)
        XCTAssertEqual(result.stdout, "HELLO\nWORLD\n")
        XCTAssertEqual(result.stderr, "to stderr hi\n")
    }

    func testLargeOutputDoesNotBlock() throws {
        // 1 MB on stdout and on stderr: far more than a 64 KiB pipe buffer.
        let result = try ProcessRunner.run(shell, ["-c", "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2"], timeout: 20)
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout.utf8.count, 1_000_000)
        XCTAssertEqual(result.stderr.utf8.count, 1_000_000)
    }

    func testHangingProgramTimesOut() throws {
        let start = Date()
        XCTAssertThrowsError(try ProcessRunner.run(shell, ["-c", "echo started; exec sleep 30"], timeout: 0.5)) { error in
            let timedOut = error as? ProcessTimedOut
            XCTAssertNotNil(timedOut, "\(error)")
            XCTAssertEqual(timedOut?.stdout, "started\n")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }
}
