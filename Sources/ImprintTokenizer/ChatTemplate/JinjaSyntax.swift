/// An expression in a template, as Jinja's parser builds it.
indirect enum JinjaExpression {
    case literal(JinjaValue)
    case name(String, SourcePosition)
    case list([JinjaExpression])
    case tuple([JinjaExpression])
    case dictionary([(JinjaExpression, JinjaExpression)])
    case attribute(JinjaExpression, String, SourcePosition)
    case item(JinjaExpression, JinjaExpression, SourcePosition)
    case slice(JinjaExpression, start: JinjaExpression?, stop: JinjaExpression?, step: JinjaExpression?, SourcePosition)
    case call(JinjaExpression, [JinjaExpression], [(String, JinjaExpression)], SourcePosition)
    case filter(JinjaExpression, String, [JinjaExpression], [(String, JinjaExpression)], SourcePosition)
    case test(JinjaExpression, String, [JinjaExpression], negated: Bool, SourcePosition)
    /// `not`, unary `-` and `+`.
    case unary(String, JinjaExpression, SourcePosition)
    /// Arithmetic, `~`, comparisons, `in`/`not in`, `and`/`or`.
    case binary(String, JinjaExpression, JinjaExpression, SourcePosition)
    case conditional(then: JinjaExpression, condition: JinjaExpression, otherwise: JinjaExpression?)
}

extension JinjaExpression {
    /// Where the expression starts, for error messages (the nearest position the syntax tree records).
    var position: SourcePosition {
        switch self {
        case .name(_, let position), .attribute(_, _, let position), .item(_, _, let position),
             .slice(_, _, _, _, let position), .call(_, _, _, let position), .filter(_, _, _, _, let position),
             .test(_, _, _, _, let position), .unary(_, _, let position), .binary(_, _, _, let position):
            return position
        case .conditional(let then, _, _): return then.position
        case .list(let elements), .tuple(let elements): return elements.first?.position ?? SourcePosition(line: 0, column: 0)
        case .dictionary(let pairs): return pairs.first?.0.position ?? SourcePosition(line: 0, column: 0)
        case .literal: return SourcePosition(line: 0, column: 0)
        }
    }
}

/// A statement (block) in a template.
indirect enum JinjaStatement {
    /// The variable a filter block's chain reads its input from (not a valid template identifier).
    static let filterBlockInput = "filter block input"

    case text(String)
    case output(JinjaExpression)
    case conditional([(JinjaExpression, [JinjaStatement])], otherwise: [JinjaStatement])
    case loop(targets: [String], iterable: JinjaExpression, filter: JinjaExpression?, body: [JinjaStatement],
              otherwise: [JinjaStatement], SourcePosition)
    /// `{% set a = ... %}`, `{% set a, b = ... %}`.
    case assign(targets: [String], JinjaExpression, SourcePosition)
    /// `{% set ns.attribute = ... %}`.
    case assignAttribute(namespace: String, attribute: String, JinjaExpression, SourcePosition)
    /// `{% set name %}...{% endset %}`.
    case assignBlock(String, [JinjaStatement])
    /// `{% filter trim %}...{% endfilter %}`: the body's render, passed through the filter chain `filtered`, which
    /// reads it from the reserved variable `JinjaStatement.filterBlockInput`.
    case filterBlock(filtered: JinjaExpression, body: [JinjaStatement])
    case macro(name: String, parameters: [(String, JinjaExpression?)], body: [JinjaStatement])
    case breakLoop(SourcePosition)
    case continueLoop(SourcePosition)
}
