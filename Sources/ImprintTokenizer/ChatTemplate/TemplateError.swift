/// A chat template that cannot be parsed or rendered. Every case carries the 1-based line and column in the
/// template source, so that an unsupported construct is reported where it is, never rendered wrongly.
public struct TemplateError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        /// The source is not valid Jinja (or uses syntax this engine does not implement).
        case syntax
        /// A filter, test, method or construct this engine does not implement.
        case unsupported
        /// An error while rendering: wrong types, undefined attribute access, ...
        case runtime
        /// The template called `raise_exception(message)`.
        case raised
        /// The render went past one of `ChatTemplate.Limits` (the message names it).
        case limitExceeded
    }

    public let kind: Kind
    public let message: String
    public let line: Int
    public let column: Int

    public init(_ kind: Kind, _ message: String, line: Int, column: Int) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String { "chat template line \(line), column \(column): \(message)" }
}

/// A position in the template source (1-based line and column).
struct SourcePosition: Sendable, Equatable {
    var line: Int
    var column: Int
}
