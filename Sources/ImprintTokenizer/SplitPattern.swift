import Foundation

/// What a `Split` pre-tokenizer or a `Replace` normalizer/decoder looks for: a literal string, a regex with a
/// hand-written matcher (`KnownSplitPattern`, `ScalarRunPattern`), or any other regex, compiled with
/// `NSRegularExpression`.
enum SplitPattern: @unchecked Sendable {
    case literal(String)
    case known(KnownSplitPattern)
    case scalarRun(ScalarRunPattern)
    case regex(NSRegularExpression)

    /// Builds the pattern of a `{"String": ...}` or `{"Regex": ...}` JSON object.
    static func regex(source: String, file: String, field: String) throws -> SplitPattern {
        if let known = KnownSplitPattern(source: source) { return .known(known) }
        if let run = ScalarRunPattern(source: source) { return .scalarRun(run) }
        do {
            return .regex(try NSRegularExpression(pattern: source, options: []))
        } catch {
            throw TokenizerError.invalidPattern(file: file, field: field, pattern: source)
        }
    }

    /// The matches in `scalars` as half-open scalar-offset ranges, in order, non-overlapping and non-empty.
    func matches(in scalars: [Unicode.Scalar], classes: () -> [ScalarClass]) -> [Range<Int>] {
        switch self {
        case .known(let known):
            var ranges: [Range<Int>] = []
            var start = 0
            for end in known.matchEnds(scalars, classes: classes()) {
                ranges.append(start..<end)
                start = end
            }
            return ranges
        case .scalarRun(let run):
            return run.matches(in: scalars)
        case .literal(let literal):
            let needle = Array(literal.unicodeScalars)
            guard !needle.isEmpty, needle.count <= scalars.count else { return [] }
            var ranges: [Range<Int>] = []
            var position = 0
            while position + needle.count <= scalars.count {
                if scalars[position] == needle[0] && Array(scalars[position..<(position + needle.count)]) == needle {
                    ranges.append(position..<(position + needle.count))
                    position += needle.count
                } else {
                    position += 1
                }
            }
            return ranges
        case .regex(let expression):
            let text = String(String.UnicodeScalarView(scalars))
            let utf16 = Array(text.utf16)
            // Map UTF-16 offsets back to scalar offsets.
            var scalarIndexOfUTF16 = [Int](repeating: 0, count: utf16.count + 1)
            var utf16Offset = 0
            for (index, scalar) in scalars.enumerated() {
                let width = scalar.value > 0xFFFF ? 2 : 1
                for step in 0..<width { scalarIndexOfUTF16[utf16Offset + step] = index }
                utf16Offset += width
            }
            scalarIndexOfUTF16[utf16.count] = scalars.count
            let found = expression.matches(in: text, options: [], range: NSRange(location: 0, length: utf16.count))
            return found.compactMap { match in
                guard match.range.length > 0 else { return nil }
                let start = scalarIndexOfUTF16[match.range.location]
                let end = scalarIndexOfUTF16[match.range.location + match.range.length]
                return start..<end
            }
        }
    }

    /// Replaces every match in `text` with `content` (the `Replace` normalizer and decoder).
    func replacingMatches(in text: String, with content: String) -> String {
        if case .literal(let literal) = self {
            return LiteralText.replacing(literal, with: content, in: text)
        }
        let scalars = Array(text.unicodeScalars)
        let ranges = matches(in: scalars) { scalars.map(ScalarClass.of) }
        guard !ranges.isEmpty else { return text }
        var result = String.UnicodeScalarView()
        var position = 0
        for range in ranges {
            result.append(contentsOf: scalars[position..<range.lowerBound])
            result.append(contentsOf: content.unicodeScalars)
            position = range.upperBound
        }
        result.append(contentsOf: scalars[position...])
        return String(result)
    }
}

/// How a `Split` pre-tokenizer treats the matches it finds (HF `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// Splits `scalars` at `matches` (sorted, non-overlapping) the way HF `NormalizedString::split` does,
    /// returning the non-empty pieces' ranges.
    func pieces(count: Int, matches: [Range<Int>], invert: Bool = false) -> [Range<Int>] {
        var parts: [(range: Range<Int>, isMatch: Bool)] = []
        parts.reserveCapacity(matches.count * 2 + 1)
        var position = 0
        for match in matches {
            if position < match.lowerBound { parts.append((position..<match.lowerBound, invert)) }
            parts.append((match, !invert))
            position = match.upperBound
        }
        if position < count { parts.append((position..<count, invert)) }
        var result: [Range<Int>] = []
        result.reserveCapacity(parts.count)
        switch self {
        case .isolated:
            return parts.map(\.range)
        case .removed:
            return parts.filter { !$0.isMatch }.map(\.range)
        case .contiguous:
            var previousMatch = false
            for (index, part) in parts.enumerated() {
                if index > 0 && part.isMatch == previousMatch, let last = result.last {
                    result[result.count - 1] = last.lowerBound..<part.range.upperBound
                } else {
                    result.append(part.range)
                }
                previousMatch = part.isMatch
            }
            return result
        case .mergedWithPrevious:
            var previousMatch = false
            for part in parts {
                if part.isMatch && !previousMatch, let last = result.last {
                    result[result.count - 1] = last.lowerBound..<part.range.upperBound
                } else {
                    result.append(part.range)
                }
                previousMatch = part.isMatch
            }
            return result
        case .mergedWithNext:
            var previousMatch = false
            for part in parts.reversed() {
                if part.isMatch && !previousMatch, let last = result.last {
                    result[result.count - 1] = part.range.lowerBound..<last.upperBound
                } else {
                    result.append(part.range)
                }
                previousMatch = part.isMatch
            }
            return result.reversed()
        }
    }
}
