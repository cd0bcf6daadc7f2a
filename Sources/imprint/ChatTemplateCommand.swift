import ArgumentParser
import Foundation
import ImprintTokenizer

/// `imprint chat-template (--model PATH | --template FILE.jinja) --jsonl`: conversations in, rendered prompts out,
/// exactly as `apply_chat_template(..., tokenize=False)` renders them.
struct ChatTemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-template",
        abstract: "Render {\"messages\": [...], \"add_generation_prompt\": bool, ...} objects with a chat template.",
        discussion: "Every key other than messages and add_generation_prompt is passed to the template as a variable "
            + "(tools, bos_token, date_string, ...). With --model, the tokenizer's special tokens are passed too.")

    @Option(help: "A GGUF file or a Hugging Face directory whose chat template to use.")
    var model: String?

    @Option(help: "A Jinja chat template file.")
    var template: String?

    @Flag(help: "Read and write one JSON value per line (required).")
    var jsonl = false

    func validate() throws {
        guard jsonl else { throw ValidationError("--jsonl is required: input is one JSON object per line") }
        guard (model == nil) != (template == nil) else { throw ValidationError("give exactly one of --model and --template") }
    }

    func run() throws {
        let chatTemplate: ChatTemplate
        var baseVariables: [String: JinjaValue] = [:]
        if let model {
            let tokenizer = try TokenizerJSONLines.loadTokenizer(model)
            chatTemplate = try tokenizer.compiledChatTemplate()
            baseVariables = tokenizer.specialTokenVariables
        } else {
            let path = template!
            guard let source = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw TokenizerJSONLines.LineError(0, "cannot read template file \(path)")
            }
            chatTemplate = try ChatTemplate(source)
        }
        try TokenizerJSONLines.process { value, lineNumber in
            guard case .object(let object) = value else { throw TokenizerJSONLines.LineError(lineNumber, "expected a JSON object") }
            guard case .array(let messages)? = object["messages"] else {
                throw TokenizerJSONLines.LineError(lineNumber, "field 'messages' must be an array")
            }
            var variables = baseVariables
            variables["tools"] = JinjaValue.none
            variables["documents"] = JinjaValue.none
            variables["add_generation_prompt"] = .bool(false)
            for (key, element) in object.pairs { variables[key] = element }
            variables["messages"] = .array(ChatTemplate.aliasingReasoningFields(messages))
            do {
                return try TokenizerJSONLines.jsonString(try chatTemplate.render(variables))
            } catch let error as TemplateError {
                throw TokenizerJSONLines.LineError(lineNumber, error.description)
            }
        }
    }
}
