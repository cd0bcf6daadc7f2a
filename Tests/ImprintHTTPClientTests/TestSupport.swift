import Foundation
import ImprintHTTPClient
import ImprintHTTPStubServer
import XCTest

/// The waits a `RetryPolicy` asked for; the injected sleep returns at once, so retry tests take no time.
final class RecordedWaits: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Duration] = []

    var waits: [Duration] { lock.withLock { recorded } }

    /// A policy of `maxRetries` retries with exact waits of 10, 20, 40... ms, recorded here, not slept.
    func policy(maxRetries: Int = 3, maxRetryAfter: Duration = .seconds(120)) -> RetryPolicy {
        RetryPolicy(maxRetries: maxRetries, initialDelay: .milliseconds(10), multiplier: 2, maxDelay: .seconds(1),
                    jitter: 0, maxRetryAfter: maxRetryAfter) { [self] wait in lock.withLock { recorded.append(wait) } }
    }
}

/// Runs `body` with a generator pointed at `server` (model "stub-model", 5 s timeouts, `waits`' policy), and shuts
/// its HTTP client down after.
func withGenerator<Result>(
    _ server: StubServer, waits: RecordedWaits = RecordedWaits(), environment: [String: String] = [:],
    configure: (inout OpenAICompatibleGenerator.Configuration) -> Void = { _ in },
    _ body: (OpenAICompatibleGenerator) async throws -> Result
) async throws -> Result {
    var configuration = OpenAICompatibleGenerator.Configuration(
        baseURL: server.baseURL, model: "stub-model", requestTimeout: .seconds(5), connectTimeout: .seconds(5),
        retry: waits.policy())
    configure(&configuration)
    return try await OpenAICompatibleGenerator.withGenerator(configuration: configuration, environment: environment, body)
}

/// Runs `body` with a stub server answering with `handler`, and stops the server after.
func withServer<Result>(
    _ handler: @escaping StubServer.Handler = { request, _ in .openAI(request) },
    _ body: (StubServer) async throws -> Result
) async throws -> Result {
    let server = try await StubServer.start(handler: handler)
    do {
        let result = try await body(server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

/// The error `body` throws, failing the test when it throws none or another type.
func expectError<E: Error>(_ errorType: E.Type, file: StaticString = #filePath, line: UInt = #line,
                           _ body: () async throws -> Void) async -> E? {
    do {
        try await body()
        XCTFail("expected \(E.self), but nothing was thrown", file: file, line: line)
    } catch let error as E {
        return error
    } catch {
        XCTFail("expected \(E.self), got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}
