import ImprintCore
/// Invented names that occur in no corpus: syllables joined by a seeded draw, each core used once per world, so no
/// two entities share a name and no name is an answer to a question about another.
struct NameForge {
    private var random: SeededRandom
    private var usedCores: Set<String> = []

    init(random: SeededRandom) {
        self.random = random
    }

    private static let onsets = ["b", "br", "c", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "r", "s", "st",
                                 "t", "th", "v", "w", "z", "sk", "tr", "cl", "fl", "sh", "ch"]
    private static let vowels = ["a", "e", "i", "o", "u", "ae", "ei", "ou", "ia", "y"]
    private static let codas = ["", "", "n", "r", "l", "s", "th", "m", "nd", "rk", "st", "v", "x", "lt"]

    /// A capitalized word of `syllables` syllables, never one produced before (nor a reserved English word).
    mutating func core(syllables: Int = 2, suffixes: [String] = [""], maximumLength: Int = 10) -> String {
        while true {
            var word = ""
            for index in 0..<syllables {
                word += random.pick(Self.onsets) + random.pick(Self.vowels)
                if index == syllables - 1 || random.below(3) == 0 { word += random.pick(Self.codas) }
            }
            word += random.pick(suffixes)
            let name = word.prefix(1).uppercased() + word.dropFirst()
            guard name.count >= 4, name.count <= maximumLength, !usedCores.contains(name.lowercased()) else { continue }
            usedCores.insert(name.lowercased())
            return name
        }
    }

    mutating func givenName() -> String { core(syllables: 2, suffixes: ["", "", "a", "el", "in"], maximumLength: 7) }
    mutating func familyName() -> String {
        core(syllables: 2, suffixes: ["", "", "wick", "mont", "ard", "ell", "by"], maximumLength: 9)
    }
    mutating func placeCore() -> String {
        core(syllables: 2, suffixes: ["holm", "mere", "ford", "wick", "stead", "brook", "haven", "moor", "gate", "by"])
    }
    mutating func plainCore() -> String { core(syllables: 2) }

    /// A draw from the forge's own stream (for choices that go with a name).
    mutating func pick<T>(_ items: [T]) -> T { random.pick(items) }
    mutating func below(_ bound: Int) -> Int { random.below(bound) }
}
