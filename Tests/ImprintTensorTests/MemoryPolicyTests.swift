#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ImprintTensor
import XCTest

/// The allocator setting is the host's choice: tensors never change it, `reuseLargeAllocations()` does.
final class MemoryPolicyTests: XCTestCase {
    #if canImport(Glibc)
    /// Whether glibc serves a fresh block of `bytes` with its own `mmap`: bit 1 (`IS_MMAPPED`) of the chunk's
    /// size word, the word before the pointer `malloc` returns (glibc malloc/malloc.c, "chunk representations").
    func servedByMmap(bytes: Int) -> Bool {
        let pointer = malloc(bytes)!
        defer { free(pointer) }
        return pointer.load(fromByteOffset: -MemoryLayout<Int>.size, as: UInt.self) & 2 != 0
    }
    #endif

    func testTensorsLeaveTheAllocatorAloneUntilTheHostAsks() throws {
        #if canImport(Glibc)
        let environment = ProcessInfo.processInfo.environment
        guard environment["IMPRINT_SYSTEM_MALLOC"] == nil else {
            throw XCTSkip("IMPRINT_SYSTEM_MALLOC is set: reuseLargeAllocations() leaves glibc alone by design")
        }
        // The first check needs glibc's default thresholds, which these variables change.
        let tuned = ["MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_TRIM_THRESHOLD_"].filter { environment[$0] != nil }
            + (environment["GLIBC_TUNABLES"]?.contains("malloc") == true ? ["GLIBC_TUNABLES"] : [])
        guard tuned.isEmpty else { throw XCTSkip("\(tuned.joined(separator: ", ")) set: glibc's malloc defaults are not in force") }
        // The policy cannot be undone, so the test process keeps it from here on; the tests after
        // this one only see more freed memory kept for reuse.
        // Library work of every kind: tensors built from values, uninitialized outputs, a large product.
        let a = randomTensor([256, 256], seed: 1), b = randomTensor([256, 256], seed: 2)
        let product = Tensor.matmul(a, b) + Tensor(shape: [256, 256], storage: [Float](repeating: 1, count: 256 * 256))
        XCTAssertEqual(product.shape, [256, 256])
        XCTAssertFalse(MemoryPolicy.isApplied)
        // glibc's default: blocks above its largest mmap threshold (32 MiB on 64-bit) are mapped afresh, unless
        // free heap space already fits them. Earlier tests in this process leave up to the trim threshold (at most
        // 64 MiB by default) free at the top of the heap, so ask for far more: 1 GiB of address space, never touched.
        XCTAssertTrue(servedByMmap(bytes: 1 << 30), "glibc's allocator settings were changed without being asked")

        XCTAssertTrue(MemoryPolicy.reuseLargeAllocations())
        XCTAssertTrue(MemoryPolicy.isApplied)
        XCTAssertFalse(servedByMmap(bytes: 1 << 30), "large blocks should come from the heap once asked")
        XCTAssertTrue(MemoryPolicy.reuseLargeAllocations(), "asking twice changes nothing")
        #else
        throw XCTSkip("MemoryPolicy tunes glibc's malloc only")
        #endif
    }
}
