import Foundation
import XCTest
@testable import ImprintHTTPClient

final class RetryPolicyTests: XCTestCase {
    func testBackoffDoublesUpToTheMaximum() {
        let policy = RetryPolicy(initialDelay: .milliseconds(500), multiplier: 2, maxDelay: .seconds(3), jitter: 0)
        XCTAssertEqual((1...5).map { policy.backoff(beforeRetry: $0, random: 0.9) },
                       [.milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3)])
    }

    /// Equal jitter: `jitter = 0.5` takes between nothing and half off each wait.
    func testJitterTakesAShareOff() {
        let policy = RetryPolicy(initialDelay: .seconds(1), multiplier: 2, jitter: 0.5)
        XCTAssertEqual(policy.backoff(beforeRetry: 2, random: 0), .seconds(2))
        XCTAssertEqual(policy.backoff(beforeRetry: 2, random: 0.5), .seconds(1.5))
        XCTAssertEqual(policy.backoff(beforeRetry: 2, random: 0.999_999).seconds, 1, accuracy: 1e-5)
    }

    func testRetryableStatuses() {
        XCTAssertEqual((400...599).filter(RetryPolicy.isRetryable(status:)), [429, 502, 503, 504])
    }

    func testRetryAfterSeconds() {
        let now = Date(timeIntervalSince1970: 0)
        XCTAssertEqual(RetryAfter.parse("120", now: now), .seconds(120))
        XCTAssertEqual(RetryAfter.parse(" 0 ", now: now), .zero)
        XCTAssertNil(RetryAfter.parse("-5", now: now))
        XCTAssertNil(RetryAfter.parse("soon", now: now))
        XCTAssertNil(RetryAfter.parse("1.5", now: now))
    }

    /// The three date forms of RFC 9110 §5.6.7, measured from a fixed "now" (no clock, no time zone involved).
    func testRetryAfterHTTPDates() {
        let now = Date(timeIntervalSince1970: 784_111_747)  // Sun, 06 Nov 1994 08:49:07 GMT
        XCTAssertEqual(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now), .seconds(30))
        XCTAssertEqual(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: now), .seconds(30))
        XCTAssertEqual(RetryAfter.parse("Sun Nov  6 08:49:37 1994", now: now), .seconds(30))
        XCTAssertEqual(RetryAfter.parse("Sun, 06 Nov 1994 08:00:00 GMT", now: now), .zero, "a date in the past means now")
        XCTAssertNil(RetryAfter.parse("06/11/1994 08:49:37", now: now))
    }
}
