import ImprintCore
/// The paraphrase grammar's notation and its expander.
///
/// A template is text with slots and choices:
/// - `{S}` the subject's full name, `{s}` its short reference (a unique surname, a place's core, "the Velmont society"),
///   `{S's}` and `{s's}` their possessives, `{V}` the subject's verb ("signed" for a treaty), `{A}` the answer;
/// - `(a|b|c)` one of the alternatives, drawn from the seeded source.
/// The first letter of the result is capitalized ("the Velmont society…" at the start becomes "The Velmont society…").
///
/// `"(Name|Identify) the birthplace of {S}."` with subject "Orsa Velintrop" gives "Name the birthplace of Orsa
/// Velintrop." or "Identify the birthplace of Orsa Velintrop."
enum PhrasingGrammar {
    /// The values of the slots of one expansion.
    struct Slots {
        var full: String
        var short: String
        var verb: String = ""
        var answer: String = ""
    }

    static func expand(_ template: String, slots: Slots, random: inout SeededRandom) -> String {
        var output = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "(" {
                let close = template[index...].firstIndex(of: ")")!
                let alternatives = template[template.index(after: index)..<close].split(separator: "|", omittingEmptySubsequences: false)
                output += alternatives[random.below(alternatives.count)]
                index = template.index(after: close)
            } else if character == "{" {
                let close = template[index...].firstIndex(of: "}")!
                let slot = template[template.index(after: index)..<close]
                switch slot {
                case "S": output += slots.full
                case "s": output += slots.short
                case "S's": output += possessive(slots.full)
                case "s's": output += possessive(slots.short)
                case "V": output += slots.verb
                case "A": output += slots.answer
                default: preconditionFailure("PhrasingGrammar: unknown slot {\(slot)} in \(template)")
                }
                index = template.index(after: close)
            } else {
                output.append(character)
                index = template.index(after: index)
            }
        }
        return capitalizedFirst(output)
    }

    /// `Velintrop` → `Velintrop's`; `Ostis` → `Ostis'`.
    static func possessive(_ name: String) -> String {
        name.hasSuffix("s") ? name + "'" : name + "'s"
    }

    static func capitalizedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }
}
