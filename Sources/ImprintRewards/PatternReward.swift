/// A format reward: one score when the completion matches a regular expression, another when
/// it does not (TRL's usual `format_reward`).
///
/// `.wholeMatch` requires the entire completion to match (Python's `re.fullmatch`); `.contains`
/// accepts a match anywhere (`re.search`). Patterns use Swift `Regex` syntax, which accepts the
/// common Perl/Python forms (`\d`, `(?s)`, lazy `.*?`, named groups).
///
/// ```swift
/// let format = try PatternReward(#"(?s)<think>.*?</think>\s*<answer>.*?</answer>"#)
/// // "<think>872 is the year.</think> <answer>872 AE</answer>"  ->  1
/// // "872 AE"                                                    ->  0
/// ```
public struct PatternReward: Reward {
    /// Where the pattern must match.
    public enum Mode: String, Sendable, Hashable {
        case wholeMatch, contains
    }

    /// The pattern as written.
    public let pattern: String
    /// Whole completion or anywhere in it.
    public var mode: Mode
    /// Score of a matching completion.
    public var matchScore: Double
    /// Score of any other completion.
    public var missScore: Double
    public var name: String

    /// - Throws: `PatternReward.InvalidPattern` when `pattern` does not compile.
    public init(_ pattern: String, mode: Mode = .wholeMatch, matchScore: Double = 1, missScore: Double = 0,
                name: String = "format") throws {
        do {
            _ = try Regex(pattern)
        } catch {
            throw InvalidPattern(pattern: pattern, reason: "\(error)")
        }
        self.pattern = pattern
        self.mode = mode
        self.matchScore = matchScore
        self.missScore = missScore
        self.name = name
    }

    /// Compiles the pattern once per batch (`Regex<AnyRegexOutput>` is not `Sendable`, so the
    /// reward keeps only its text).
    public func score(_ batch: RewardBatch) async throws -> RewardOutput {
        let regex = try Regex(pattern)
        return RewardOutput(batch.completions.map { completion in
            let matched: Bool
            switch mode {
            case .wholeMatch: matched = (try? regex.wholeMatch(in: completion)) != nil
            case .contains: matched = (try? regex.firstMatch(in: completion)) != nil
            }
            return matched ? matchScore : missScore
        })
    }

    /// A pattern that is not a valid regular expression.
    public struct InvalidPattern: Error, Equatable, CustomStringConvertible {
        /// The pattern as given.
        public var pattern: String
        /// The regular-expression parser's message.
        public var reason: String
        public var description: String { "invalid regular expression \(pattern): \(reason)" }
    }
}
