/// A judge's decision about one answer.
public enum JudgeVerdict: String, Sendable, Hashable, Codable {
    case correct
    case incorrect
}

/// Turns a judge's free-text output into a verdict, or `nil` when it states none.
///
/// `.robust` (the default) applies these rules in order; the first that yields a verdict wins:
///
/// 1. **"Final Verdict" line.** Every occurrence of `final verdict` (any case) is tried, the
///    *last* first (judges restate the format before answering, and revise). The rest of its line
///    is read, or the next non-empty line when the rest holds no letter or digit (`Final
///    Verdict:\n-1`); on that next line the first token must itself be a verdict or `class`.
///    Echoes of the format, `<...>` placeholders and the scale `1/-1`, are ignored. The first
///    verdict token decides: `1` / `+1` → correct, `-1` / `- 1` / `−1` → incorrect, any other
///    number → no verdict on this line; words `correct` → correct, `incorrect` and `not correct`
///    → incorrect, and as the line's first token `yes` → correct, `no` → incorrect; other words
///    (`class`, `the`...) are skipped.
/// 2. **Class mentions.** Each `class` followed by `1` or `-1` (`Class -1 (INCORRECT)`,
///    `Class: 1`), echoes ignored as above: if all agree, that verdict; if they disagree (an echoed
///    scale), none.
/// 3. **Bare answer.** The output's first token, after whitespace, quotes and markdown: `yes`,
///    `correct`, `true`, `1` → correct; `no`, `incorrect`, `false`, `-1` → incorrect.
///
/// ```swift
/// VerdictParser.robust.parse("Class -1 (INCORRECT): wrong year.\nFinal Verdict: -1")   // .incorrect
/// VerdictParser.robust.parse("**Final Verdict:** **1**")                              // .correct
/// VerdictParser.robust.parse("Final Verdict: <assigned class> (1/-1)")                // nil
/// VerdictParser.robust.parse("Yes.")                                                  // .correct
/// ```
///
/// The seeds' own parsers are kept for exact reproduction (tests check them against the
/// Python functions on the same outputs):
/// - `.seedGRPO`: seed 003 `train.py`'s `extract_reward`: the first integer after the first
///   `class`; it reads an echoed `Class 1 (CORRECT)` header as a verdict;
/// - `.seedEvaluation`: seed 003 `judge.py`'s `extract_class`: the first `-?\s*\d+` on the rest of
///   the first `final verdict` line;
/// - `.seedYesNo`: seed 000 `full_eval.py`: correct only when the stripped, lower-cased output is
///   exactly `yes` (`"Yes."` is incorrect), never `nil`.
/// For the two integer parsers, 1 is correct, -1 incorrect and any other integer `nil` (the seed
/// used the integer itself as the reward).
public enum VerdictParser: String, Sendable, Hashable, CaseIterable {
    case robust
    case seedGRPO
    case seedEvaluation
    case seedYesNo

    /// The verdict stated by `output`, or `nil`.
    public func parse(_ output: String) -> JudgeVerdict? {
        let text = Array(output.unicodeScalars)
        switch self {
        case .robust: return Self.parseRobust(text)
        case .seedGRPO: return Self.parseSeedGRPO(text)
        case .seedEvaluation: return Self.parseSeedEvaluation(text)
        case .seedYesNo:
            let answer = PythonText.strip(PythonText.lower(output))
            return answer.elementsEqual("yes".unicodeScalars) ? .correct : .incorrect
        }
    }

    // MARK: robust

    /// One token of a judge's line: a lower-cased word or a signed integer.
    enum Token: Equatable {
        case word(String)
        case number(Int)
    }

    static func parseRobust(_ text: [Unicode.Scalar]) -> JudgeVerdict? {
        let lowered = asciiLowercased(text)
        let anchor = Array("final verdict".unicodeScalars)
        // The rest of a line is read up to a later `final verdict` on it, which was tried first with the text
        // after it: every scalar is read once, where reading each occurrence's whole line took quadratic time
        // (20 KB of "final verdict " took 8 s).
        var later: (start: Int, lineEnd: Int)?
        for start in occurrences(of: anchor, in: lowered).reversed() {
            let restStart = start + anchor.count
            let lineEnd: Int
            let restEnd: Int
            if let later, !text[restStart..<later.start].contains("\n") {
                (lineEnd, restEnd) = (later.lineEnd, later.start)
            } else {
                lineEnd = text[restStart...].firstIndex(of: "\n") ?? text.count
                restEnd = lineEnd
            }
            later = (start, lineEnd)
            let rest = Array(text[restStart..<restEnd])
            if restEnd < lineEnd || rest.contains(where: { PythonText.isLetter($0) || isDigit($0) }) {
                if let verdict = verdict(in: tokens(removingEchoes(rest)), mustLead: false) { return verdict }
            } else if let next = nextNonEmptyLine(text, after: lineEnd),
                      let verdict = verdict(in: tokens(removingEchoes(next)), mustLead: true) {
                return verdict
            }
        }
        if let verdict = classMentions(tokens(removingEchoes(text))) { return verdict }
        return bareAnswer(tokens(removingEchoes(text)))
    }

    /// The first verdict token; with `mustLead`, only when it is the first token (after `class`).
    static func verdict(in tokens: [Token], mustLead: Bool) -> JudgeVerdict? {
        var previous: Token?
        for token in tokens {
            switch token {
            case .number(let value):
                return value == 1 ? .correct : value == -1 ? .incorrect : nil
            case .word(let word):
                switch word {
                case "correct": return previous == .word("not") ? .incorrect : .correct
                case "incorrect": return .incorrect
                case "yes" where previous == nil: return .correct
                case "no" where previous == nil: return .incorrect
                case "class": break
                default: if mustLead { return nil }
                }
            }
            previous = token
        }
        return nil
    }

    /// Rule 2: the verdict every `class ±1` mention agrees on.
    static func classMentions(_ tokens: [Token]) -> JudgeVerdict? {
        var found: Set<JudgeVerdict> = []
        for (token, next) in zip(tokens, tokens.dropFirst()) where token == .word("class") {
            if next == .number(1) { found.insert(.correct) }
            if next == .number(-1) { found.insert(.incorrect) }
        }
        return found.count == 1 ? found.first : nil
    }

    /// Rule 3: a verdict as the output's first token.
    static func bareAnswer(_ tokens: [Token]) -> JudgeVerdict? {
        switch tokens.first {
        case .word("yes"), .word("correct"), .word("true"), .number(1): return .correct
        case .word("no"), .word("incorrect"), .word("false"), .number(-1): return .incorrect
        default: return nil
        }
    }

    /// Words (letters, lower-cased) and integers; a minus sign (`-`, `−`, `–`) before digits,
    /// spaces allowed in between, makes the integer negative. Everything else separates tokens.
    static func tokens(_ text: [Unicode.Scalar]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        var pendingMinus = false
        while index < text.count {
            let scalar = text[index]
            if PythonText.isLetter(scalar) {
                var end = index
                while end < text.count && PythonText.isLetter(text[end]) { end += 1 }
                tokens.append(.word(PythonText.string(PythonText.lower(PythonText.string(text[index..<end])))))
                index = end
                pendingMinus = false
            } else if isDigit(scalar) {
                var value = 0
                while index < text.count && isDigit(text[index]) {
                    value = min(value * 10 + Int(text[index].value - 0x30), 1_000_000)
                    index += 1
                }
                tokens.append(.number(pendingMinus ? -value : value))
                pendingMinus = false
            } else {
                if isMinus(scalar) {
                    pendingMinus = true
                } else if !PythonText.isWhitespace(scalar) {
                    pendingMinus = false
                }
                index += 1
            }
        }
        return tokens
    }

    /// The text without `<...>` placeholders (within a line) and without the scale `1/-1`.
    static func removingEchoes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        // After a "<" without a ">" before the end of its line, no "<" before that end has one: it is not searched
        // again (20 KB of "<" took 18 s).
        var unclosedUntil = 0
        while index < text.count {
            if text[index] == "<", index >= unclosedUntil {
                let close = text[index...].firstIndex(where: { $0 == ">" || $0 == "\n" }) ?? text.count
                if close < text.count, text[close] == ">" {
                    index = close + 1
                    result.append(" ")
                    continue
                }
                unclosedUntil = close
            }
            if let end = scaleEcho(text, at: index) {
                index = end
                result.append(" ")
                continue
            }
            result.append(text[index])
            index += 1
        }
        return result
    }

    /// If `1 / -1` (spaces allowed, any minus sign) starts at `index`, the index after it.
    static func scaleEcho(_ text: [Unicode.Scalar], at index: Int) -> Int? {
        guard text[index] == "1", index == 0 || !isDigit(text[index - 1]) else { return nil }
        var position = index + 1
        func skipSpaces() { while position < text.count && text[position] == " " { position += 1 } }
        skipSpaces()
        guard position < text.count, text[position] == "/" else { return nil }
        position += 1
        skipSpaces()
        guard position < text.count, isMinus(text[position]) else { return nil }
        position += 1
        skipSpaces()
        guard position < text.count, text[position] == "1" else { return nil }
        position += 1
        guard position == text.count || !isDigit(text[position]) else { return nil }
        return position
    }

    static func nextNonEmptyLine(_ text: [Unicode.Scalar], after lineEnd: Int) -> [Unicode.Scalar]? {
        var start = lineEnd + 1
        while start < text.count {
            let end = text[start...].firstIndex(of: "\n") ?? text.count
            let line = Array(text[start..<end])
            if line.contains(where: { !PythonText.isWhitespace($0) }) { return line }
            start = end + 1
        }
        return nil
    }

    // MARK: the seeds' parsers

    /// `extract_reward`: `lower().find("class")`, then `re.search(r"-?\d+", text[idx + 5:])`.
    static func parseSeedGRPO(_ text: [Unicode.Scalar]) -> JudgeVerdict? {
        guard let start = occurrences(of: Array("class".unicodeScalars), in: asciiLowercased(text)).first else {
            return nil
        }
        return verdict(ofInteger: firstInteger(in: text[(start + 5)...], spacesAfterSign: false))
    }

    /// `extract_class`: the rest of the first `final verdict` line, then `re.search(r"-?\s*\d+", ...)`.
    static func parseSeedEvaluation(_ text: [Unicode.Scalar]) -> JudgeVerdict? {
        let anchor = Array("final verdict".unicodeScalars)
        guard let start = occurrences(of: anchor, in: asciiLowercased(text)).first else { return nil }
        let restStart = start + anchor.count
        let lineEnd = text[restStart...].firstIndex(of: "\n") ?? text.count
        return verdict(ofInteger: firstInteger(in: text[restStart..<lineEnd], spacesAfterSign: true))
    }

    /// The leftmost match of `-?\d+` (or `-?\s*\d+`) as an integer: Python's `re.search` + `int`.
    static func firstInteger(in text: ArraySlice<Unicode.Scalar>, spacesAfterSign: Bool) -> Int? {
        guard let digitStart = text.firstIndex(where: isDigit) else { return nil }
        var value = 0
        var index = digitStart
        while index < text.endIndex && isDigit(text[index]) {
            value = min(value * 10 + Int(text[index].value - 0x30), 1_000_000)
            index += 1
        }
        var signIndex = digitStart - 1
        if spacesAfterSign {
            while signIndex >= text.startIndex && PythonText.isWhitespace(text[signIndex]) { signIndex -= 1 }
        }
        let negative = signIndex >= text.startIndex && text[signIndex] == "-"
        return negative ? -value : value
    }

    static func verdict(ofInteger value: Int?) -> JudgeVerdict? {
        value == 1 ? .correct : value == -1 ? .incorrect : nil
    }

    // MARK: helpers

    /// ASCII letters lower-cased, everything else kept, so indices stay aligned with `text`.
    static func asciiLowercased(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.map { (0x41...0x5A).contains($0.value) ? Unicode.Scalar($0.value + 0x20)! : $0 }
    }

    /// Start indices of every non-overlapping occurrence of `pattern` in `text`.
    static func occurrences(of pattern: [Unicode.Scalar], in text: [Unicode.Scalar]) -> [Int] {
        var starts: [Int] = []
        var index = 0
        while index + pattern.count <= text.count {
            if text[index..<index + pattern.count].elementsEqual(pattern) {
                starts.append(index)
                index += pattern.count
            } else {
                index += 1
            }
        }
        return starts
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(scalar.value)
    }

    /// `-`, the minus sign `−` (U+2212) and the en dash `–` (U+2013).
    static func isMinus(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "-" || scalar == "\u{2212}" || scalar == "\u{2013}"
    }
}
