import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: the bytes go to a temporary file in the destination's directory
/// (`.<name>.<uuid>.tmp`), which is flushed to disk and then renamed over the destination, so a
/// crash, a kill or a full disk leaves either the old file or the new one, never a torn mix
/// (STYLE.md rule 8). A failed write removes its temporary file; the temporary file of a killed
/// write is removed by the next write of the same destination.
package enum AtomicFile {
    /// Streams the file through `body`, which appends bytes with the given writer.
    /// - Throws: `FormatError.cannotOpen` when the temporary file cannot be created,
    ///   `FormatError.cannotWrite` naming `url` and the system's reason ("No space left on device",
    ///   "File too large") when writing, flushing or renaming it fails.
    package static func write(to url: URL, _ body: (inout AtomicFileWriter) throws -> Void) throws {
        removeLeftovers(of: url, suffix: ".tmp")
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw FormatError.cannotOpen(path: url.path, reason: "cannot create temporary file \(temporary.path): \(systemError())")
        }
        var closed = false
        do {
            var writer = AtomicFileWriter(descriptor: descriptor, path: url.path)
            try body(&writer)
            try writer.flush()
            guard fsync(descriptor) == 0 else { throw FormatError.cannotWrite(path: url.path, reason: "cannot flush: \(systemError())") }
            closed = true
            guard close(descriptor) == 0 else { throw FormatError.cannotWrite(path: url.path, reason: "cannot close: \(systemError())") }
            guard rename(temporary.path, url.path) == 0 else {
                throw FormatError.cannotWrite(path: url.path, reason: "cannot rename the temporary file into place: \(systemError())")
            }
        } catch {
            if !closed { close(descriptor) }
            unlink(temporary.path)
            throw error
        }
    }

    /// Writes `data` atomically.
    package static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { writer in try writer.append(data) }
    }

    /// Removes the files `.<name of url>.<uuid><suffix>` beside `url`, and the temporary files of such files: what
    /// writes of `url` that were killed before they could clean up left behind. Only names of exactly those forms are
    /// touched.
    package static func removeLeftovers(of url: URL, suffix: String) {
        let directory = url.deletingLastPathComponent()
        let isLeftover = { (name: String) in
            guard let middle = strip(name, prefix: ".\(url.lastPathComponent).", suffix: suffix) else { return false }
            return UUID(uuidString: middle) != nil
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where isLeftover(name) || temporaryFileDestination(name).map(isLeftover) == true {
            unlink(directory.appendingPathComponent(name).path)
        }
    }

    /// The destination's name of a temporary file name `.<destination>.<uuid>.tmp`, else nil.
    static func temporaryFileDestination(_ name: String) -> String? {
        guard let middle = strip(name, prefix: ".", suffix: ".tmp"), let dot = middle.lastIndex(of: "."),
              UUID(uuidString: String(middle[middle.index(after: dot)...])) != nil else { return nil }
        return String(middle[..<dot])
    }

    private static func strip(_ name: String, prefix: String, suffix: String) -> String? {
        guard name.count >= prefix.count + suffix.count, name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        return String(name.dropFirst(prefix.count).dropLast(suffix.count))
    }
}

/// Buffered appends to the temporary file of an `AtomicFile.write`.
package struct AtomicFileWriter {
    let descriptor: Int32
    /// The destination, named in errors (and what `WriteFaultInjection` is asked about).
    let path: String
    private var buffer = Data()
    /// Bytes already on disk.
    private var bytesWritten = 0
    private static let flushThreshold = 1 << 22

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    package mutating func append(_ data: Data) throws {
        buffer.append(data)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    package mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Writes the buffered bytes to disk.
    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        let limit = WriteFaultInjection.byteLimit?(path)
        let allowed = limit.map { max(0, min(buffer.count, $0 - bytesWritten)) } ?? buffer.count
        try buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < allowed {
                let count = write(descriptor, bytes.baseAddress! + offset, allowed - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw FormatError.cannotWrite(path: path, reason: systemError()) }
                offset += count
            }
        }
        bytesWritten += allowed
        if allowed < buffer.count {
            throw FormatError.cannotWrite(path: path, reason: "\(String(cString: strerror(ENOSPC))) (injected after \(bytesWritten) bytes)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The message of the current `errno` ("File too large").
private func systemError() -> String { String(cString: strerror(errno)) }
