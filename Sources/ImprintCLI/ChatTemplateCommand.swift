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

    @Option(help: ArgumentHelp("The time strftime_now renders, ISO 8601 (2026-12-04T09:30:00Z, or with an offset: "
        + "the wall-clock time there). Default: now, local time, as transformers does.", valueName: "ISO-8601"))
    var now: String?

    func validate() throws {
        guard jsonl else { throw ValidationError("--jsonl is required: input is one JSON object per line") }
        guard (model == nil) != (template == nil) else { throw ValidationError("give exactly one of --model and --template") }
        if let now, Self.parseTime(now) == nil {
            throw ValidationError("--now \(now): expected an ISO 8601 time such as 2026-12-04T09:30:00Z or 2026-12-04T09:30:00+01:00")
        }
    }

    /// An ISO 8601 time and the zone its wall-clock time is in (UTC for `Z`, the given offset otherwise).
    static func parseTime(_ text: String) -> (date: Date, timeZone: TimeZone)? {
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            formatter.formatOptions = options
            guard let date = formatter.date(from: text) else { continue }
            // The zone is the written offset: +HH:MM, +HHMM or +HH (Z: UTC).
            var offset = 0
            if let match = text.range(of: #"[+-]\d{2}(:?\d{2})?$"#, options: .regularExpression) {
                let digits = text[match].dropFirst().filter(\.isNumber).map { Int(String($0))! }
                let hours = digits[0] * 10 + digits[1], minutes = digits.count == 4 ? digits[2] * 10 + digits[3] : 0
                offset = (text[match].first == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
            }
            return (date, TimeZone(secondsFromGMT: offset) ?? TimeZone(identifier: "UTC")!)
        }
        return nil
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
                let clock = now.flatMap(Self.parseTime)
                return try TokenizerJSONLines.jsonString(try chatTemplate.render(variables, now: clock?.date,
                                                                                  timeZone: clock?.timeZone ?? .current))
            } catch let error as TemplateError {
                throw TokenizerJSONLines.LineError(lineNumber, error.description)
            }
        }
    }
}
