import ArgumentParser
import Foundation
import ImprintTokenizer

/// Line-by-line JSON processing shared by the tokenizer commands: one JSON value per input line, one per output
/// line, in order; a malformed line stops the command with its line number on stderr and a non-zero exit.
enum TokenizerJSONLines {
    /// An error tied to an input line (0 for errors before any line).
    struct LineError: Error, CustomStringConvertible {
        let lineNumber: Int
        let message: String
        init(_ lineNumber: Int, _ message: String) {
            self.lineNumber = lineNumber
            self.message = message
        }
        var description: String { lineNumber > 0 ? "line \(lineNumber): \(message)" : message }
    }

    /// Loads a tokenizer, reporting failures on stderr with a non-zero exit.
    static func loadTokenizer(_ path: String) throws -> PretrainedTokenizer {
        do {
            return try PretrainedTokenizer.load(modelPath: path)
        } catch {
            FileHandle.standardError.write(Data("imprint: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Reads stdin line by line, skipping blank lines, and writes `transform`'s output for each. A line that is not
    /// UTF-8 stops the command as a malformed one does.
    static func process(_ transform: (JinjaValue, Int) throws -> String) throws {
        var output = ""
        func flush() {
            FileHandle.standardOutput.write(Data(output.utf8))
            output = ""
        }
        do {
            try StandardInputLines.forEach { line, lineNumber in
                if line.allSatisfy(\.isWhitespace) { return }
                let value: JinjaValue
                do {
                    value = try JinjaJSON.parse(line)
                } catch {
                    throw LineError(lineNumber, "\(error)")
                }
                do {
                    output += try transform(value, lineNumber) + "\n"
                } catch {
                    throw error as? LineError ?? LineError(lineNumber, "\(error)")
                }
                if output.utf8.count > 1 << 16 { flush() }
            }
        } catch {
            flush()
            FileHandle.standardError.write(Data("imprint: \(error)\n".utf8))
            throw ExitCode.failure
        }
        flush()
    }

    /// A JSON string literal (`json.dumps(text, ensure_ascii=False)`).
    static func jsonString(_ text: String) throws -> String {
        JinjaJSON.stringLiteral(text)
    }
}
