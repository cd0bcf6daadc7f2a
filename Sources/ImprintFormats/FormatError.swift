import Foundation

/// A malformed or unreadable file. Every case names the file, the field (metadata key, tensor
/// name, header entry) and what was expected, so the message alone says what to fix.
public enum FormatError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file could not be opened, sized or mapped.
    case cannotOpen(path: String, reason: String)
    /// Writing the file failed part-way (a full disk, a file-size limit): the file keeps its old contents.
    case cannotWrite(path: String, reason: String)
    /// A read of `needed` bytes at `offset` ran past the end of the file (`fileSize` bytes).
    case truncated(path: String, field: String, offset: Int, needed: Int, fileSize: Int)
    /// The file does not start with the expected magic bytes.
    case badMagic(path: String, expected: String, found: String)
    /// The container version is not one this reader understands.
    case unsupportedVersion(path: String, version: Int, supported: [Int])
    /// A value (or header entry) is present but invalid; `expected` says what would be valid.
    case invalidValue(path: String, field: String, expected: String, found: String)
    /// A required metadata key or header entry is missing.
    case missingKey(path: String, key: String, expected: String)
    /// A metadata key holds a value of another type than the caller asked for.
    case typeMismatch(path: String, key: String, expected: String, found: String)
    /// No tensor of that name exists in the file (or in any shard).
    case unknownTensor(path: String, name: String)
    /// A tensor's data lies (partly) outside the file's data section.
    case tensorOutOfBounds(path: String, tensor: String, start: Int, end: Int, available: Int)
    /// A tensor's element type is known but cannot be converted to Float32 by this library.
    case unsupportedTensorType(path: String, tensor: String, type: String, supported: [String])

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open: \(reason)"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write: \(reason)"
        case let .truncated(path, field, offset, needed, fileSize):
            return "\(path): truncated while reading \(field): expected \(needed) bytes at offset \(offset), "
                + "but the file has \(fileSize) bytes"
        case let .badMagic(path, expected, found):
            return "\(path): bad magic: expected \(expected), found \(found)"
        case let .unsupportedVersion(path, version, supported):
            return "\(path): unsupported version \(version): expected one of \(supported)"
        case let .invalidValue(path, field, expected, found):
            return "\(path): invalid \(field): expected \(expected), found \(found)"
        case let .missingKey(path, key, expected):
            return "\(path): missing \(key): expected \(expected)"
        case let .typeMismatch(path, key, expected, found):
            return "\(path): \(key): expected \(expected), found \(found)"
        case let .unknownTensor(path, name):
            return "\(path): no tensor named \"\(name)\""
        case let .tensorOutOfBounds(path, tensor, start, end, available):
            return "\(path): tensor \"\(tensor)\" spans bytes \(start)..<\(end) of its data section, "
                + "expected them within 0..<\(available)"
        case let .unsupportedTensorType(path, tensor, type, supported):
            return "\(path): tensor \"\(tensor)\" has type \(type): expected one of \(supported.joined(separator: ", "))"
        }
    }

    public var errorDescription: String? { description }
}
