import Foundation
import ImprintCore

/// Standard input line by line, as UTF-8 text.
///
/// `readLine` replaces bytes that are not UTF-8 with U+FFFD, so a command would tokenize or score text nobody wrote;
/// Python's `sys.stdin` refuses such bytes, and so does this, naming the line. NUL bytes are kept (they are valid
/// UTF-8); a line ends at "\n", and a "\r" before it is removed too, as `readLine` does.
enum StandardInputLines {
    /// A line that is not UTF-8.
    struct NotUTF8: Error, CustomStringConvertible {
        let lineNumber: Int
        var description: String { "line \(lineNumber): not UTF-8 text" }
    }

    /// Calls `body` with each line and its 1-based number, until the end of the input.
    ///
    /// - Throws: `NotUTF8` at the first line that is not UTF-8 (lines before it have been handled), and whatever
    ///   `body` throws.
    static func forEach(_ body: (String, Int) throws -> Void) throws {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        var lineNumber = 0
        while true {
            let count = getline(&buffer, &capacity, stdin)
            guard count >= 0, let buffer else { return }
            lineNumber += 1
            var length = count
            if length > 0 && buffer[length - 1] == 0x0A {
                length -= 1
                if length > 0 && buffer[length - 1] == 0x0D { length -= 1 }
            }
            guard let line = ExactUTF8.string(UnsafeRawBufferPointer(start: buffer, count: length)) else {
                throw NotUTF8(lineNumber: lineNumber)
            }
            try body(line, lineNumber)
        }
    }
}
