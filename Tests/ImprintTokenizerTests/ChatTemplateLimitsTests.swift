import XCTest
@testable import ImprintTokenizer

/// `ChatTemplate.Limits`: each crafted template stops with a `.limitExceeded` error naming the limit, and a
/// template just under each limit still renders.
final class ChatTemplateLimitsTests: XCTestCase {
    func render(_ source: String, limits: ChatTemplate.Limits = ChatTemplate.Limits()) throws -> String {
        try ChatTemplate(source, limits: limits).render([:])
    }

    /// The error `source` stops with, checked to be a limit error naming `limitName`.
    func limitError(_ source: String, naming limitName: String, limits: ChatTemplate.Limits = ChatTemplate.Limits(),
                    file: StaticString = #filePath, line: UInt = #line) -> TemplateError? {
        do {
            _ = try render(source, limits: limits)
            XCTFail("rendered past the limit", file: file, line: line)
            return nil
        } catch let error as TemplateError {
            XCTAssertEqual(error.kind, .limitExceeded, "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(limitName), error.message, file: file, line: line)
            return error
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    /// A macro calling itself `depth` levels deep in all (`f(0)` through `f(depth - 1)`).
    func nestedMacro(depth: Int) -> String {
        "{% macro f(n) %}{% if n < \(depth - 1) %}{{ f(n + 1) }}{% else %}{{ n + 1 }}{% endif %}{% endmacro %}{{ f(0) }}"
    }

    func testDefaultsMatchTheDocumentedValues() {
        let limits = ChatTemplate.Limits()
        XCTAssertEqual(limits.maximumCallDepth, 200)
        XCTAssertEqual(limits.maximumNestingDepth, 200)
        XCTAssertEqual(limits.maximumRangeLength, 100_000)
        XCTAssertEqual(limits.maximumSteps, 1_000_000)
        XCTAssertEqual(limits.maximumOutputLength, 10 << 20)
        XCTAssertEqual(limits.maximumValueDepth, 512)
        XCTAssertEqual(limits.maximumStoredItems, 10_000_000)
    }

    /// A value wrapped in itself by a loop stops at the value depth, whether it is stored in a variable or a
    /// namespace, nested as lists, dicts or namespaces; a value just under the limit still prints.
    func testValuesNestedByALoopStopAtTheValueDepth() throws {
        let loop = "{% set ns = namespace(x=0) %}{% for i in range(100000) %}"
        _ = limitError(loop + "{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}", naming: "maximumValueDepth")
        _ = limitError(loop + "{% set ns.x = {'k': ns.x} %}{% endfor %}{{ ns.x == ns.x }}", naming: "maximumValueDepth")
        _ = limitError(loop + "{% set ns.x = (ns.x, 1) %}{% endfor %}", naming: "maximumValueDepth")
        _ = limitError(loop + "{% set ns.x = namespace(inner=ns.x) %}{% endfor %}", naming: "maximumValueDepth")
        // 511 wrappings around 0: the list is 511 levels deep (the int is a leaf).
        let printed = try render(loop.replacingOccurrences(of: "100000", with: "511") + "{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}")
        XCTAssertEqual(printed, String(repeating: "[", count: 511) + "0" + String(repeating: "]", count: 511))
        var raised = ChatTemplate.Limits()
        raised.maximumValueDepth = 8
        _ = limitError(loop.replacingOccurrences(of: "100000", with: "8") + "{% set ns.x = [ns.x] %}{% endfor %}",
                       naming: "maximumValueDepth", limits: raised)
    }

    /// A namespace may not come to hold itself, directly or through another namespace or a list.
    func testANamespaceCannotHoldItself() throws {
        _ = limitError("{% set ns = namespace() %}{% set ns.x = ns %}{{ ns }}", naming: "namespace cannot hold itself")
        _ = limitError("{% set a = namespace() %}{% set b = namespace(y=[a]) %}{% set a.x = {'b': b} %}{{ a == a }}",
                       naming: "namespace cannot hold itself")
        // Another namespace, reached twice, is fine.
        XCTAssertEqual(try render("{% set a = namespace(v=1) %}{% set b = namespace() %}{% set b.x = [a, a] %}{{ b.x[1].v }}"), "1")
    }

    /// Items stored by `set` are counted over the render, so doubling a shared list in a loop (a graph of few
    /// values and exponentially many paths) stops instead of walking for hours.
    func testStoredItemsAreCounted() throws {
        var limits = ChatTemplate.Limits()
        limits.maximumStoredItems = 100_000
        let error = limitError("{% set ns = namespace(x=0) %}{% for i in range(200) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}",
                               naming: "maximumStoredItems", limits: limits)
        XCTAssertEqual(error.map(\.line), 1)
        // Building a 1,000-message list one message at a time stays well inside the count.
        XCTAssertEqual(try render("{% set ns = namespace(m=[]) %}{% for i in range(1000) %}{% set ns.m = ns.m + [{'role': 'user', 'i': i}] %}"
                                  + "{% endfor %}{{ ns.m | length }}"), "1000")
    }

    func testEndlessMacroRecursionStopsAtTheCallDepth() throws {
        let error = limitError("{% macro f(n) %}{{ f(n+1) }}{% endmacro %}{{ f(0) }}", naming: "maximumCallDepth")
        XCTAssertEqual(error.map { [$0.line, $0.column] }, [1, 21])
        XCTAssertEqual(try render(nestedMacro(depth: 200)), "200")
        _ = limitError(nestedMacro(depth: 201), naming: "maximumCallDepth")
        var raised = ChatTemplate.Limits()
        raised.maximumCallDepth = 250
        XCTAssertEqual(try render(nestedMacro(depth: 250), limits: raised), "250")
    }

    /// Deep nesting in the source stops the parse (which recurses once per level) with an error at the culprit.
    func testNestingInTheSourceIsLimited() throws {
        func parseError(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> TemplateError? {
            do {
                _ = try ChatTemplate(source)
                XCTFail("parsed past the limit", file: file, line: line)
                return nil
            } catch {
                let templateError = error as? TemplateError
                XCTAssertEqual(templateError?.kind, .limitExceeded, "\(error)", file: file, line: line)
                XCTAssertTrue(templateError?.message.contains("maximumNestingDepth") == true, "\(error)", file: file, line: line)
                return templateError
            }
        }
        func parentheses(_ count: Int) -> String {
            "{{ " + String(repeating: "(", count: count) + "1" + String(repeating: ")", count: count) + " }}"
        }
        func conditionals(_ count: Int) -> String {
            String(repeating: "{% if true %}", count: count) + "x" + String(repeating: "{% endif %}", count: count)
        }
        func concatenations(_ count: Int) -> String { "{{ 1" + String(repeating: " ~ 1", count: count) + " }}" }
        // The error is reported at the first token past the limit.
        XCTAssertEqual(try render(parentheses(199)), "1")
        XCTAssertEqual(parseError(parentheses(200)).map { [$0.line, $0.column] }, [1, 204])
        _ = parseError(parentheses(10_000))
        XCTAssertEqual(try render(conditionals(200)), "x")
        _ = parseError(conditionals(201))
        _ = parseError(conditionals(10_000))
        XCTAssertEqual(try render(concatenations(199)), String(repeating: "1", count: 200))
        _ = parseError(concatenations(200))
        _ = parseError(concatenations(10_000))
        for source in ["{{ " + String(repeating: "not ", count: 10_000) + "1 }}", "{{ " + String(repeating: "-", count: 10_000) + "1 }}",
                       "{{ " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + " }}",
                       "{{ x" + String(repeating: ".a", count: 10_000) + " }}", "{{ x" + String(repeating: " | trim", count: 10_000) + " }}",
                       "{{ " + String(repeating: "1 if x else ", count: 10_000) + "2 }}"] {
            _ = parseError(source)
        }
        var raised = ChatTemplate.Limits()
        raised.maximumNestingDepth = 300
        XCTAssertEqual(try render(parentheses(250), limits: raised), "1")
    }

    func testRangeIsLimitedAsInJinjasSandbox() throws {
        _ = limitError("{% for i in range(100000000) %}x{% endfor %}", naming: "maximumRangeLength")
        _ = limitError("{{ range(100001) | length }}", naming: "MAX_RANGE")
        _ = limitError("{{ range(-5, 200000, 2) | length }}", naming: "maximumRangeLength")
        _ = limitError("{{ range(-9223372036854775807, 9223372036854775807) | length }}", naming: "maximumRangeLength")
        XCTAssertEqual(try render("{{ range(100000) | length }}"), "100000")
        XCTAssertEqual(try render("{{ range(-5, 199995, 2) | length }}"), "100000")
        XCTAssertEqual(try render("{{ range(10, 0, -3) | list }}"), "[10, 7, 4, 1]")
        XCTAssertEqual(try render("{{ range(3, 3) | list }}|{{ range(5, 3, 2) | list }}"), "[]|[]")
        XCTAssertEqual(try render("{% for i in range(100000) %}{% endfor %}done"), "done")
        _ = limitError("{{ ([1, 2] * 50001) | length }}", naming: "maximumRangeLength")
        XCTAssertEqual(try render("{{ ([1, 2] * 50000) | length }}"), "100000")
    }

    func testStepsAreCountedAcrossLoopsAndMacroCalls() throws {
        var limits = ChatTemplate.Limits()
        limits.maximumSteps = 1000
        // 10 outer iterations + 10 * 99 inner ones: exactly the budget.
        XCTAssertEqual(try render("{% for i in range(10) %}{% for j in range(99) %}{% endfor %}{% endfor %}ok", limits: limits), "ok")
        _ = limitError("{% for i in range(10) %}{% for j in range(100) %}{% endfor %}{% endfor %}", naming: "maximumSteps",
                       limits: limits)
        // A loop's `if` filter tests count too.
        _ = limitError("{% for i in range(2000) if i < 0 %}{% endfor %}", naming: "maximumSteps", limits: limits)
        // Exponentially many calls within the call depth: 2^41 - 1 calls, stopped by the default budget.
        _ = limitError("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
                       naming: "maximumSteps", limits: limits)
    }

    func testRenderedAndBuiltTextIsLimited() throws {
        XCTAssertEqual(try render("{{ 'x' * 10485760 }}").utf8.count, 10 << 20)
        _ = limitError("{{ 'x' * 10485761 }}", naming: "maximumOutputLength")
        _ = limitError("{{ 'x' * 9223372036854775807 }}", naming: "maximumOutputLength")
        // Text repeated by a loop: 100,000 x 200 bytes, and 100,000 x 128.
        _ = limitError("{% for i in range(100000) %}{{ 'y' * 200 }}{% endfor %}", naming: "maximumOutputLength")
        let line = String(repeating: "y", count: 128)
        _ = limitError("{% for i in range(100000) %}\(line){% endfor %}", naming: "maximumOutputLength")
        // A string doubled in a loop, never printed.
        _ = limitError("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                       naming: "maximumOutputLength")
        // Text captured by a macro and a set block.
        _ = limitError("{% macro m() %}{{ 'z' * 6000000 }}{{ 'z' * 6000000 }}{% endmacro %}{% set s = m() %}",
                       naming: "maximumOutputLength")
        _ = limitError("{% set s %}{{ 'z' * 6000000 }}{{ 'z' * 6000000 }}{% endset %}", naming: "maximumOutputLength")
        // Indentation makes short values long.
        _ = limitError("{{ [[1, 2], [3]] | tojson(indent=100000000) }}", naming: "maximumOutputLength")
        _ = limitError("{{ 'a' | indent(100000000, true) }}", naming: "maximumOutputLength")
        _ = limitError("{{ ('a\\n' * 100000) | indent(200) }}", naming: "maximumOutputLength")
        var limits = ChatTemplate.Limits()
        limits.maximumOutputLength = 20
        XCTAssertEqual(try render("{{ [1] | tojson(indent=4) }}", limits: limits), "[\n    1\n]")
        _ = limitError("{{ [[1]] | tojson(indent=4) }}", naming: "maximumOutputLength", limits: limits)
    }

    /// Inputs that used to trap or run for ages, now as Python renders them (Python's `' ' * -1` is `''`).
    func testNegativeIndentsAndHugeExponentsDoNotTrap() throws {
        XCTAssertEqual(try render("{{ [1] | tojson(indent=-2) }}"), "[\n1\n]")
        XCTAssertEqual(try render("{{ 'a\\nb' | indent(-3) }}"), "a\nb")
        XCTAssertEqual(try render("{{ 3 ** 5 }} {{ (-2) ** 3 }} {{ 7 ** 0 }}"), "243 -8 1")
        // Python's exact value does not fit 64 bits; what matters is that it returns at once (wrapping as before).
        XCTAssertEqual(try render("{{ 2 ** 1000000000000000000 }}"), "0")
    }
}
