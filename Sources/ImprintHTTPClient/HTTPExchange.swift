import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP exchange with an OpenAI-compatible server, retried as `RetryPolicy` says: the transport under
/// `OpenAICompatibleGenerator` (and its `servedModels`).
struct HTTPExchange: Sendable {
    let httpClient: HTTPClient
    /// Sent as `Authorization: Bearer`, and blanked out of every message.
    let apiKey: String?
    /// Timeouts, retry policy and body limit; the rest is not used here.
    let configuration: OpenAICompatibleGenerator.Configuration

    /// Sends `body` (JSON) to `url`, retrying transient failures; the 2xx body and the attempts it took.
    ///
    /// - Throws: `OpenAICompatibleServerError` after the last attempt; `CancellationError`.
    func send(_ method: HTTPMethod, _ url: String, body: Data? = nil) async throws -> (Data, Int) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let policy = configuration.retry
        var attempts = 1
        while true {
            try Task.checkCancellation()
            switch try await attempt(request) {
            case .answered(let data):
                return (data, attempts)
            case .failed(let failure, let retryable, let retryAfter):
                guard retryable && attempts <= policy.maxRetries else {
                    throw OpenAICompatibleServerError(url: OpenAICompatibleGenerator.displayURL(url), failure: failure, attempts: attempts)
                }
                if let retryAfter, retryAfter > policy.maxRetryAfter, case .status(let status, let message) = failure {
                    throw OpenAICompatibleServerError(
                        url: OpenAICompatibleGenerator.displayURL(url),
                        failure: .retryAfterTooLong(status: status, seconds: retryAfter.seconds, message: message),
                        attempts: attempts)
                }
                try await policy.sleep(retryAfter ?? policy.backoff(beforeRetry: attempts, random: Double.random(in: 0..<1)))
                attempts += 1
            }
        }
    }

    /// What one HTTP exchange gave.
    private enum Attempt {
        case answered(Data)
        /// `retryAfter`: the server's `Retry-After`, when it sent one.
        case failed(OpenAICompatibleServerError.Failure, retryable: Bool, retryAfter: Duration?)
    }

    /// One HTTP exchange, its failure classified; throws only `CancellationError`.
    private func attempt(_ request: HTTPClientRequest) async throws -> Attempt {
        do {
            let response = try await httpClient.execute(request, timeout: OpenAICompatibleGenerator.timeAmount(configuration.requestTimeout))
            let data = Data(try await response.body.collect(upTo: configuration.maxResponseBytes).readableBytesView)
            if (200..<300).contains(response.status.code) { return .answered(data) }
            let status = Int(response.status.code)
            return .failed(.status(status, message: redacted(OpenAIWire.errorMessage(in: data))),
                           retryable: RetryPolicy.isRetryable(status: status),
                           retryAfter: response.headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: Date()) })
        } catch let error as HTTPClientError where error == .cancelled {
            throw CancellationError()
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .connectTimeout {
            return .failed(.timedOut("opening a connection took longer than \(configuration.connectTimeout)"),
                           retryable: true, retryAfter: nil)
        } catch let error as HTTPClientError where Self.timeouts.contains(error) {
            return .failed(.timedOut("no complete answer within the request timeout of \(configuration.requestTimeout)"),
                           retryable: true, retryAfter: nil)
        } catch let error as HTTPClientError where error == .remoteConnectionClosed || error == .uncleanShutdown {
            return .failed(.connection("the server closed the connection (\(error))"), retryable: true, retryAfter: nil)
        } catch let error as HTTPClientError {
            // The request could not be sent at all (a shut-down client, an invalid URL): retrying cannot help.
            return .failed(.connection(redacted("\(error)")), retryable: false, retryAfter: nil)
        } catch let error as NIOTooManyBytesError {
            return .failed(.malformedResponse("the body is longer than maxResponseBytes (\(configuration.maxResponseBytes)): \(error)"),
                           retryable: false, retryAfter: nil)
        } catch let error as IOError {
            // A system call failed (connection refused or reset): its errno says it best.
            return .failed(.connection("\(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode))"),
                           retryable: true, retryAfter: nil)
        } catch {
            // Other transport errors: DNS, TLS, SwiftNIO's channel errors.
            return .failed(.connection(redacted("\(error)")), retryable: true, retryAfter: nil)
        }
    }

    /// AsyncHTTPClient's timeouts.
    private static let timeouts: [HTTPClientError] = [
        .deadlineExceeded, .readTimeout, .writeTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout,
    ]

    /// `text` with the API key replaced by `[redacted]` (a server may quote the request's headers in an error).
    private func redacted(_ text: String) -> String {
        guard let apiKey else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }
}
