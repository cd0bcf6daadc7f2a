import Foundation

/// A compiled Jinja chat template, rendered exactly as `transformers`' `apply_chat_template(..., tokenize=False)`
/// renders it: `trim_blocks` and `lstrip_blocks` on, `tojson` with `ensure_ascii=False`, `raise_exception` and
/// `strftime_now` available, the loop-control extension (`break`, `continue`) enabled.
///
/// ```swift
/// let template = try ChatTemplate(tokenizer.chatTemplate!)
/// let prompt = try template.render(messages: [["role": "user", "content": "Hi"]], addGenerationPrompt: true,
///                                  variables: ["bos_token": .string("<s>")])
/// ```
public struct ChatTemplate: @unchecked Sendable {
    public let source: String
    private let statements: [JinjaStatement]
    /// What one render may use (macro depth, `range()` length, steps, text length); see `Limits`.
    public var limits: Limits

    /// Parses `source`, its nesting held to `limits.maximumNestingDepth`.
    /// - Throws: `TemplateError` with the line and column of the first syntax error, or of kind `.limitExceeded`.
    public init(_ source: String, limits: Limits = Limits()) throws {
        self.source = source
        self.limits = limits
        var parser = JinjaParser(parts: try JinjaLexer(source).parts(), maximumNestingDepth: limits.maximumNestingDepth)
        statements = try parser.parseTemplate()
    }

    /// Renders with the given variables (`messages`, `add_generation_prompt`, `bos_token`, `tools`, ...).
    ///
    /// - Parameters:
    ///   - now: the time `strftime_now` formats; `nil` reads the real clock, as transformers does. Pass a fixed
    ///     time for renders that must not depend on the day (tests, reproducible datasets).
    ///   - timeZone: the zone whose wall-clock time `strftime_now` formats (Python formats the local time).
    /// - Throws: `TemplateError` naming the line and column of the failing construct, or `raise_exception`'s message;
    ///   of kind `.limitExceeded` when the render goes past `limits`.
    public func render(_ variables: [String: JinjaValue], now: Date? = nil, timeZone: TimeZone = .current) throws -> String {
        let scope = JinjaScope(parent: nil)
        scope.variables = variables
        var output = ""
        let interpreter = JinjaInterpreter(now: now ?? Date(), timeZone: timeZone, budget: RenderBudget(limits))
        _ = try interpreter.render(statements, scope: JinjaScope(parent: scope), into: &output)
        return output
    }

    /// Renders a conversation the way `apply_chat_template` does: `messages`, `add_generation_prompt`, `tools`
    /// and `documents` (none unless given), then every extra variable (special tokens such as `bos_token`).
    /// `now` and `timeZone` set the time `strftime_now` formats (default: the real clock, local time).
    public func render(messages: [JinjaValue], addGenerationPrompt: Bool, tools: [JinjaValue]? = nil,
                       variables: [String: JinjaValue] = [:], now: Date? = nil,
                       timeZone: TimeZone = .current) throws -> String {
        var context: [String: JinjaValue] = ["tools": .none, "documents": .none]
        for (key, value) in variables { context[key] = value }
        context["messages"] = .array(Self.aliasingReasoningFields(messages))
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        if let tools { context["tools"] = .array(tools) }
        return try render(context, now: now, timeZone: timeZone)
    }
}

extension ChatTemplate {
    /// The message fields transformers treats as a turn's reasoning, in the order it looks for one.
    static let reasoningFields = ["reasoning_content", "thinking", "reasoning"]

    /// transformers' `_alias_reasoning_fields`: a message with reasoning under any of its names gets it under
    /// `thinking` (first, unless present) and `reasoning_content` too, as `{"thinking": r, **message,
    /// "reasoning_content": r}` builds it.
    public static func aliasingReasoningFields(_ messages: [JinjaValue]) -> [JinjaValue] {
        messages.map { message in
            guard case .object(let fields) = message else { return message }
            let reasoning = reasoningFields.lazy.compactMap { name -> JinjaValue? in
                guard let value = fields[name], value != .none, value != .undefined else { return nil }
                return value
            }.first
            guard let reasoning else { return message }
            var aliased = OrderedDictionary([("thinking", reasoning)])
            for (key, value) in fields.pairs { aliased[key] = value }
            aliased["reasoning_content"] = reasoning
            return .object(aliased)
        }
    }
}

extension JinjaValue {
    /// A message `{"role": role, "content": content}`.
    public static func message(role: String, content: String) -> JinjaValue {
        .object(OrderedDictionary([("role", .string(role)), ("content", .string(content))]))
    }
}
