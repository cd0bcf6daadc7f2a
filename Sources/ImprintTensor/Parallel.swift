import Dispatch
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
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(start..<end)
        }
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
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: count) { body($0) }
    }
}
