/// The plain, line-by-line port of Python's `difflib.SequenceMatcher` (isjunk=None), kept as the
/// test oracle of the fast `SequenceMatcher`: dictionaries for `b2j` and `j2len`, exactly as
/// CPython 3.11 writes them. Tests compare both on random inputs of awkward sizes.
struct ReferenceSequenceMatcher<Element: Hashable> {
    let a: [Element]
    let b: [Element]
    private var b2j: [Element: [Int]] = [:]

    init(_ a: [Element], _ b: [Element], autojunk: Bool = true) {
        self.a = a
        self.b = b
        // __chain_b
        for (i, element) in b.enumerated() {
            b2j[element, default: []].append(i)
        }
        let n = b.count
        if autojunk && n >= 200 {
            let ntest = n / 100 + 1
            let popular = b2j.filter { $0.value.count > ntest }.map(\.key)
            for element in popular { b2j[element] = nil }
        }
    }

    func findLongestMatch(_ alo: Int, _ ahi: Int, _ blo: Int, _ bhi: Int) -> SequenceMatcher.Match {
        var (besti, bestj, bestsize) = (alo, blo, 0)
        var j2len: [Int: Int] = [:]
        for i in alo..<ahi {
            var newj2len: [Int: Int] = [:]
            for j in b2j[a[i]] ?? [] {
                if j < blo { continue }
                if j >= bhi { break }
                let k = (j2len[j - 1] ?? 0) + 1
                newj2len[j] = k
                if k > bestsize {
                    (besti, bestj, bestsize) = (i - k + 1, j - k + 1, k)
                }
            }
            j2len = newj2len
        }
        while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
            (besti, bestj, bestsize) = (besti - 1, bestj - 1, bestsize + 1)
        }
        while besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] == b[bestj + bestsize] {
            bestsize += 1
        }
        return SequenceMatcher.Match(a: besti, b: bestj, size: bestsize)
    }

    func matchingBlocks() -> [SequenceMatcher.Match] {
        var queue = [(0, a.count, 0, b.count)]
        var blocks: [SequenceMatcher.Match] = []
        while let (alo, ahi, blo, bhi) = queue.popLast() {
            let x = findLongestMatch(alo, ahi, blo, bhi)
            let (i, j, k) = (x.a, x.b, x.size)
            if k > 0 {
                blocks.append(x)
                if alo < i && blo < j { queue.append((alo, i, blo, j)) }
                if i + k < ahi && j + k < bhi { queue.append((i + k, ahi, j + k, bhi)) }
            }
        }
        blocks.sort { ($0.a, $0.b, $0.size) < ($1.a, $1.b, $1.size) }
        var (i1, j1, k1) = (0, 0, 0)
        var nonAdjacent: [SequenceMatcher.Match] = []
        for block in blocks {
            if i1 + k1 == block.a && j1 + k1 == block.b {
                k1 += block.size
            } else {
                if k1 > 0 { nonAdjacent.append(.init(a: i1, b: j1, size: k1)) }
                (i1, j1, k1) = (block.a, block.b, block.size)
            }
        }
        if k1 > 0 { nonAdjacent.append(.init(a: i1, b: j1, size: k1)) }
        nonAdjacent.append(.init(a: a.count, b: b.count, size: 0))
        return nonAdjacent
    }

    func ratio() -> Double {
        let matches = matchingBlocks().reduce(0) { $0 + $1.size }
        return SequenceMatcher.ratio(matches: matches, total: a.count + b.count)
    }
}
