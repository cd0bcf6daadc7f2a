import Foundation

/// When a failed request is sent again: exponential backoff with jitter, or the wait a server asks for.
///
/// Only failures that say "try again later" are retried: a connection that could not be opened or broke, a
/// request that timed out, and HTTP 429, 502, 503 and 504. Every other status (400, 401, 404, 422, 500, 501...)
/// says the request itself failed and is reported at once.
///
/// The wait before retry `k` (1-based) is `min(maxDelay, initialDelay * multiplier^(k-1))`, scaled by a random
/// factor in `[1 - jitter, 1]` so that many clients refused at once do not come back at once (AWS's "equal
/// jitter" with `jitter = 0.5`). A `Retry-After` header (seconds, or an HTTP date) replaces that wait; one
/// longer than `maxRetryAfter` ends the retries with the error.
///
/// ```swift
/// RetryPolicy()  // 4 retries, waits of about 0.5, 1, 2, 4 s
/// ```
public struct RetryPolicy: Sendable {
    /// Retries after the first attempt (0: never retry).
    public var maxRetries: Int
    /// The wait before the first retry.
    public var initialDelay: Duration
    /// The factor between successive waits.
    public var multiplier: Double
    /// The longest backoff wait.
    public var maxDelay: Duration
    /// The random share taken off each backoff wait, in [0, 1] (0: exact waits).
    public var jitter: Double
    /// The longest `Retry-After` honoured; a server asking for more ends the retries.
    public var maxRetryAfter: Duration
    /// How the client waits; tests pass one that records the waits and returns at once.
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(maxRetries: Int = 4, initialDelay: Duration = .milliseconds(500), multiplier: Double = 2,
                maxDelay: Duration = .seconds(30), jitter: Double = 0.5, maxRetryAfter: Duration = .seconds(120),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        precondition(maxRetries >= 0 && multiplier >= 1 && (0...1).contains(jitter),
                     "RetryPolicy: maxRetries \(maxRetries) >= 0, multiplier \(multiplier) >= 1, jitter \(jitter) in [0, 1]")
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
        self.sleep = sleep
    }

    /// No retries: every failure is reported at once.
    public static var never: RetryPolicy { RetryPolicy(maxRetries: 0) }

    /// The backoff wait before retry `retry` (1-based), `random` in [0, 1) drawing the jitter.
    func backoff(beforeRetry retry: Int, random: Double) -> Duration {
        let seconds = initialDelay.seconds * pow(multiplier, Double(retry - 1))
        let capped = min(seconds, maxDelay.seconds)
        return .seconds(capped * (1 - jitter * random))
    }

    /// Whether an HTTP status says "try again later".
    static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 502 || status == 503 || status == 504
    }
}

/// The `Retry-After` header (RFC 9110 §10.2.3): a number of seconds, or an HTTP date.
enum RetryAfter {
    /// The wait `value` asks for, measured from `now`; zero for a date in the past, nil when unreadable.
    ///
    /// `"120"` -> 120 s; `"Wed, 21 Oct 2015 07:28:00 GMT"` with now 07:27:30 -> 30 s.
    static func parse(_ value: String, now: Date) -> Duration? {
        // Runs of spaces become one: asctime pads a one-digit day ("Sun Nov  6 08:49:37 1994").
        let text = value.split(separator: " ").joined(separator: " ")
        if let seconds = Int(text) { return seconds >= 0 ? .seconds(seconds) : nil }
        guard let date = httpDate(text) else { return nil }
        return .seconds(max(0, date.timeIntervalSince(now)))
    }

    /// An HTTP date in the preferred IMF-fixdate form, or the obsolete RFC 850 and asctime forms.
    static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
