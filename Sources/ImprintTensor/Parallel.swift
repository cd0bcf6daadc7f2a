import CImprintKernels
import Foundation

/// How many threads Imprint's kernels use: products, attention, element-wise passes and the
/// sampler split their work over this many (the calling thread and workers of a persistent pool).
///
/// The default is every core the process may run on, or `IMPRINT_THREADS` when the environment sets
/// it; a host that shares the machine sets `threadCount` (or the variable) lower. Results depend on
/// the thread count only through how work is split into chunks, so a fixed count gives the same bits
/// run after run (decoding, training and resume rely on it); a different count may change the last
/// bits of sums. Set it before work starts, not while products run on other threads.
public enum Parallelism {
    /// `IMPRINT_THREADS` when set to a positive integer, else the active processor count.
    public static let defaultThreadCount: Int = {
        if let value = ProcessInfo.processInfo.environment["IMPRINT_THREADS"], let threads = Int(value), threads > 0 {
            return threads
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// The thread count in use (`defaultThreadCount` until set). Values below 1 are refused.
    public static var threadCount: Int {
        get {
            let chosen = imprint_thread_count()
            return chosen > 0 ? chosen : defaultThreadCount
        }
        set {
            precondition(newValue >= 1, "Parallelism.threadCount must be at least 1, got \(newValue)")
            imprint_set_thread_count(newValue)
        }
    }
}

/// The number of threads kernels split their work over: `Parallelism.threadCount`.
public var parallelWorkerCount: Int { Parallelism.threadCount }

/// Runs `body` over consecutive chunks of `0..<count`, in parallel when there is enough work.
///
/// - Parameter grain: the smallest chunk worth a thread; below `2 * grain` items it runs inline.
/// Chunks are contiguous and their boundaries depend only on `count`, `grain` and the core count,
/// so results are reproducible run to run on one machine.
@inlinable
public func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = min(parallelWorkerCount, count / max(grain, 1))
    if chunks <= 1 {
        body(0..<count)
        return
    }
    runOnWorkers(chunks) { chunk in
        let start = count * chunk / chunks
        let end = count * (chunk + 1) / chunks
        body(start..<end)
    }
}

/// Runs `body` over consecutive chunks of `0..<count`: at least `piecesPerThread` per thread, and
/// more for a long loop (chunks of about `target` items), each at least `minimum` items and starting
/// at a multiple of `alignment`. Threads take the next chunk as they become free, so a thread that
/// starts late (a worker waking) or runs slower does less, rather than the others waiting for its
/// half. For loops whose items are independent (the rows of a decoding product): the boundaries
/// change which thread computes an item, never its value.
@inlinable
public func parallelForPieces(_ count: Int, alignment: Int, minimum: Int, target: Int, piecesPerThread: Int = 8,
                              _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let units = (count + alignment - 1) / alignment
    let threads = parallelWorkerCount
    let pieces = threads == 1 ? 1 : min(units, count / max(minimum, 1), max(piecesPerThread * threads, count / max(target, 1)))
    if pieces <= 1 {
        body(0..<count)
        return
    }
    runOnWorkers(pieces) { piece in
        let start = min(count, units * piece / pieces * alignment)
        let end = min(count, units * (piece + 1) / pieces * alignment)
        if start < end { body(start..<end) }
    }
}

/// Runs `body(index)` for every index in `0..<count`, spreading indices over the cores.
@inlinable
public func parallelForEach(_ count: Int, _ body: (Int) -> Void) {
    guard count > 0 else { return }
    if count == 1 || parallelWorkerCount == 1 {
        for index in 0..<count { body(index) }
        return
    }
    runOnWorkers(count, body)
}

/// Runs `task(index)` for `0..<count` on the calling thread and the worker pool of
/// `CImprintKernels` (`imprint_pool_run`: persistent threads that spin briefly between jobs, so
/// short loops, such as a decoding step's products, are worth splitting).
@usableFromInline
func runOnWorkers(_ count: Int, _ task: (Int) -> Void) {
    withoutActuallyEscaping(task) { task in
        var job = task
        withUnsafeMutablePointer(to: &job) { pointer in
            imprint_pool_run(count, parallelWorkerCount, { context, index in
                context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
            }, pointer)
        }
    }
}
