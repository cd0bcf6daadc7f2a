import Foundation
import ImprintFormats
import XCTest
@testable import ImprintTokenizer

/// Real chat templates rendered on varied conversations, against transformers' renders
/// (Fixtures/make_chat_template_fixtures.py).
final class ChatTemplateRenderTests: XCTestCase {
    /// The time the fixture script gives `strftime_now` (2026-11-22 12:00, a naive local time there; UTC here).
    static let fixtureTime = Date(timeIntervalSince1970: 1_795_348_800)
    static let utc = TimeZone(identifier: "UTC")!

    func templateSource(_ name: String) throws -> String {
        switch name {
        case "smollm2-135m-instruct":
            let url = try TestResources.fetched("models/SmolLM2-135M-Instruct.Q4_1.gguf", fetchedBy: "scripts/fetch-default-model.sh")
            return try GGUFFile(path: url.path).metadata.string("tokenizer.chat_template")
        case "google-gemma-3-it":
            return try String(contentsOf: TestResources.fixtures.appendingPathComponent("templates/\(name).jinja"), encoding: .utf8)
        default:
            let url = try TestResources.fetched("llama-cpp-vocab/templates/\(name).jinja", fetchedBy: "scripts/fetch-test-vocabularies.sh")
            return try String(contentsOf: url, encoding: .utf8)
        }
    }

    func testRealTemplatesRenderExactlyAsTransformers() throws {
        let data = try Data(contentsOf: TestResources.fixtures.appendingPathComponent("expected/chat-templates.json"))
        guard case .array(let records) = try JinjaJSON.parse(String(decoding: data, as: UTF8.self)) else {
            return XCTFail("chat-templates.json is not a list")
        }
        var templates: [String: ChatTemplate] = [:]
        var identical = 0
        for case .object(let record) in records {
            guard case .string(let name)? = record["template"], case .object(let variables)? = record["variables"],
                  case .string(let title)? = record["case"] else { return XCTFail("malformed record") }
            if templates[name] == nil { templates[name] = try ChatTemplate(templateSource(name)) }
            var context: [String: JinjaValue] = [:]
            for (key, value) in variables.pairs { context[key] = value }
            let label = "\(name) / \(title) / add_generation_prompt=\(context["add_generation_prompt"]!.pythonString)"
            guard case .array(let messages)? = context.removeValue(forKey: "messages"),
                  case .bool(let addGenerationPrompt)? = context.removeValue(forKey: "add_generation_prompt") else {
                return XCTFail("\(label): malformed variables")
            }
            let tools = context.removeValue(forKey: "tools").flatMap { $0.sequenceElements }
            // The conversation goes through `render(messages:)`, transformers' apply_chat_template path.
            func render() throws -> String {
                try templates[name]!.render(messages: messages, addGenerationPrompt: addGenerationPrompt, tools: tools,
                                            variables: context, now: Self.fixtureTime, timeZone: Self.utc)
            }
            if case .string(let expected)? = record["rendered"] {
                do {
                    let rendered = try render()
                    XCTAssertEqual(rendered, expected, label)
                    if rendered == expected { identical += 1 }
                } catch {
                    XCTFail("\(label): \(error)")
                }
            } else if case .string(let pythonError)? = record["error"] {
                // raise_exception raises jinja2's TemplateError; other failures (TypeError, ...) are runtime errors.
                let expectedKinds: [TemplateError.Kind] = pythonError.hasPrefix("TemplateError") ? [.raised] : [.runtime, .unsupported]
                XCTAssertThrowsError(try render(), label) { error in
                    XCTAssertTrue(expectedKinds.contains((error as? TemplateError)?.kind ?? .syntax), "\(label): \(error)")
                }
                identical += 1
            }
        }
        print("chat templates: \(identical)/\(records.count) renders identical")
    }
}

/// `strftime_now` formats the render's time, never the day the test runs.
final class ChatTemplateClockTests: XCTestCase {
    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    func testDateTemplatesRenderTheGivenTimeExactly() throws {
        let template = try ChatTemplate("{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%B %d, %Y %H:%M') }}")
        let utc = TimeZone(identifier: "UTC")!
        XCTAssertEqual(try template.render([:], now: date("2026-11-22T12:00:00Z"), timeZone: utc),
                       "2026-11-22|22 Nov 2026|November 22, 2026 12:00")
        XCTAssertEqual(try template.render([:], now: date("2031-02-03T23:59:59Z"), timeZone: utc),
                       "2031-02-03|03 Feb 2031|February 03, 2031 23:59")
        // The wall-clock time of the given zone: 23:30 UTC is already the next day in Tokyo (+9).
        XCTAssertEqual(try template.render([:], now: date("2026-12-31T23:30:00Z"), timeZone: TimeZone(secondsFromGMT: 9 * 3600)!),
                       "2027-01-01|01 Jan 2027|January 01, 2027 08:30")
    }

    func testRealDateTemplateAtTwoTimes() throws {
        // Granite 3.3's system prompt carries the date (the template is fetched with the llama.cpp vocabularies).
        let url = try TestResources.fetched("llama-cpp-vocab/templates/ibm-granite-granite-3.3-2B-Instruct.jinja",
                                            fetchedBy: "scripts/fetch-test-vocabularies.sh")
        let template = try ChatTemplate(String(contentsOf: url, encoding: .utf8))
        let messages: [JinjaValue] = [.message(role: "user", content: "Hi")]
        let utc = TimeZone(identifier: "UTC")!
        let first = try template.render(messages: messages, addGenerationPrompt: true, now: date("2026-11-22T12:00:00Z"), timeZone: utc)
        let second = try template.render(messages: messages, addGenerationPrompt: true, now: date("2040-06-01T08:00:00Z"), timeZone: utc)
        XCTAssertTrue(first.contains("Today's Date: November 22, 2026."), first)
        XCTAssertTrue(second.contains("Today's Date: June 01, 2040."), second)
    }
}

/// One Jinja construct per template, against jinja2 as transformers configures it.
final class JinjaConstructTests: XCTestCase {
    func testConstructsRenderAsJinja2() throws {
        let data = try Data(contentsOf: TestResources.fixtures.appendingPathComponent("expected/jinja-constructs.json"))
        guard case .array(let records) = try JinjaJSON.parse(String(decoding: data, as: UTF8.self)) else {
            return XCTFail("jinja-constructs.json is not a list")
        }
        for case .object(let record) in records {
            guard case .string(let source)? = record["template"], case .object(let variables)? = record["variables"],
                  case .string(let expected)? = record["rendered"] else { return XCTFail("malformed record") }
            var context: [String: JinjaValue] = [:]
            for (key, value) in variables.pairs { context[key] = value }
            do {
                let rendered = try ChatTemplate(source).render(context)
                XCTAssertEqual(rendered, expected, source)
            } catch {
                XCTFail("\(source): \(error)")
            }
        }
    }
}

/// Unsupported constructs and template errors are thrown with their line and column, never rendered.
final class TemplateErrorTests: XCTestCase {
    func error(_ source: String, _ variables: [String: JinjaValue] = [:]) -> TemplateError? {
        do {
            _ = try ChatTemplate(source).render(variables)
            return nil
        } catch {
            return error as? TemplateError
        }
    }

    func testErrorsNameLineAndColumn() {
        let unclosed = error("line one\n{% if x %}\nno end")
        XCTAssertEqual(unclosed?.kind, .syntax)
        XCTAssertEqual(unclosed.map { [$0.line, $0.column] }, [2, 4])

        let unknownFilter = error("a\nb {{ x | frobnicate }}", ["x": .int(1)])
        XCTAssertEqual(unknownFilter?.kind, .unsupported)
        XCTAssertEqual(unknownFilter.map { [$0.line, $0.column] }, [2, 8])

        let unknownStatement = error("{% include 'other.jinja' %}")
        XCTAssertEqual(unknownStatement?.kind, .unsupported)
        XCTAssertEqual(unknownStatement.map { [$0.line, $0.column] }, [1, 4])

        let badSyntax = error("{{ 1 + }}")
        XCTAssertEqual(badSyntax?.kind, .syntax)

        let undefinedAttribute = error("\n\n  {{ missing.attribute }}")
        XCTAssertEqual(undefinedAttribute?.kind, .runtime)
        XCTAssertEqual(undefinedAttribute?.line, 3)

        let raised = error("{{ raise_exception('no system role') }}")
        XCTAssertEqual(raised?.kind, .raised)
        XCTAssertEqual(raised?.message, "no system role")
    }
}
