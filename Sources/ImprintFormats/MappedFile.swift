import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only, memory-mapped file whose bytes stay valid for the lifetime of the object.
///
/// Weight files are hundreds of megabytes; mapping them lets the kernel page in only what is
/// read and share pages between processes. `bytes` is a plain `UnsafeRawBufferPointer`, so hot
/// loops (dequantization, float conversion) read it without `Data` closures or copies.
public final class MappedFile: @unchecked Sendable {
    /// The file this mapping was made from.
    public let url: URL
    /// The whole file. Empty for an empty file.
    public let bytes: UnsafeRawBufferPointer

    private let mappedLength: Int

    /// Maps `url` read-only.
    /// - Throws: `FormatError.cannotOpen` when the file cannot be opened, sized or mapped.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw FormatError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw FormatError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw FormatError.cannotOpen(path: path, reason: "not a regular file")
        }
        let length = Int(status.st_size)
        if length == 0 {
            mappedLength = 0
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0),
              address != MAP_FAILED else {
            throw FormatError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        mappedLength = length
        bytes = UnsafeRawBufferPointer(start: address, count: length)
    }

    deinit {
        if mappedLength > 0, let address = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: address), mappedLength)
        }
    }

    /// The file's length in bytes.
    public var count: Int { bytes.count }
}
