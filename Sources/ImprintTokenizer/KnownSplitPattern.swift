/// Hand-written matchers for the pre-tokenizer regexes every supported family uses. They find exactly the
/// matches the regex engine in HF `tokenizers` (Oniguruma) finds, an order of magnitude faster than a
/// general regex engine; arbitrary patterns fall back to `NSRegularExpression` (see `SplitPattern`).
enum KnownSplitPattern: Sendable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Llama 3 (`numberRun` 3) and Qwen2 (`numberRun` 1):
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3(numberRun: Int)
    /// Qwen3.5: Qwen2's pattern with marks joined to letters:
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case qwen35

    static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen35Source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The hand-written matcher for a regex source, when there is one.
    init?(source: String) {
        switch source {
        case Self.gpt2Source: self = .gpt2
        case Self.llama3Source: self = .llama3(numberRun: 3)
        case Self.qwen2Source: self = .llama3(numberRun: 1)
        case Self.qwen35Source: self = .qwen35
        default: return nil
        }
    }

    /// The end (exclusive) of each match, in scalar offsets; matches tile `scalars` from the start.
    func matchEnds(_ scalars: [Unicode.Scalar], classes: [ScalarClass]) -> [Int] {
        var ends: [Int] = []
        ends.reserveCapacity(scalars.count / 3 + 1)
        var position = 0
        let count = scalars.count
        while position < count {
            let end: Int
            switch self {
            case .gpt2: end = gpt2Match(at: position, scalars, classes)
            case .llama3(let numberRun):
                end = llama3Match(at: position, scalars, classes, numberRun: numberRun, marksJoinLetters: false)
            case .qwen35: end = llama3Match(at: position, scalars, classes, numberRun: 1, marksJoinLetters: true)
            }
            ends.append(end)
            position = end
        }
        return ends
    }

    /// Length of a contraction (`'s`, `'re`, ...) at `position`, or 0.
    @inline(__always)
    private func contraction(at position: Int, _ scalars: [Unicode.Scalar], caseInsensitive: Bool) -> Int {
        guard scalars[position] == "'", position + 1 < scalars.count else { return 0 }
        func lower(_ scalar: Unicode.Scalar) -> UInt32 {
            guard caseInsensitive, (0x41...0x5A).contains(scalar.value) else { return scalar.value }
            return scalar.value + 32
        }
        let first = lower(scalars[position + 1])
        switch first {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        case 0x72, 0x76, 0x6C:  // r v l
            guard position + 2 < scalars.count else { return 0 }
            let second = lower(scalars[position + 2])
            if (first == 0x72 || first == 0x76) && second == 0x65 { return 3 }  // re ve
            if first == 0x6C && second == 0x6C { return 3 }  // ll
            return 0
        default: return 0
        }
    }

    /// End of the run of `class` starting at `position`.
    @inline(__always)
    private func runEnd(from position: Int, _ classes: [ScalarClass], where belongs: (ScalarClass) -> Bool) -> Int {
        var end = position
        while end < classes.count && belongs(classes[end]) { end += 1 }
        return end
    }

    /// `\s+(?!\S)|\s+` at a whitespace scalar.
    @inline(__always)
    private func whitespaceMatch(at position: Int, _ classes: [ScalarClass]) -> Int {
        let end = runEnd(from: position, classes) { $0.isWhitespace }
        if end == classes.count || end - position == 1 { return end }
        return end - 1
    }

    private func gpt2Match(at position: Int, _ scalars: [Unicode.Scalar], _ classes: [ScalarClass]) -> Int {
        let contractionLength = contraction(at: position, scalars, caseInsensitive: false)
        if contractionLength > 0 { return position + contractionLength }
        var start = position
        var current = classes[position]
        if scalars[position] == " ", position + 1 < scalars.count, !classes[position + 1].isWhitespace {
            start = position + 1
            current = classes[start]
        }
        switch current {
        case .letter: return runEnd(from: start, classes) { $0 == .letter }
        case .number: return runEnd(from: start, classes) { $0 == .number }
        case .other, .mark: return runEnd(from: start, classes) { $0.isOtherOrMark }
        case .whitespace, .newline: return whitespaceMatch(at: position, classes)
        }
    }

    /// Llama 3 / Qwen2 (`numberRun` 3 or 1); with `marksJoinLetters` (Qwen3.5) `\p{M}` counts as a letter in the
    /// letter run and is not part of the punctuation run.
    private func llama3Match(at position: Int, _ scalars: [Unicode.Scalar], _ classes: [ScalarClass], numberRun: Int,
                             marksJoinLetters: Bool) -> Int {
        let contractionLength = contraction(at: position, scalars, caseInsensitive: true)
        if contractionLength > 0 { return position + contractionLength }
        @inline(__always) func isLetter(_ scalarClass: ScalarClass) -> Bool {
            scalarClass == .letter || (marksJoinLetters && scalarClass == .mark)
        }
        @inline(__always) func isOther(_ scalarClass: ScalarClass) -> Bool {
            scalarClass == .other || (!marksJoinLetters && scalarClass == .mark)
        }
        let current = classes[position]
        let count = classes.count
        // [^\r\n\p{L}\p{N}]?\p{L}+ (a mark that joins letters may start the run itself)
        if isLetter(current) { return runEnd(from: position, classes, where: isLetter) }
        if current != .newline && current != .number && position + 1 < count && isLetter(classes[position + 1]) {
            return runEnd(from: position + 1, classes, where: isLetter)
        }
        // \p{N}{1,n}
        if current == .number {
            var end = position + 1
            while end < count && end - position < numberRun && classes[end] == .number { end += 1 }
            return end
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        var otherStart = position
        if scalars[position] == " ", position + 1 < count, isOther(classes[position + 1]) { otherStart = position + 1 }
        if isOther(classes[otherStart]) {
            let otherEnd = runEnd(from: otherStart, classes, where: isOther)
            return runEnd(from: otherEnd, classes) { $0 == .newline }
        }
        // \s*[\r\n]+ : up to and including the last newline of the whitespace run
        let whitespaceEnd = runEnd(from: position, classes) { $0.isWhitespace }
        var lastNewline = whitespaceEnd - 1
        while lastNewline >= position && classes[lastNewline] != .newline { lastNewline -= 1 }
        if lastNewline >= position { return lastNewline + 1 }
        return whitespaceMatch(at: position, classes)
    }
}
