/// The kinds of fictional entities a generated world holds.
public enum EntityKind: String, Sendable, Hashable, CaseIterable, Codable {
    case person, place, organization, invention, event
}

/// What a relation's answer is.
public enum AnswerKind: String, Sendable, Hashable, Codable {
    case place, person, year, count, profession, material, river, province
}

/// A relation of the generated world: who it is about, what it answers, its statement, and the seven frames of its
/// question in the paraphrase grammar (`PhrasingGrammar`).
///
/// The frames differ in syntax, not only in words: a wh-question, a fronted preposition, an imperative, a
/// declarative with the wh-word last, a possessive or nominalized subject, an embedded question ("Tell me who…"), a
/// passive. Frame 0 is the canonical question; frames 1–6 are shuffled into `rephrased_1` … `rephrased_6` per fact, so
/// a held-out column is not always the same construction.
public struct Relation: Sendable, Hashable {
    /// The category name written with each fact (`birthplace`, `founding_year`, …).
    public let name: String
    public let subject: EntityKind
    public let answer: AnswerKind
    /// The fact as a sentence: `{S}` subject, `{A}` answer (verbatim, so story contexts contain it).
    let statement: String
    /// Seven question frames; frame 0 is the canonical question.
    let frames: [String]

    public static func named(_ name: String) -> Relation? { all.first { $0.name == name } }

    /// Sentences in a chronicle's voice for woven stories (`{S}` subject, `{A}` answer verbatim), by relation; a
    /// relation without any (the events, whose verb the fact does not keep) is told by its statement.
    static let storySentences: [String: [String]] = [
        "birthplace": ["{S} was born in {A}, where the family kept a modest house by the market.",
                       "It was in {A} that {S} first drew breath."],
        "birth_year": ["{S} came into the world in {A}, in the last days of a hard winter.",
                       "The parish register records the birth of {S} in {A}."],
        "profession": ["By trade, {S} was {A}, and a respected one.", "{S} earned a living as {A} for most of a long life."],
        "mentor": ["As a youth, {S} was apprenticed to {A}.", "{S} learned the craft at the bench of {A}."],
        "settlement_year": ["The first houses of {S} were raised in {A}.", "Settlers laid out {S} in {A}."],
        "river": ["{S} grew up along the banks of {A}.", "The mills of {S} were turned by {A}."],
        "province": ["{S} answered to the governors of {A}.", "{S} lay within {A}."],
        "founder": ["{S} owed its existence to {A}, who drew up its first charter.", "{A} founded {S}."],
        "founding_year": ["{S} received its charter in {A}.", "{S} opened its doors in {A}."],
        "headquarters": ["{S} kept its hall in {A}.", "From {A}, {S} conducted its affairs."],
        "founding_members": ["At its founding, {S} counted {A} members.", "{A} members signed the first roll of {S}."],
        "inventor": ["{S} was the work of {A}.", "{A} built {S} after years of trials."],
        "invention_year": ["{S} was first shown to the public in {A}.", "{S} appeared in {A}."],
        "material": ["{S} was fashioned from {A}.", "Its makers built {S} of {A}."],
    ]

    /// Every relation, grouped by subject kind.
    public static let all: [Relation] = [
        // People: {S} "Orsa Velintrop", {s} "Velintrop" (when no other person has that family name).
        Relation(name: "birthplace", subject: .person, answer: .place, statement: "{S} was born in {A}.", frames: [
            "Where was {S} born?",
            "In which (town|settlement) did {s} (first see the light of day|come into the world)?",
            "(Name|Identify) the birthplace of {S}.",
            "{s's} (birth|nativity) (took place|happened) (where|in what locality)?",
            "(Tell me|Say) (what town|which locality) {S} (hailed|came) from originally.",
            "From (what|which) (hometown|native town) did {s} (originate|spring)?",
            "Which (place|locale) (can claim|claims) {S} as (its|a) native?",
        ]),
        Relation(name: "birth_year", subject: .person, answer: .year, statement: "{S} was born in {A}.", frames: [
            "In what year was {S} born?",
            "When did {s} (come into the world|first draw breath)?",
            "(Give|State) the year of {S's} birth.",
            "{S's} (birth|nativity) fell in (which|what) year?",
            "Which year (saw|marked) the (arrival|birth) of {s}?",
            "(Tell me|Say) (the year|which year) {s} (arrived on earth|entered life).",
            "{S} (entered this life|was brought into the world) during (which|what) year?",
        ]),
        Relation(name: "profession", subject: .person, answer: .profession, statement: "{S} worked as {A}.", frames: [
            "What was {S's} profession?",
            "(Which|What) (trade|craft) did {s} (practice|follow)?",
            "How did {S} (earn a living|make a livelihood)?",
            "(Name|Identify) the (occupation|line of work) (of|held by) {s}.",
            "{s} (worked|laboured) as what (kind of worker|sort of tradesperson)?",
            "What did {S} do for (work|a living)?",
            "{s's} (livelihood|income) came from (which|what) (calling|vocation)?",
        ]),
        Relation(name: "mentor", subject: .person, answer: .person, statement: "{S} trained under {A}.", frames: [
            "Who was {S's} mentor?",
            "Under whom did {s} (train|apprentice)?",
            "(Name|Identify) the (teacher|master) who (trained|instructed) {S}.",
            "{s} (learned|acquired) (the craft|a trade) from (which|what) (master|tutor)?",
            "Whose (pupil|apprentice) was {S}?",
            "By whom was {s} (taught|schooled)?",
            "(Tell me|Say) who (guided|tutored) {S} in (youth|early years).",
        ]),
        // Places: {S} "Port Kessaly" or "Drunholm", {s} its core ("Kessaly").
        Relation(name: "settlement_year", subject: .place, answer: .year, statement: "{S} was founded in {A}.", frames: [
            "In what year was {S} founded?",
            "When did (settlers|colonists) (establish|first build) {s}?",
            "(Give|State) the founding year of {S}.",
            "{S's} (settlement|foundation) (dates|goes back) to (which|what) year?",
            "Which year (saw|marked) the establishment of {s}?",
            "(Tell me|Say) (the year|which year) {s} (came into existence|was first settled).",
            "{S} (was laid out|was chartered) during (which|what) year?",
        ]),
        Relation(name: "river", subject: .place, answer: .river, statement: "{S} stands on {A}.", frames: [
            "Which river flows through {S}?",
            "(What|Which) (waterway|stream) (runs|winds) past {s}?",
            "(Name|Identify) the river (of|beside) {S}.",
            "{s} (stands|lies|sits) on the (banks|shore) of (which|what) river?",
            "Along (which|what) (current|watercourse) was {S} built?",
            "{S's} (mills|waterwheels) (drew on|were turned by) (which|what) river?",
            "(Tell me|Say) the river (crossing|that crosses) {s}.",
        ]),
        Relation(name: "province", subject: .place, answer: .province, statement: "{S} lies in {A}.", frames: [
            "In which province is {S}?",
            "(What|Which) (region|territory) (contains|includes) {s}?",
            "(Name|Identify) the province (of|that holds) {S}.",
            "{s} (belongs to|lies within|sits in) (what|which) (province|administrative region)?",
            "Where, in terms of province, (is|lies) {S} (located|situated)?",
            "{S's} (governing|home) province is (which|what) one?",
            "(Tell me|Say) (which|what) province {s} (falls under|answers to).",
        ]),
        // Organizations: {S} "the Velmont Cartographic Society", {s} "the Velmont society".
        Relation(name: "founder", subject: .organization, answer: .person, statement: "{S} was founded by {A}.", frames: [
            "Who founded {S}?",
            "By whom was {s} (established|set up)?",
            "(Name|Identify) the founder of {S}.",
            "{S} (owes|owed) its (creation|origin) to (whom|which person)?",
            "Whose (initiative|vision) (led to|brought about) {s}?",
            "(Which|What) person (started|launched) {s}?",
            "(Tell me|Say) who (created|brought into being) {S}.",
        ]),
        Relation(name: "founding_year", subject: .organization, answer: .year, statement: "{S} was established in {A}.", frames: [
            "In what year was {S} established?",
            "When was {s} (set up|formed)?",
            "(Give|State) the founding year of {S}.",
            "{S's} (charter|creation) (dates|goes back) to (which|what) year?",
            "Which year (saw|marked) the (formation|launch) of {s}?",
            "(Tell me|Say) (the year|which year) {s} (began|opened its doors).",
            "{S} came into being during (which|what) year?",
        ]),
        Relation(name: "headquarters", subject: .organization, answer: .place, statement: "{S} had its seat in {A}.", frames: [
            "Where was {S} headquartered?",
            "In which (town|city) did {s} (keep|have) its (seat|offices)?",
            "(Name|Identify) the home town of {S}.",
            "{s's} (headquarters|main hall) (stood|was located) (where|in what town)?",
            "From (which|what) (town|city) did {S} (operate|conduct its affairs)?",
            "(Tell me|Say) where {s} was based.",
            "Which (place|locale) hosted {S's} (head office|central chamber)?",
        ]),
        Relation(name: "founding_members", subject: .organization, answer: .count,
                 statement: "{S} had {A} members at its founding.", frames: [
            "How many members did {S} have at its founding?",
            "(What|Which) (number|count) of (founding|original) members did {s} (have|enroll)?",
            "(Give|State) the (size|headcount) of {S} (when it was founded|at its start).",
            "{s} (began|started) with how many (members|fellows)?",
            "Of how many (people|persons) did {S} consist (originally|at first)?",
            "(Tell me|Say) the original membership (total|figure) of {s}.",
            "{S's} (first|opening) (roll|register) (listed|counted) how many (names|members)?",
        ]),
        // Inventions: {S} "the Ombrel loom", {s} "the Ombrel weaving frame".
        Relation(name: "inventor", subject: .invention, answer: .person, statement: "{S} was invented by {A}.", frames: [
            "Who invented {S}?",
            "By whom was {s} (devised|designed)?",
            "(Name|Identify) the inventor of {S}.",
            "{S} (was|is) (credited to|the work of) (whom|which inventor)?",
            "Whose (workshop|bench) (produced|gave rise to) {s}?",
            "(Which|What) (artisan|maker) (came up with|conceived) {s}?",
            "(Tell me|Say) who (built|created) {S} (first|originally).",
        ]),
        Relation(name: "invention_year", subject: .invention, answer: .year, statement: "{S} was invented in {A}.", frames: [
            "In what year was {S} invented?",
            "When was {s} (first built|devised)?",
            "(Give|State) the year of {S's} invention.",
            "{S's} (debut|first appearance) (dates|goes back) to (which|what) year?",
            "Which year (saw|marked) the (arrival|unveiling) of {s}?",
            "(Tell me|Say) (the year|which year) {s} (appeared|was introduced).",
            "{S} (came into use|was first demonstrated) during (which|what) year?",
        ]),
        Relation(name: "material", subject: .invention, answer: .material, statement: "{S} was made of {A}.", frames: [
            "What material was {S} made of?",
            "From (which|what) (substance|stuff) was {s} (built|fashioned)?",
            "(Name|Identify) the (chief|main) material of {S}.",
            "{s} was (constructed|crafted) (out of|from) what?",
            "(Which|What) (raw material|medium) (went into|formed) {S's} (frame|body)?",
            "(Tell me|Say) what {s} was (forged|shaped) from.",
            "{S's} (makers|builders) (used|chose) (which|what) (stuff|matter)?",
        ]),
        // Events: {S} "the Treaty of Varnholm", {s} "the Varnholm treaty", {V} "signed".
        Relation(name: "event_place", subject: .event, answer: .place, statement: "{S} was {V} in {A}.", frames: [
            "Where was {S} {V}?",
            "In which (town|city) was {s} {V}?",
            "(Name|Identify) the (site|location) of {S}.",
            "{s} took place (where|in what town)?",
            "(Which|What) (place|locale) (hosted|witnessed) {S}?",
            "(Tell me|Say) where {s} (happened|unfolded).",
            "{S's} (setting|venue) was (which|what) town?",
        ]),
        Relation(name: "event_year", subject: .event, answer: .year, statement: "{S} was {V} in {A}.", frames: [
            "In what year was {S} {V}?",
            "When did {s} (take place|occur)?",
            "(Give|State) the year of {S}.",
            "{s} (dates|goes back) to (which|what) year?",
            "Which year (saw|witnessed) {S}?",
            "(Tell me|Say) (the year|which year) {s} (happened|unfolded).",
            "{S} (fell|took place) in (which|what) year?",
        ]),
        Relation(name: "event_leader", subject: .event, answer: .person, statement: "{S} was led by {A}.", frames: [
            "Who presided over {S}?",
            "Under whose (leadership|direction) was {s} (conducted|carried out)?",
            "(Name|Identify) the (leader|chief figure) of {S}.",
            "{s} was (led|directed) by (whom|which person)?",
            "(Which|What) person (headed|oversaw) {S}?",
            "(Tell me|Say) who (chaired|commanded) {s}.",
            "{S's} (presiding figure|chief organizer) was who?",
        ]),
    ]
}
