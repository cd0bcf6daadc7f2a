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

/// A statement (block) in a template.
indirect enum JinjaStatement {
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
    case macro(name: String, parameters: [(String, JinjaExpression?)], body: [JinjaStatement])
    case breakLoop(SourcePosition)
    case continueLoop(SourcePosition)
}
