import CImprintKernels
import Foundation

/// The number of worker threads element-wise and attention kernels split their work over.
public let parallelWorkerCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

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
