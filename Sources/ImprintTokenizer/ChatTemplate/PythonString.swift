/// Python `str` methods the chat templates use, on Unicode scalars as Python works on code points.
enum PythonString {
    /// Python's `str.isspace()` characters: Unicode White_Space plus the separators U+001C...U+001F.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// `str.strip(chars)` / `lstrip` / `rstrip`; nil `characters` strips whitespace.
    static func strip(_ text: String, characters: String?, left: Bool, right: Bool) -> String {
        let set = characters.map { Set($0.unicodeScalars) }
        func strippable(_ scalar: Unicode.Scalar) -> Bool { set?.contains(scalar) ?? isSpace(scalar) }
        var scalars = Substring(text).unicodeScalars
        if left { while let first = scalars.first, strippable(first) { scalars.removeFirst() } }
        if right { while let last = scalars.last, strippable(last) { scalars.removeLast() } }
        return String(scalars)
    }

    /// `str.split(separator, maxsplit)`; nil separator splits on whitespace runs and drops empty parts.
    static func split(_ text: String, separator: String?, maxSplit: Int = -1) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var parts: [String] = []
        if let separator {
            let needle = Array(separator.unicodeScalars)
            var start = 0
            var index = 0
            while index + needle.count <= scalars.count {
                if (maxSplit < 0 || parts.count < maxSplit) && Array(scalars[index..<(index + needle.count)]) == needle {
                    parts.append(String(String.UnicodeScalarView(scalars[start..<index])))
                    index += needle.count
                    start = index
                } else {
                    index += 1
                }
            }
            parts.append(String(String.UnicodeScalarView(scalars[start...])))
            return parts
        }
        var index = 0
        while index < scalars.count {
            while index < scalars.count && isSpace(scalars[index]) { index += 1 }
            guard index < scalars.count else { break }
            if maxSplit >= 0 && parts.count == maxSplit {
                var end = scalars.count
                while end > index && isSpace(scalars[end - 1]) { end -= 1 }
                parts.append(String(String.UnicodeScalarView(scalars[index..<end])))
                break
            }
            let start = index
            while index < scalars.count && !isSpace(scalars[index]) { index += 1 }
            parts.append(String(String.UnicodeScalarView(scalars[start..<index])))
        }
        return parts
    }

    /// `str.replace(old, new, count)`.
    static func replace(_ text: String, _ old: String, _ new: String, count: Int = -1) -> String {
        if old.isEmpty {
            var result = String.UnicodeScalarView()
            var inserted = 0
            for scalar in text.unicodeScalars {
                if count < 0 || inserted < count { result.append(contentsOf: new.unicodeScalars); inserted += 1 }
                result.append(scalar)
            }
            if count < 0 || inserted < count { result.append(contentsOf: new.unicodeScalars) }
            return String(result)
        }
        let parts = split(text, separator: old, maxSplit: count)
        return parts.joined(separator: new)
    }

    /// `str.capitalize()`: first character title case (Python 3.8+), the rest lower case.
    static func capitalize(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        return first.properties.titlecaseMapping + String(Substring(text).unicodeScalars.dropFirst()).lowercased()
    }

    /// Jinja's `title` filter: capitalizes each word, words starting after whitespace, `-`, `(`, `{`, `[`, `<`.
    static func title(_ text: String) -> String {
        var result = ""
        var atWordStart = true
        for scalar in text.unicodeScalars {
            let boundary = isSpace(scalar) || "-({[<".unicodeScalars.contains(scalar)
            if boundary {
                result.unicodeScalars.append(scalar)
                atWordStart = true
            } else {
                result += atWordStart ? String(scalar).uppercased() : String(scalar).lowercased()
                atWordStart = false
            }
        }
        return result
    }

    /// Python's `str.title()`: a cased character after an uncased one is title-cased, the others lower-cased
    /// (`"they're 3rd"` -> `"They'Re 3Rd"`).
    static func pythonTitle(_ text: String) -> String {
        var result = ""
        var previousCased = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isCased {
                result += previousCased ? scalar.properties.lowercaseMapping : scalar.properties.titlecaseMapping
                previousCased = true
            } else {
                result.unicodeScalars.append(scalar)
                previousCased = false
            }
        }
        return result
    }

    static func startsWith(_ text: String, _ prefix: String) -> Bool { text.unicodeScalars.starts(with: prefix.unicodeScalars) }

    static func endsWith(_ text: String, _ suffix: String) -> Bool {
        text.unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed())
    }

    /// `str.find(sub)`: the code-point offset of the first occurrence, or -1.
    static func find(_ text: String, _ needle: String) -> Int {
        let scalars = Array(text.unicodeScalars)
        let target = Array(needle.unicodeScalars)
        guard target.count <= scalars.count else { return -1 }
        for index in 0...(scalars.count - target.count) where Array(scalars[index..<(index + target.count)]) == target {
            return index
        }
        return -1
    }
}
