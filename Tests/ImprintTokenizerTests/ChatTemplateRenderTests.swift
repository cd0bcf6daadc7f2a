import Foundation
import ImprintFormats
import XCTest
@testable import ImprintTokenizer

/// Real chat templates rendered on varied conversations, against transformers' renders
/// (Fixtures/make_chat_template_fixtures.py).
final class ChatTemplateRenderTests: XCTestCase {
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
                try templates[name]!.render(messages: messages, addGenerationPrompt: addGenerationPrompt, tools: tools, variables: context)
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
