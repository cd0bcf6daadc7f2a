/// Hand-written matchers for the character-class regexes DeepSeek's and Falcon's pre-tokenizers split with:
/// `[...]` (one scalar of a class), `[...]+`, `\s?[...]+`, `\s?\p{L}+`, `\s?\p{P}+`, `\s+$` and `[...]` repeated
/// (`[0-9][0-9][0-9]`).
/// They find the matches Oniguruma finds (leftmost, greedy; `\s` is White_Space), without a regex engine;
/// `KnownSplitPatternTests` checks them against `NSRegularExpression`.
struct ScalarRunPattern: Sendable, Equatable {
    enum Shape: Sendable, Equatable {
        /// `[class]`: every member alone.
        case single
        /// `\s?[class]+` (with `optionalLeadingWhitespace`) or `[class]+`.
        case run(optionalLeadingWhitespace: Bool)
        /// `\s+$`: the whitespace that ends the text.
        case trailingWhitespace
        /// `[class]` written `length` times: non-overlapping windows of `length` members, leftmost first.
        case window(length: Int)
    }

    let shape: Shape
    let members: ScalarSet

    /// The matcher for a regex source of one of the recognized shapes.
    init?(source: String) {
        if source == #"\s+$"# {
            self.init(shape: .trailingWhitespace, members: .whitespace)
            return
        }
        if let window = Self.repeatedBracketExpression(source) {
            self.init(shape: .window(length: window.count), members: window.members)
            return
        }
        var body = Substring(source)
        let leadingWhitespace = body.hasPrefix(#"\s?"#)
        if leadingWhitespace { body = body.dropFirst(3) }
        let repeated = body.hasSuffix("+")
        if repeated { body = body.dropLast() }
        let members: ScalarSet
        switch body {
        case #"\p{L}"#: members = .letters
        case #"\p{P}"#: members = .punctuation
        default:
            guard let set = ScalarSet(bracketExpression: body) else { return nil }
            members = set
        }
        if repeated {
            self.init(shape: .run(optionalLeadingWhitespace: leadingWhitespace), members: members)
        } else {
            guard !leadingWhitespace else { return nil }
            self.init(shape: .single, members: members)
        }
    }

    /// `[class]` written two or more times in a row, as the class and the count.
    private static func repeatedBracketExpression(_ source: String) -> (members: ScalarSet, count: Int)? {
        guard let close = source.firstIndex(of: "]") else { return nil }
        let unit = source[...close]
        let length = source.utf8.count / unit.utf8.count
        guard length >= 2, source == String(repeating: String(unit), count: length),
              let members = ScalarSet(bracketExpression: unit) else { return nil }
        return (members, length)
    }

    init(shape: Shape, members: ScalarSet) {
        self.shape = shape
        self.members = members
    }

    /// The matches in `scalars`, as half-open scalar-offset ranges in order.
    func matches(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let count = scalars.count
        var ranges: [Range<Int>] = []
        switch shape {
        case .trailingWhitespace:
            var start = count
            while start > 0 && ScalarSet.whitespace.contains(scalars[start - 1]) { start -= 1 }
            if start < count { ranges.append(start..<count) }
        case .window(let length):
            var position = 0
            while position + length <= count {
                if (position..<(position + length)).allSatisfy({ members.contains(scalars[$0]) }) {
                    ranges.append(position..<(position + length))
                    position += length
                } else {
                    position += 1
                }
            }
        case .single:
            for index in 0..<count where members.contains(scalars[index]) { ranges.append(index..<(index + 1)) }
        case .run(let optionalLeadingWhitespace):
            var position = 0
            while position < count {
                var runStart = position
                if optionalLeadingWhitespace && position + 1 < count && ScalarSet.whitespace.contains(scalars[position])
                    && members.contains(scalars[position + 1]) {
                    runStart = position + 1
                } else if !members.contains(scalars[position]) {
                    position += 1
                    continue
                }
                var end = runStart + 1
                while end < count && members.contains(scalars[end]) { end += 1 }
                ranges.append(position..<end)
                position = end
            }
        }
        return ranges
    }
}

/// A set of scalars: `\s` (White_Space), `\p{L}`, `\p{P}`, or the ranges of a bracket expression.
enum ScalarSet: Sendable, Equatable {
    case whitespace, letters, punctuation
    /// Sorted, non-overlapping ranges, with the ASCII members as a bit mask for a fast path.
    case ranges([ClosedRange<UInt32>], ascii: UInt128Mask)

    /// Parses `[a-zé0-9...]`: literal scalars and ranges only (no escapes, negation or nested classes).
    init?(bracketExpression: Substring) {
        var scalars = Array(bracketExpression.unicodeScalars)
        guard scalars.count > 2, scalars.first == "[", scalars.last == "]" else { return nil }
        scalars = Array(scalars.dropFirst().dropLast())
        guard !scalars.contains("\\"), !scalars.contains("["), !scalars.contains("]"), scalars.first != "^" else { return nil }
        var ranges: [ClosedRange<UInt32>] = []
        var index = 0
        while index < scalars.count {
            if index + 2 < scalars.count && scalars[index + 1] == "-" {
                guard scalars[index].value <= scalars[index + 2].value else { return nil }
                ranges.append(scalars[index].value...scalars[index + 2].value)
                index += 3
            } else {
                ranges.append(scalars[index].value...scalars[index].value)
                index += 1
            }
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for range in ranges {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        var ascii = UInt128Mask()
        for value in 0..<128 as Range<UInt32> where merged.contains(where: { $0.contains(value) }) { ascii.insert(value) }
        self = .ranges(merged, ascii: ascii)
    }

    @inline(__always)
    func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .whitespace: return ScalarClass.of(scalar).isWhitespace
        case .letters: return ScalarClass.of(scalar) == .letter
        case .punctuation: return scalar.isInPunctuationCategory
        case .ranges(let ranges, let ascii):
            let value = scalar.value
            if value < 128 { return ascii.contains(value) }
            var low = 0
            var high = ranges.count
            while low < high {
                let middle = (low + high) / 2
                if ranges[middle].upperBound < value { low = middle + 1 } else { high = middle }
            }
            return low < ranges.count && ranges[low].contains(value)
        }
    }
}

/// 128 bits, one per ASCII scalar.
struct UInt128Mask: Sendable, Equatable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    mutating func insert(_ value: UInt32) {
        if value < 64 { low |= 1 << UInt64(value) } else { high |= 1 << UInt64(value - 64) }
    }

    @inline(__always)
    func contains(_ value: UInt32) -> Bool {
        value < 64 ? low & (1 << UInt64(value)) != 0 : high & (1 << UInt64(value - 64)) != 0
    }
}
