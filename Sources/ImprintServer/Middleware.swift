import Foundation
import Hummingbird
import ImprintServerRequests
import Logging

/// Turns every error into an OpenAI error body: `APIError`s as they are, the router's own errors
/// (unknown URL, 413...) with their status, anything else as a 500 whose details stay in the log.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let closing as ClosingConnection {
            var response = self.response(for: closing.error, request)
            response.headers[.connection] = "close"
            return response
        } catch {
            return self.response(for: error, request)
        }
    }

    func response(for error: any Error, _ request: Request) -> Response {
        switch error {
        case let error as APIError:
            return error.response
        case let error as any HTTPResponseError:
            if error.status == .notFound { return APIError.notFound(method: request.method, path: request.uri.path).response }
            return APIError(status: error.status, message: error.status.reasonPhrase,
                            type: error.status.code >= 500 ? "server_error" : "invalid_request_error").response
        case is CancellationError:
            // The client went away; nobody reads this.
            return APIError(status: .init(code: 499, reasonPhrase: "Client Closed Request"), message: "The request was cancelled.").response
        default:
            logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            return APIError.internalError.response
        }
    }
}

/// An error thrown after the request's connection was given up for reading (`cancellingOnDisconnect`): the
/// server closes that connection after the response, so the response says `Connection: close`.
struct ClosingConnection: Error {
    let error: any Error
}

/// One log line per request: method, path, status and the time to the response head (for a stream,
/// the time to its first byte). Never the body.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("\(request.method) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", milliseconds)) ms")
        return response
    }
}

/// Refuses (401) every request without `Authorization: Bearer <key>`.
///
/// The comparison takes the same time whatever the first differing byte, so response times do not
/// reveal the key byte by byte.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: [UInt8]

    init(key: String) {
        self.key = Array(key.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], BearerToken.matches(header: Array(header.utf8), key: key) else {
            return APIError.unauthorized.response
        }
        return try await next(request, context)
    }
}

/// The `Authorization: Bearer <key>` check.
enum BearerToken {
    /// Whether `header` is `Bearer ` (any case) followed by exactly `key`; the time taken depends on the key's
    /// length only (the scheme is no secret).
    static func matches(header: [UInt8], key: [UInt8]) -> Bool {
        guard header.count >= 7, String(decoding: header.prefix(7), as: UTF8.self).lowercased() == "bearer " else { return false }
        let given = Array(header.dropFirst(7))
        var difference: UInt8 = given.count == key.count ? 0 : 1
        for (index, expected) in key.enumerated() {
            difference |= expected ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
