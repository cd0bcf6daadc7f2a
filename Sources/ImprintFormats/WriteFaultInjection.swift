/// Write failures injected by tests, to prove that a write failing half-way (a full disk) leaves every file written
/// before it intact: checkpoints, adapters, safetensors, GGUF and `.npy` files all go through `AtomicFile`, which
/// consults this hook. Package-internal; nothing sets it outside the tests.
package enum WriteFaultInjection {
    /// How many bytes a write to `path` (the destination `AtomicFile.write` was given, not its temporary file) may
    /// put on disk before it fails as a full disk fails it (`ENOSPC`); nil lets it through. 0 fails the file before
    /// its first byte.
    ///
    /// Tests set it and reset it to `nil` themselves; it is not synchronized (XCTest runs one test at a time).
    nonisolated(unsafe) package static var byteLimit: ((_ path: String) -> Int?)? = nil
}
