import NIOConcurrencyHelpers

/// A counting semaphore for async code: at most `limit` holders at once, the others wait first come, first served.
///
/// A waiting task that is cancelled stops waiting and throws `CancellationError`.
final class RequestSlots: Sendable {
    private struct State {
        var free: Int
        var nextWaiter: UInt64 = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, Error>)] = []
    }

    private let state: NIOLockedValueBox<State>

    init(limit: Int) {
        precondition(limit >= 1, "RequestSlots: limit \(limit) must be at least 1")
        state = NIOLockedValueBox(State(free: limit))
    }

    /// Runs `body` holding one slot.
    func withSlot<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                state.withLockedValue { state in
                    // Checked under the lock: a cancellation handler that ran before this point found no waiter to
                    // remove, so the flag it set is seen here.
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else if state.free > 0 {
                        state.free -= 1
                        continuation.resume()
                    } else {
                        state.waiters.append((id, continuation))
                    }
                }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func release() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Error>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
