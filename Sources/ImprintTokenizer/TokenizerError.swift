import Foundation

/// A failure to load or use a tokenizer. Every case names the file (or source) and the field at fault,
/// so that a malformed `tokenizer.json` or GGUF vocabulary is reported as "what, where, expected".
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A required field is missing. `file` is the path (or a description of the source), `field` a JSON path.
    case missingField(file: String, field: String)
    /// A field holds a value of the wrong shape, e.g. a number where a string was expected.
    case invalidField(file: String, field: String, expected: String)
    /// A component type (model, normalizer, pre-tokenizer, decoder, post-processor) this library does not implement.
    case unsupportedType(file: String, field: String, type: String)
    /// A regular expression in the file could not be compiled.
    case invalidPattern(file: String, field: String, pattern: String)
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// The file goes past one of the limits that keep a crafted file from exhausting the process, e.g. JSON
    /// nested deeper than `JinjaJSON.defaultMaximumDepth`. `what` names the measure and where it was exceeded.
    case limitExceeded(file: String, what: String, limit: Int)

    public var description: String {
        switch self {
        case let .missingField(file, field):
            return "\(file): missing field '\(field)'"
        case let .invalidField(file, field, expected):
            return "\(file): field '\(field)' is invalid, expected \(expected)"
        case let .unsupportedType(file, field, type):
            return "\(file): field '\(field)' has unsupported type '\(type)'"
        case let .invalidPattern(file, field, pattern):
            return "\(file): field '\(field)' holds a regular expression that does not compile: \(pattern)"
        case let .unreadable(file, reason):
            return "\(file): cannot be read: \(reason)"
        case let .limitExceeded(file, what, limit):
            return "\(file): \(what) exceeds the limit of \(limit)"
        }
    }
}
