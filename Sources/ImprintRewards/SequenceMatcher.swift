/// A port of Python's `difflib.SequenceMatcher(None, a, b)`: matching blocks and `ratio()`.
///
/// The similarity is `ratio = 2 * M / T`, where `T = len(a) + len(b)` and `M` is the total size of
/// the matching blocks that difflib's recursive longest-match search finds (a Ratcliff/Obershelp
/// variant); two empty sequences have ratio 1. Over strings, elements are Unicode code points, as
/// Python iterates a `str` (`"é"` written as `e` + U+0301 is two elements, not one).
///
/// **autojunk** (on by default, as in Python): when `b` has at least 200 elements, every element
/// occurring more than `len(b) / 100 + 1` times (integer division) is "popular" and never *starts*
/// a match; matches can still grow over it. On story-length references this changes scores a lot:
/// an unrelated story scores 0.020 with autojunk and 0.148 without (seed 000, story 0).
///
/// ```swift
/// SequenceMatcher("abc", "abd").ratio()     // 0.6666666666666666 (M = 2, T = 6)
/// SequenceMatcher("abcd", "bcde").ratio()   // 0.75
/// SequenceMatcher("abxcd", "abcd").matchingBlocks()
/// // [(a: 0, b: 0, size: 2), (a: 3, b: 2, size: 2), (a: 5, b: 4, size: 0)]
/// ```
///
/// Matches Python 3.11 `difflib.SequenceMatcher(isjunk=None, a=a, b=b, autojunk=...)`: `ratio()`,
/// `quick_ratio()`, `real_quick_ratio()`, `find_longest_match()` and `get_matching_blocks()` return
/// the same numbers (tests compare to 1e-12 on recorded fixtures). The `isjunk` callback is not
/// supported. Internally elements are coded as small integers and `b2j` is a flat, sorted table,
/// so the search does no hashing; a plain dictionary port stays beside it as the test oracle.
public struct SequenceMatcher: Sendable {
    /// A matching block: `a[a..<a+size] == b[b..<b+size]` (Python's `Match(a, b, size)`).
    public struct Match: Hashable, Sendable, CustomStringConvertible {
        /// Start in `a`.
        public var a: Int
        /// Start in `b`.
        public var b: Int
        /// Number of equal elements.
        public var size: Int

        public init(a: Int, b: Int, size: Int) {
            self.a = a
            self.b = b
            self.size = size
        }

        public var description: String { "(a: \(a), b: \(b), size: \(size))" }
    }

    /// Whether popular elements of `b` were excluded from starting matches (see the type's summary).
    public let autojunk: Bool
    /// The elements of `a` as codes of `b`'s distinct elements; `-1` where the element is not in `b`.
    private let codedA: [Int32]
    /// The elements of `b` as codes `0..<distinctCount`.
    private let codedB: [Int32]
    /// `b2j` as a flat table: positions of code `c` in `b` are `positions[start[c]..<start[c + 1]]`,
    /// ascending; empty for popular codes.
    private let positionsStart: [Int32]
    private let positions: [Int32]
    /// How often each code occurs in `b`, popular ones included (for `quickRatio`).
    private let codeCounts: [Int32]

    /// Compares the code points of two strings.
    public init(_ a: String, _ b: String, autojunk: Bool = true) {
        var asciiCodes = [Int32](repeating: -1, count: 128)
        var otherCodes: [UInt32: Int32] = [:]
        var distinct: Int32 = 0
        var codedB: [Int32] = []
        codedB.reserveCapacity(b.utf8.count)
        for scalar in b.unicodeScalars {
            let value = scalar.value
            if value < 128 {
                if asciiCodes[Int(value)] < 0 {
                    asciiCodes[Int(value)] = distinct
                    distinct += 1
                }
                codedB.append(asciiCodes[Int(value)])
            } else if let code = otherCodes[value] {
                codedB.append(code)
            } else {
                otherCodes[value] = distinct
                codedB.append(distinct)
                distinct += 1
            }
        }
        var codedA: [Int32] = []
        codedA.reserveCapacity(a.utf8.count)
        for scalar in a.unicodeScalars {
            let value = scalar.value
            codedA.append(value < 128 ? asciiCodes[Int(value)] : (otherCodes[value] ?? -1))
        }
        self.init(codedA: codedA, codedB: codedB, distinctCount: Int(distinct), autojunk: autojunk)
    }

    /// Compares two sequences of any hashable elements (words, token ids, lines), as Python
    /// compares two lists.
    ///
    /// `SequenceMatcher(elements: ["the", "cat"], ["the", "dog"]).ratio()` is `0.5`.
    public init<Element: Hashable>(elements a: [Element], _ b: [Element], autojunk: Bool = true) {
        var codes: [Element: Int32] = [:]
        let codedB = b.map { element -> Int32 in
            if let code = codes[element] { return code }
            let code = Int32(codes.count)
            codes[element] = code
            return code
        }
        let codedA = a.map { codes[$0] ?? -1 }
        self.init(codedA: codedA, codedB: codedB, distinctCount: codes.count, autojunk: autojunk)
    }

    /// Builds `b2j` (Python's `__chain_b`) from coded sequences.
    private init(codedA: [Int32], codedB: [Int32], distinctCount: Int, autojunk: Bool) {
        precondition(codedB.count < Int(Int32.max) && codedA.count < Int(Int32.max),
                     "SequenceMatcher: sequences of \(codedA.count) and \(codedB.count) elements exceed Int32 indexing")
        self.autojunk = autojunk
        self.codedA = codedA
        self.codedB = codedB
        var counts = [Int32](repeating: 0, count: distinctCount)
        for code in codedB { counts[Int(code)] += 1 }
        self.codeCounts = counts

        // Python: if autojunk and n >= 200, elements with more than n // 100 + 1 occurrences are popular.
        let n = codedB.count
        let popularAbove = (autojunk && n >= 200) ? Int32(n / 100 + 1) : Int32.max
        var start = [Int32](repeating: 0, count: distinctCount + 1)
        for code in 0..<distinctCount {
            let kept = counts[code] > popularAbove ? 0 : counts[code]
            start[code + 1] = start[code] + kept
        }
        var next = start
        var positions = [Int32](repeating: 0, count: Int(start[distinctCount]))
        for (j, code) in codedB.enumerated() where counts[Int(code)] <= popularAbove {
            positions[Int(next[Int(code)])] = Int32(j)
            next[Int(code)] += 1
        }
        self.positionsStart = start
        self.positions = positions
    }

    /// Number of elements of `a` and of `b`.
    public var counts: (a: Int, b: Int) { (codedA.count, codedB.count) }

    /// `2 * M / T`, the share of both sequences covered by matching blocks (Python's `ratio()`).
    ///
    /// `SequenceMatcher("abc", "abd").ratio()` is `2 * 2 / 6 = 0.6666666666666666`.
    public func ratio() -> Double {
        var scratch = Scratch(bCount: codedB.count)
        var matched = 0
        forEachMatch(scratch: &scratch) { matched += $0.size }
        return Self.ratio(matches: matched, total: codedA.count + codedB.count)
    }

    /// An upper bound on `ratio()`: matches counted as a multiset intersection, ignoring order
    /// (Python's `quick_ratio()`).
    ///
    /// `SequenceMatcher("abcd", "bcde").quickRatio()` is `0.75`; for `"ab"` vs `"ba"` it is 1
    /// while `ratio()` is 0.5.
    public func quickRatio() -> Double {
        var available = codeCounts
        var matched = 0
        for code in codedA where code >= 0 {
            if available[Int(code)] > 0 { matched += 1 }
            available[Int(code)] -= 1
        }
        return Self.ratio(matches: matched, total: codedA.count + codedB.count)
    }

    /// A cheaper upper bound: `2 * min(len(a), len(b)) / T` (Python's `real_quick_ratio()`).
    public func realQuickRatio() -> Double {
        Self.ratio(matches: min(codedA.count, codedB.count), total: codedA.count + codedB.count)
    }

    /// Python's `_calculate_ratio`: `2.0 * matches / total`, or 1 when both sequences are empty.
    static func ratio(matches: Int, total: Int) -> Double {
        total > 0 ? 2.0 * Double(matches) / Double(total) : 1.0
    }

    /// The matching blocks, sorted, adjacent ones merged, ending with the sentinel
    /// `(len(a), len(b), 0)` (Python's `get_matching_blocks()`).
    public func matchingBlocks() -> [Match] {
        var scratch = Scratch(bCount: codedB.count)
        var blocks: [Match] = []
        forEachMatch(scratch: &scratch) { blocks.append($0) }
        blocks.sort { ($0.a, $0.b, $0.size) < ($1.a, $1.b, $1.size) }
        var merged: [Match] = []
        var current = Match(a: 0, b: 0, size: 0)
        for block in blocks {
            if current.a + current.size == block.a && current.b + current.size == block.b {
                current.size += block.size
            } else {
                if current.size > 0 { merged.append(current) }
                current = block
            }
        }
        if current.size > 0 { merged.append(current) }
        merged.append(Match(a: codedA.count, b: codedB.count, size: 0))
        return merged
    }

    /// The longest block in `a[aLow..<aHigh]` and `b[bLow..<bHigh]`; of the longest, the one that
    /// starts earliest in `a`, then in `b`; `(aLow, bLow, 0)` when nothing matches (Python's
    /// `find_longest_match(alo, ahi, blo, bhi)`).
    ///
    /// `SequenceMatcher(" abcd", "abcd abcd").findLongestMatch(0, 5, 0, 9)` is `(a: 0, b: 4, size: 5)`.
    public func findLongestMatch(_ aLow: Int, _ aHigh: Int, _ bLow: Int, _ bHigh: Int) -> Match {
        precondition(0 <= aLow && aLow <= aHigh && aHigh <= codedA.count && 0 <= bLow && bLow <= bHigh
                     && bHigh <= codedB.count,
                     "findLongestMatch: ranges \(aLow)..<\(aHigh), \(bLow)..<\(bHigh) outside \(counts)")
        var scratch = Scratch(bCount: codedB.count)
        return longestMatch(aLow, aHigh, bLow, bHigh, scratch: &scratch)
    }

    /// Python's `get_matching_blocks` recursion (an explicit stack), before sorting and merging.
    private func forEachMatch(scratch: inout Scratch, _ body: (Match) -> Void) {
        var pending = [(aLow: 0, aHigh: codedA.count, bLow: 0, bHigh: codedB.count)]
        while let (aLow, aHigh, bLow, bHigh) = pending.popLast() {
            let match = longestMatch(aLow, aHigh, bLow, bHigh, scratch: &scratch)
            guard match.size > 0 else { continue }
            body(match)
            if aLow < match.a && bLow < match.b {
                pending.append((aLow, match.a, bLow, match.b))
            }
            if match.a + match.size < aHigh && match.b + match.size < bHigh {
                pending.append((match.a + match.size, aHigh, match.b + match.size, bHigh))
            }
        }
    }

    /// Per-search working memory: Python's `j2len` dictionaries as one array.
    ///
    /// `runLength[j + 1]` is the length of the match ending at `b[j]` found in the row stamped
    /// `rowStamp[j + 1]`; an entry from any other row reads as 0 (Python's fresh `newj2len`).
    private struct Scratch {
        var runLength: [Int32]
        var rowStamp: [Int]
        var stamp = 0

        init(bCount: Int) {
            runLength = [Int32](repeating: 0, count: bCount + 1)
            rowStamp = [Int](repeating: -1, count: bCount + 1)
        }
    }

    /// `find_longest_match` with shared scratch memory; `isjunk` is `None`, so the junk-extension
    /// passes of Python never extend and are omitted.
    private func longestMatch(_ aLow: Int, _ aHigh: Int, _ bLow: Int, _ bHigh: Int,
                              scratch: inout Scratch) -> Match {
        var bestA = aLow, bestB = bLow, bestSize = 0
        var stamp = scratch.stamp + 1  // a fresh stamp: no entry belongs to the row "before" aLow
        codedA.withUnsafeBufferPointer { a in
            positionsStart.withUnsafeBufferPointer { start in
                positions.withUnsafeBufferPointer { positions in
                    scratch.runLength.withUnsafeMutableBufferPointer { runLength in
                        scratch.rowStamp.withUnsafeMutableBufferPointer { rowStamp in
                            var bestStamp = -1
                            for i in aLow..<aHigh {
                                stamp += 1
                                let code = Int(a[i])
                                if code < 0 { continue }
                                let previous = stamp - 1
                                // positions of a[i] within bLow..<bHigh, by binary search
                                let first = Self.lowerBound(positions, Int(start[code]), Int(start[code + 1]), bLow)
                                var p = Self.lowerBound(positions, first, Int(start[code + 1]), bHigh) - 1
                                // Descending j, so that reading entry j (match ending at b[j - 1]) sees the
                                // previous row; among equal lengths in one row the smallest j wins, as in
                                // Python's ascending loop with a strict `k > bestsize`.
                                while p >= first {
                                    let j = Int(positions[p])
                                    let k = (rowStamp[j] == previous ? runLength[j] : 0) + 1
                                    runLength[j + 1] = k
                                    rowStamp[j + 1] = stamp
                                    if Int(k) > bestSize || (Int(k) == bestSize && bestStamp == stamp) {
                                        bestA = i - Int(k) + 1
                                        bestB = j - Int(k) + 1
                                        bestSize = Int(k)
                                        bestStamp = stamp
                                    }
                                    p -= 1
                                }
                            }
                        }
                    }
                }
            }
        }
        scratch.stamp = stamp + 1
        // Extend over equal elements on both sides (popular elements included, as in Python).
        while bestA > aLow && bestB > bLow && codedA[bestA - 1] == codedB[bestB - 1] {
            bestA -= 1
            bestB -= 1
            bestSize += 1
        }
        while bestA + bestSize < aHigh && bestB + bestSize < bHigh
                && codedA[bestA + bestSize] == codedB[bestB + bestSize] {
            bestSize += 1
        }
        return Match(a: bestA, b: bestB, size: bestSize)
    }

    /// First index in `values[low..<high]` (ascending) whose value is at least `target`.
    @inline(__always)
    private static func lowerBound(_ values: UnsafeBufferPointer<Int32>, _ low: Int, _ high: Int,
                                   _ target: Int) -> Int {
        var low = low, high = high
        while low < high {
            let middle = (low + high) >> 1
            if Int(values[middle]) < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
