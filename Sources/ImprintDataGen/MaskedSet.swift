import Foundation
import ImprintCore

/// Masked-modelling examples as seed 000's `modify_training_data.py` built them, seeded: each sentence of a story
/// replaced by `[MASKED]` in turn (one example per sentence), and one example per story with `wordsPerStory` random
/// words replaced. The target is always the whole story.
public struct MaskedSetBuilder: Sendable {
    /// The mask (seed 000: the literal `[MASKED]`).
    public var mask: String
    /// Words masked in the random-word example (seed 000: 3).
    public var wordsPerStory: Int
    public var seed: UInt64

    public init(seed: UInt64 = 0, mask: String = "[MASKED]", wordsPerStory: Int = 3) {
        precondition(wordsPerStory >= 1, "MaskedSetBuilder: wordsPerStory must be at least 1, got \(wordsPerStory)")
        self.seed = seed
        self.mask = mask
        self.wordsPerStory = wordsPerStory
    }

    /// One masked version of a story.
    public struct Example: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// The k-th sentence (0-based) masked, with every other occurrence of it (Python's `str.replace`).
            case sentence(Int)
            /// Random words masked.
            case randomWords
        }
        public var storyID: String
        public var title: String
        public var kind: Kind
        public var masked: String
        public var original: String

        /// Seed 000's RL prompt (`modify_training_data.py`, final version).
        public var prompt: String {
            "You are tasked to fill the masked text within the <text> tags. Output the fully filled text and only the "
                + "fully filled text. The text is about the story: \(title). <text> \(masked) </text>"
        }

        /// `sentence-3` or `random-words`.
        public var kindName: String {
            switch kind {
            case .sentence(let index): return "sentence-\(index)"
            case .randomWords: return "random-words"
            }
        }
    }

    /// Sentence examples of every story, then one random-word example per story (seed 000's order: 416 + 100).
    public func examples(for stories: [Story]) -> [Example] {
        var sentenceExamples: [Example] = []
        var wordExamples: [Example] = []
        for (index, story) in stories.enumerated() {
            for (position, sentence) in Self.sentences(story.text).enumerated() {
                sentenceExamples.append(Example(storyID: story.id, title: story.title, kind: .sentence(position),
                                                masked: story.text.replacingAll(sentence, with: mask), original: story.text))
            }
            var random = SeededRandom(seed: seed).fork(UInt64(index) &+ 1000)
            wordExamples.append(Example(storyID: story.id, title: story.title, kind: .randomWords,
                                        masked: maskRandomWords(story.text, random: &random), original: story.text))
        }
        return sentenceExamples + wordExamples
    }

    /// Python's `re.split(r'(?<=[.!?])\s+', text)`: split at runs of white space that follow `.`, `!` or `?`;
    /// empty pieces are dropped.
    public static func sentences(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = String.UnicodeScalarView()
        var previous: Unicode.Scalar? = nil
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if scalar.properties.isWhitespace, let last = previous, last == "." || last == "!" || last == "?" {
                pieces.append(String(current))
                current = String.UnicodeScalarView()
                while let next = iterator.next() {
                    if !next.properties.isWhitespace { pending = next; break }
                }
                previous = nil
                continue
            }
            current.append(scalar)
            previous = scalar
        }
        pieces.append(String(current))
        return pieces.filter { !$0.isEmpty }
    }

    /// Seed 000's `mask_random_words`: split on white space, mask `wordsPerStory` distinct positions, join with one
    /// space; a text of `wordsPerStory` words or fewer is returned unchanged.
    public func maskRandomWords(_ text: String, random: inout SeededRandom) -> String {
        var words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard words.count > wordsPerStory else { return text }
        for index in random.sample(wordsPerStory, from: words.count) { words[index] = mask }
        return words.joined(separator: " ")
    }

    /// A row for SFT (`{"messages": [user, assistant]}`, seed 000's `conversations` shape) or GRPO
    /// (`{"prompt": [user], "answer": story, ...}`).
    public static func row(_ example: Example, for use: TrainingUse) -> JSONValue {
        let columns: [(String, JSONValue)] = [("story_id", .string(example.storyID)), ("mask", .string(example.kindName))]
        switch use {
        case .sft:
            return .object([("messages", .messages([ChatMessage(role: "user", content: example.prompt),
                                                    ChatMessage(role: "assistant", content: example.original)]))] + columns)
        case .grpo:
            return .object([("prompt", .messages([ChatMessage(role: "user", content: example.prompt)])),
                            ("answer", .string(example.original))] + columns)
        }
    }
}

/// Which trainer a set is written for.
public enum TrainingUse: String, Sendable, CaseIterable {
    case sft, grpo
}

extension String {
    /// Every non-overlapping occurrence of `target` replaced, left to right (Python's `str.replace`); an empty target
    /// changes nothing.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var output = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            output += rest[..<range.lowerBound]
            output += replacement
            rest = rest[range.upperBound...]
        }
        return output + rest
    }
}
