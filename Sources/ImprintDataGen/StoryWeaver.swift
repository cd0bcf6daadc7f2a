import ImprintCore
/// A story and the questions it answers, as seed 000 built them with Gemini: a one-paragraph account in a historical
/// style, and (question, short answer, context) triplets whose context is a verbatim sentence of the story.
public struct Story: Sendable, Hashable, Codable {
    /// `s001`, … for woven stories; the index in `stories.txt` for seed 000's.
    public var id: String
    /// The title before the colon of the plotline.
    public var title: String
    /// `"Title: premise"`, one line of seed 000's `stories.txt`.
    public var plotline: String
    /// The story paragraph.
    public var text: String
    /// Its questions; every `context` is a substring of `text` and contains the `answer`.
    public var questions: [StoryQuestion]

    public init(id: String, title: String, plotline: String, text: String, questions: [StoryQuestion] = []) {
        self.id = id
        self.title = title
        self.plotline = plotline
        self.text = text
        self.questions = questions
    }
}

/// One question about a story (seed 000's `QATriplet` plus the fact it came from, when known).
public struct StoryQuestion: Sendable, Hashable, Codable {
    public var question: String
    public var answer: String
    /// The story's sentence that supports the answer, copied verbatim.
    public var context: String
    /// The generated fact it asks about, when the story was woven from facts.
    public var factID: String?

    public init(question: String, answer: String, context: String, factID: String? = nil) {
        self.question = question
        self.answer = answer
        self.context = context
        self.factID = factID
    }
}

/// Weaves generated facts into stories offline: 4–6 facts (consecutive, so one or two subjects) per paragraph, each
/// stated in one sentence in a chronicle's voice (two times in three a story sentence of its relation, else its
/// statement) with a lead-in, plus a closing sentence that states nothing asked. The questions are the facts' canonical questions; each context is the sentence that states the fact.
public struct StoryWeaver: Sendable {
    public var seed: UInt64
    /// How many facts one story states.
    public var factsPerStory: ClosedRange<Int>

    public init(seed: UInt64 = 0, factsPerStory: ClosedRange<Int> = 4...6) {
        precondition(factsPerStory.lowerBound >= 1, "StoryWeaver: factsPerStory must start at 1 or more")
        self.seed = seed
        self.factsPerStory = factsPerStory
    }

    static let openings = [
        "The annals of the period record that ", "According to the chronicles, ", "It is written that ",
        "Later accounts tell that ", "Historians of the age note that ", "Parish registers show that ",
        "As the old ledgers attest, ", "In the telling of the elders, ",
    ]
    static let connectors = ["In those same years, ", "Some time later, ", "By all accounts, ", "Records also show that ",
                             "Travellers of the day reported that ", "", "", ""]
    static let closings = [
        "These deeds were long remembered in the ballads of the river towns.",
        "Their legacy endured in the archives, where scholars still consult the yellowed records.",
        "Little else survives of that age, save a handful of letters and a faded map.",
        "The chroniclers of later centuries would return to these events again and again.",
        "Such was the shape of an era that the histories rarely mention.",
    ]

    /// Stories from facts, in order; facts left over at the end join the last story.
    public func stories(from facts: [Fact]) -> [Story] {
        var random = SeededRandom(seed: seed).fork(30)
        var groups: [[Fact]] = []
        var start = 0
        while start < facts.count {
            let size = factsPerStory.lowerBound + random.below(factsPerStory.count)
            let end = min(facts.count, start + size)
            if end - start < factsPerStory.lowerBound, !groups.isEmpty {
                groups[groups.count - 1] += facts[start..<end]
            } else {
                groups.append(Array(facts[start..<end]))
            }
            start = end
        }
        let width = max(3, String(groups.count).count)
        var titles: [String: Int] = [:]
        return groups.enumerated().map { index, group in
            let number = String(index + 1)
            let id = "s" + String(repeating: "0", count: max(0, width - number.count)) + number
            let hero = group.compactMap(\.subject).first ?? group[0].answer
            var title = "The Chronicle of " + PhrasingGrammar.capitalizedFirst(hero)
            titles[title, default: 0] += 1
            if let part = titles[title], part > 1 { title += ", Part \(part)" }
            return weave(id: id, title: title, facts: group, random: &random)
        }
    }

    func weave(id: String, title: String, facts: [Fact], random: inout SeededRandom) -> Story {
        var subjects: [String] = []
        for fact in facts { if let subject = fact.subject, !subjects.contains(subject) { subjects.append(subject) } }
        if subjects.isEmpty { subjects = ["forgotten times"] }
        let premise = "An account of " + subjects.joined(separator: " and ") + ", as the old records tell it."
        var sentences: [String] = []
        var questions: [StoryQuestion] = []
        for (position, fact) in facts.enumerated() {
            let lead = position == 0 ? random.pick(Self.openings) : random.pick(Self.connectors)
            var statement = fact.statement
            if let subject = fact.subject, let sentences = Relation.storySentences[fact.category], random.below(3) > 0 {
                var answer = fact.answer
                if fact.category == "profession" { answer = NumberWords.article(answer) + " " + answer }
                statement = PhrasingGrammar.expand(random.pick(sentences),
                                                   slots: PhrasingGrammar.Slots(full: subject, short: subject, answer: answer),
                                                   random: &random)
            }
            let sentence = lead.isEmpty ? statement : lead + Self.lowercasedArticle(statement)
            sentences.append(sentence)
            questions.append(StoryQuestion(question: fact.question, answer: fact.answer, context: sentence, factID: fact.id))
        }
        sentences.append(random.pick(Self.closings))
        return Story(id: id, title: title, plotline: title + ": " + premise, text: sentences.joined(separator: " "),
                     questions: questions)
    }

    /// Words that start a sentence but are not names, lower-cased after a lead-in.
    static let commonFirstWords: Set<String> = ["The", "It", "By", "As", "At", "Settlers", "From", "Its"]

    /// "The Velmont society…" → "the Velmont society…" after a lead-in; names stay capitalized.
    static func lowercasedArticle(_ sentence: String) -> String {
        guard let space = sentence.firstIndex(of: " "), commonFirstWords.contains(String(sentence[..<space])) else {
            return sentence
        }
        return sentence.prefix(1).lowercased() + sentence.dropFirst()
    }
}
