import Foundation

/// A dictionary key that compares text byte for byte. Swift's `String` equality and hashing follow canonical
/// equivalence (`"é"` == `"e\u{301}"`), but the two spell different bytes and so different tokens; caches keyed by
/// raw input text must tell them apart.
struct ExactText: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        var left = lhs.text
        var right = rhs.text
        return left.withUTF8 { leftBytes in
            right.withUTF8 { rightBytes in
                leftBytes.count == rightBytes.count
                    && (leftBytes.isEmpty || memcmp(leftBytes.baseAddress!, rightBytes.baseAddress!, leftBytes.count) == 0)
            }
        }
    }

    func hash(into hasher: inout Hasher) {
        var copy = text
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Token strings to ids, keyed by exact text (see `ExactText`): a vocabulary may hold both `"é"` and `"e\u{301}"`.
struct Vocabulary: Sendable {
    private var ids: [ExactText: Int] = [:]

    init() {}

    subscript(token: String) -> Int? {
        get { ids[ExactText(token)] }
        set { ids[ExactText(token)] = newValue }
    }

    var count: Int { ids.count }

    mutating func reserveCapacity(_ capacity: Int) { ids.reserveCapacity(capacity) }

    /// Every token with its id, in no particular order.
    var entries: [(token: String, id: Int)] { ids.map { ($0.key.text, $0.value) } }
}
