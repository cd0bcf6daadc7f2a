import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: the bytes go to a temporary file in the destination's directory,
/// which is flushed and then renamed over the destination, so a crash leaves either the old
/// file or the new one, never a torn mix (STYLE.md rule 8).
enum AtomicFile {
    /// Streams the file through `body`, which appends bytes with the given writer.
    static func write(to url: URL, _ body: (inout AtomicFileWriter) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw FormatError.cannotOpen(path: url.path, reason: "cannot create temporary file \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            var writer = AtomicFileWriter(handle: handle, path: url.path)
            do {
                try body(&writer)
                try writer.flush()
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(temporary.path, url.path) == 0 else {
                throw FormatError.cannotOpen(path: url.path,
                                             reason: "cannot rename temporary file: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Writes `data` atomically.
    static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { writer in try writer.append(data) }
    }
}

/// Buffered appends to the temporary file of an `AtomicFile.write`.
struct AtomicFileWriter {
    let handle: FileHandle
    let path: String
    private var buffer = Data()
    private static let flushThreshold = 1 << 22

    init(handle: FileHandle, path: String) {
        self.handle = handle
        self.path = path
    }

    mutating func append(_ data: Data) throws {
        buffer.append(data)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw FormatError.cannotOpen(path: path, reason: "write failed: \(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
