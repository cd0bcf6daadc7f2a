extension ChatTemplate {
    /// What one render may use. Templates come inside downloaded GGUF and `tokenizer_config.json` files, so a
    /// crafted one must stop with an error instead of overflowing the stack, looping for hours or filling memory.
    /// A render past a limit throws `TemplateError` of kind `.limitExceeded` naming the limit. The defaults are
    /// far above what real chat templates use (the llama.cpp and Hugging Face templates in the tests render with a
    /// macro depth of 10, 2,000 steps and a nesting depth of 20); an app that renders unusual templates may raise
    /// them.
    public struct Limits: Sendable, Equatable {
        /// Macro calls nested inside one another (a macro calling itself counts once per level). Python's Jinja
        /// stops between 150 and 200 levels (its recursion limit of 1000 frames); each level here takes a few
        /// kilobytes of stack, so 200 levels stay within a 512 KB secondary thread's stack in a release build.
        public var maximumCallDepth = 200
        /// Statements nested in one another (`if`, `for`, `macro`, ...), and the depth of one tag's expression
        /// (brackets, unary operators, and the operators, filters and calls chained in each; an upper bound on the
        /// depth of its syntax tree), checked while parsing. Parsing and rendering recurse once per level.
        public var maximumNestingDepth = 200
        /// The most numbers one `range()` may produce: `jinja2.sandbox.MAX_RANGE`, which transformers' sandboxed
        /// environment applies. Also the longest list `list * n` may build.
        public var maximumRangeLength = 100_000
        /// Loop iterations (a loop's `if` filter tests included) and macro calls in one render, all together:
        /// the work a template can do beyond one pass over its own text.
        public var maximumSteps = 1_000_000
        /// UTF-8 bytes of the rendered text, of the text captured by a macro or `{% set %}` block, and of any
        /// string a template builds (`~`, `+`, `*`, `tojson`, `indent`).
        public var maximumOutputLength = 10 << 20
        /// How deeply a value that `{% set %}` stores may nest (lists, dicts, tuples and namespaces inside one
        /// another): as deep as the JSON the tokenizer files may hold. Printing, comparing and releasing a value
        /// recurse once per level, so a loop that wraps a value in itself must stop here instead of overflowing the
        /// stack.
        public var maximumValueDepth = 512
        /// The items that `{% set %}` statements store, counted over the whole render (each store walks its value to
        /// check its depth, and that a namespace does not come to hold itself).
        public var maximumStoredItems = 10_000_000

        public init() {}
    }
}

/// The running totals of one render against its `ChatTemplate.Limits`; shared by the interpreter and the macros
/// it defines (which capture a copy of the interpreter struct), hence a class.
final class RenderBudget {
    let limits: ChatTemplate.Limits
    private(set) var steps = 0
    private(set) var callDepth = 0
    /// Where the last step was (the start of the template before any): where text a loop or macro repeats is
    /// reported when it grows too long.
    private(set) var lastStepPosition = SourcePosition(line: 1, column: 1)

    init(_ limits: ChatTemplate.Limits) { self.limits = limits }

    static func exceeded(_ message: String, _ position: SourcePosition) -> TemplateError {
        TemplateError(.limitExceeded, message, line: position.line, column: position.column)
    }

    /// Counts one loop iteration or macro call.
    func step(at position: SourcePosition) throws {
        steps += 1
        lastStepPosition = position
        guard steps <= limits.maximumSteps else {
            throw Self.exceeded("the render takes more than \(limits.maximumSteps) steps (loop iterations and macro "
                                + "calls; ChatTemplate.Limits.maximumSteps)", position)
        }
    }

    /// Runs `body` as one level deeper of macro calls.
    func call<Result>(at position: SourcePosition, _ body: () throws -> Result) throws -> Result {
        try step(at: position)
        guard callDepth < limits.maximumCallDepth else {
            throw Self.exceeded("macro calls nest deeper than \(limits.maximumCallDepth) levels "
                                + "(ChatTemplate.Limits.maximumCallDepth)", position)
        }
        callDepth += 1
        defer { callDepth -= 1 }
        return try body()
    }

    /// Checks the length of text the template rendered or built.
    func checkLength(_ text: String, at position: SourcePosition) throws {
        try checkLength(text.utf8.count, at: position)
    }

    /// Checks a text length (in UTF-8 bytes) before or after building the text.
    func checkLength(_ length: Int, at position: SourcePosition) throws {
        guard length <= limits.maximumOutputLength else { throw textTooLong(at: position) }
    }

    func textTooLong(at position: SourcePosition) -> TemplateError {
        Self.exceeded("text longer than \(limits.maximumOutputLength) bytes (ChatTemplate.Limits.maximumOutputLength)", position)
    }

    /// Items walked by `checkStored` so far.
    private(set) var storedItems = 0

    /// Checks a value that `{% set %}` is about to store (into `namespace` for `{% set ns.attribute = ... %}`): it
    /// nests at most `maximumValueDepth` levels and does not reach `namespace` (a namespace holding itself would
    /// print, compare and serialize without end). Walks the value without recursion; namespaces reached twice are
    /// walked once.
    func checkStored(_ value: JinjaValue, into namespace: JinjaNamespace?, at position: SourcePosition) throws {
        let maximumDepth = limits.maximumValueDepth
        var pending: [(value: JinjaValue, depth: Int)] = [(value, 1)]
        var seenNamespaces: Set<ObjectIdentifier> = []
        while let (value, depth) = pending.popLast() {
            storedItems += 1
            guard storedItems <= limits.maximumStoredItems else {
                throw Self.exceeded("`set` statements store more than \(limits.maximumStoredItems) items in one render "
                                    + "(ChatTemplate.Limits.maximumStoredItems)", position)
            }
            let children: [JinjaValue]
            switch value {
            case .array(let values), .tuple(let values), .generator(let values): children = values
            case .object(let dictionary): children = dictionary.pairs.map(\.1)
            case .namespace(let inner):
                if let namespace, inner === namespace {
                    throw Self.exceeded("a namespace cannot hold itself (its attribute would reach the namespace "
                                        + "being written, and printing it would never end)", position)
                }
                guard seenNamespaces.insert(ObjectIdentifier(inner)).inserted else { continue }
                children = inner.attributes.pairs.map(\.1)
            default: continue
            }
            guard !children.isEmpty else { continue }
            guard depth < maximumDepth else {
                throw Self.exceeded("a value nested deeper than \(maximumDepth) levels (lists, dicts and namespaces "
                                    + "inside one another; ChatTemplate.Limits.maximumValueDepth)", position)
            }
            for child in children { pending.append((child, depth + 1)) }
        }
    }

    /// Checks the length of a list the template builds with `range()` or `*`.
    func checkListLength(_ count: Int, at position: SourcePosition) throws {
        guard count <= limits.maximumRangeLength else {
            throw Self.exceeded("a list of \(count) items, more than \(limits.maximumRangeLength) "
                                + "(ChatTemplate.Limits.maximumRangeLength, jinja2.sandbox.MAX_RANGE)", position)
        }
    }
}
