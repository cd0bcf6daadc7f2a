import ImprintCore
/// Atomic facts about a seeded fictional world: nothing a pretrained model can already know, each with a statement,
/// a short answer and its aliases, seven phrasings of its question, and distractors. No model, no network.
///
/// ```swift
/// let facts = try NovelFactGenerator(seed: 7).facts(count: 1_000)
/// facts[0].statement    // e.g. "Orsa Velintrop was born in Port Kessaly."
/// facts[0].phrasings    // "Where was Orsa Velintrop born?", "Velintrop's nativity happened where?", …
/// ```
///
/// Guarantees (tested): the same seed, settings and count give the same facts byte for byte; no two facts share any
/// phrasing; an accepted answer (canonical or alias) of one fact never names a different entity or value than the
/// fact's own; no accepted answer occurs in the fact's phrasings; distractors are never accepted answers.
public struct NovelFactGenerator: Sendable {
    public var seed: UInt64
    public var difficulty: FactDifficulty

    public init(seed: UInt64 = 0, difficulty: FactDifficulty = .standard) {
        self.seed = seed
        self.difficulty = difficulty
    }

    static let professions = ["glassblower", "cartographer", "clockmaker", "apothecary", "bookbinder", "shipwright",
                              "astronomer", "weaver", "stonemason", "engraver", "surveyor", "lamplighter", "cooper",
                              "luthier", "archivist", "botanist", "tanner", "silversmith"]
    static let materials = ["brass", "cedar", "basalt", "copper", "whalebone", "blown glass", "tin", "oak", "porcelain",
                            "wrought iron", "silver", "slate", "walnut", "bronze"]
    static let years = 1620...1910
    static let memberCounts = 24...960

    /// `count` facts (ids `f00001`…), subjects taking turns over the kinds of entity the relations cover.
    ///
    /// - Throws: `FactGenerationError` when the difficulty settings are invalid.
    public func facts(count: Int) throws -> [Fact] {
        precondition(count >= 0, "NovelFactGenerator.facts: count must be non-negative, got \(count)")
        if let problem = difficulty.problem() { throw FactGenerationError(reason: problem) }
        let root = SeededRandom(seed: seed)
        let relations = Relation.all.filter { difficulty.relations.contains($0.name) }
        let kinds = EntityKind.allCases.filter { kind in relations.contains { $0.subject == kind } }

        // Subjects in turn over the kinds until there are enough facts.
        var subjectKinds: [EntityKind] = []
        var planned = 0
        while planned < count {
            let kind = kinds[subjectKinds.count % kinds.count]
            subjectKinds.append(kind)
            planned += min(difficulty.factsPerEntity, relations.filter { $0.subject == kind }.count)
        }
        let pool = difficulty.answerPool ?? max(8, count / 4)
        var counts: [EntityKind: Int] = [:]
        for kind in subjectKinds { counts[kind, default: 0] += 1 }
        counts[.person] = max(counts[.person] ?? 0, relations.contains { $0.answer == .person } ? pool : 0)
        counts[.place] = max(counts[.place] ?? 0, relations.contains { $0.answer == .place } ? pool : 0)
        let world = FictionalWorld(counts: counts, rivers: max(6, pool / 2), provinces: max(6, pool / 3),
                                   confusableNames: difficulty.confusableNames, random: root.fork(10))

        var random = root.fork(20)
        var next: [EntityKind: Int] = [:]
        var facts: [Fact] = []
        let width = max(5, String(count).count)
        for kind in subjectKinds where facts.count < count {
            let subject = world.entities(kind)[next[kind, default: 0]]
            next[kind, default: 0] += 1
            var chosen = relations.filter { $0.subject == kind }
            random.shuffle(&chosen)
            chosen = Array(chosen.prefix(difficulty.factsPerEntity))
            chosen.sort { Relation.all.firstIndex(of: $0)! < Relation.all.firstIndex(of: $1)! }
            for relation in chosen where facts.count < count {
                let number = String(facts.count + 1)
                let id = "f" + String(repeating: "0", count: max(0, width - number.count)) + number
                facts.append(makeFact(id: id, relation: relation, subject: subject, world: world, pool: pool,
                                      random: &random))
            }
        }
        return facts
    }

    /// One fact: the answer drawn from its kind's pool, the statement, seven phrasings, distractors.
    func makeFact(id: String, relation: Relation, subject: WorldEntity, world: FictionalWorld, pool: Int,
                  random: inout SeededRandom) -> Fact {
        let subjectWords = Set(subject.name.split(separator: " ").map { $0.lowercased() })
        // Answers that share no word with the subject's name, so the question's surface does not give them away.
        // A draw from the pool until one fits (32 tries, so the cost stays constant as the pool grows); then the
        // pool's fitting entities, the world's, and at worst any other entity (sharing a name word).
        func entityAnswer(_ candidates: ArraySlice<WorldEntity>, everyone: [WorldEntity]) -> WorldEntity {
            func fits(_ candidate: WorldEntity) -> Bool {
                candidate.name != subject.name
                    && subjectWords.isDisjoint(with: candidate.name.split(separator: " ").map { $0.lowercased() })
            }
            for _ in 0..<32 {
                let candidate = random.pick(candidates)
                if fits(candidate) { return candidate }
            }
            var choices = candidates.filter(fits)
            if choices.isEmpty { choices = everyone.filter(fits) }
            if choices.isEmpty { choices = everyone.filter { $0.name != subject.name } }
            return random.pick(choices)
        }
        let answerEntity: WorldEntity?
        let answer: String
        switch relation.answer {
        case .person: answerEntity = entityAnswer(world.people.prefix(pool), everyone: world.people); answer = answerEntity!.name
        case .place: answerEntity = entityAnswer(world.places.prefix(pool), everyone: world.places); answer = answerEntity!.name
        case .river: answerEntity = random.pick(world.rivers); answer = answerEntity!.name
        case .province: answerEntity = random.pick(world.provinces); answer = answerEntity!.name
        case .year: answerEntity = nil; answer = String(random.integer(in: Self.years))
        case .count: answerEntity = nil; answer = String(random.integer(in: Self.memberCounts))
        case .profession: answerEntity = nil; answer = random.pick(Self.professions)
        case .material: answerEntity = nil; answer = random.pick(Self.materials)
        }
        let aliases: [String]
        switch relation.answer {
        case .count: aliases = NumberWords.aliases(Int(answer)!)
        case .year: aliases = ["the year \(answer)"]
        default: aliases = answerEntity?.aliases ?? []
        }

        var slots = PhrasingGrammar.Slots(full: subject.name, short: subject.shortName, verb: subject.verb)
        slots.answer = relation.answer == .profession ? NumberWords.article(answer) + " " + answer : answer
        let statement = PhrasingGrammar.expand(relation.statement, slots: slots, random: &random)
        var order = Array(1...6)
        random.shuffle(&order)
        let phrasings = ([0] + order).map { PhrasingGrammar.expand(relation.frames[$0], slots: slots, random: &random) }

        let accepted = Set(([answer] + aliases).map { $0.lowercased() })
        var distractors: [String] = []
        var attempts = 0
        while distractors.count < difficulty.distractors && attempts < 200 {
            attempts += 1
            let candidate: String
            switch relation.answer {
            case .person: candidate = random.pick(world.people.prefix(pool)).name
            case .place: candidate = random.pick(world.places.prefix(pool)).name
            case .river: candidate = random.pick(world.rivers).name
            case .province: candidate = random.pick(world.provinces).name
            case .year: candidate = String(random.integer(in: Self.years))
            case .count: candidate = String(random.integer(in: Self.memberCounts))
            case .profession: candidate = random.pick(Self.professions)
            case .material: candidate = random.pick(Self.materials)
            }
            if !accepted.contains(candidate.lowercased()) && candidate != subject.name && !distractors.contains(candidate) {
                distractors.append(candidate)
            }
        }
        return Fact(id: id, statement: statement, answer: answer, aliases: aliases, phrasings: phrasings,
                    category: relation.name, distractors: distractors, subject: subject.name)
    }
}

/// Settings the generator cannot use.
public struct FactGenerationError: Error, CustomStringConvertible, Equatable, Sendable {
    public let reason: String
    public var description: String { "fact generation: \(reason)" }
}

/// English number words for answer aliases ("412" → "four hundred twelve", "four hundred and twelve").
enum NumberWords {
    static let ones = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                       "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

    /// Words for 0..<1000, with "and" after the hundreds when `british` is set.
    static func words(_ n: Int, british: Bool = false) -> String {
        precondition((0..<1000).contains(n), "NumberWords: \(n) out of 0..<1000")
        if n < 20 { return ones[n] }
        if n < 100 { return tens[n / 10] + (n % 10 == 0 ? "" : "-" + ones[n % 10]) }
        let rest = n % 100
        return ones[n / 100] + " hundred" + (rest == 0 ? "" : (british ? " and " : " ") + words(rest))
    }

    static func aliases(_ n: Int) -> [String] {
        let plain = words(n), british = words(n, british: true)
        return plain == british ? [plain] : [plain, british]
    }

    /// "a" or "an" before a word (by its first letter).
    static func article(_ word: String) -> String {
        "aeiou".contains(word.prefix(1).lowercased()) ? "an" : "a"
    }
}
