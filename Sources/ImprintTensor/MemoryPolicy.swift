#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// How the process's allocator serves large tensor buffers: a setting the host program asks for.
///
/// By default glibc serves every allocation above 32 MiB with a fresh `mmap` and unmaps it on
/// free, so each large tensor (a `[512, 49152]` logits buffer is 100 MB) pays its page faults
/// again on every step — 10 to 40% of a large matrix product. `reuseLargeAllocations()` asks glibc
/// to serve large blocks from the heap and keep freed memory for reuse (`M_MMAP_MAX = 0`,
/// `M_TRIM_THRESHOLD` -1, no trimming, `M_ARENA_MAX = 1`: one heap for all threads), the CPU
/// analogue of PyTorch's caching allocator on GPUs.
/// The cost is that the process keeps its peak heap; `releaseCachedMemory()` gives it back.
///
/// The setting is process-wide, so the library never applies it by itself: a program that trains
/// or generates calls it once at the start (`imprint`, the examples and the benchmarks do).
///
/// ```swift
/// MemoryPolicy.reuseLargeAllocations()   // first thing in main, before the first large tensor
/// ```
public enum MemoryPolicy {
    private static let lock = NSLock()
    private static var appliedState = false

    /// Whether `reuseLargeAllocations()` changed glibc's settings in this process.
    public static var isApplied: Bool {
        lock.lock()
        defer { lock.unlock() }
        return appliedState
    }

    /// Keeps freed large blocks in the heap for reuse (glibc only; elsewhere it does nothing).
    ///
    /// Idempotent. `IMPRINT_SYSTEM_MALLOC=1` in the environment leaves glibc's defaults alone.
    /// - Returns: whether the settings are applied now.
    @discardableResult
    public static func reuseLargeAllocations() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        #if canImport(Glibc)
        if !appliedState && getenv("IMPRINT_SYSTEM_MALLOC") == nil {
            _ = glibcMallopt(-4, 0)  // M_MMAP_MAX in <malloc.h>
            _ = glibcMallopt(-1, -1)  // M_TRIM_THRESHOLD: -1 turns trimming off (Int32.max still trimmed a top chunk over 2 GiB)
            // M_ARENA_MAX: one arena. Work started from Swift concurrency's threads (an async command) otherwise
            // allocates in per-thread arenas, whose heaps hand pages back and fault them in again: 4% of an
            // evaluation's time was the kernel zeroing pages (`imprint eval`, 256 answers: 33.8-36.2 s -> 32.8 s).
            _ = glibcMallopt(-8, 1)
            appliedState = true
        }
        #endif
        return appliedState
    }

    /// Returns freed heap memory to the operating system (`malloc_trim(0)`).
    public static func releaseCachedMemory() {
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if canImport(Glibc)
// <malloc.h> is not part of the Glibc module map; these are its two functions we use.

/// glibc's `int mallopt(int param, int value)`.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

/// glibc's `int malloc_trim(size_t pad)`.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
