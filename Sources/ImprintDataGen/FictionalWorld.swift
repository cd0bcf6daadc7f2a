import Foundation
import ImprintCore

/// One entity of a generated world.
public struct WorldEntity: Sendable, Hashable {
    public var kind: EntityKind
    /// The full name as it reads mid-sentence ("Orsa Velintrop", "Port Kessaly", "the Velmont Cartographic Society").
    public var name: String
    /// A shorter reference that still names only this entity ("Velintrop", "Kessaly", "the Velmont society").
    public var shortName: String
    /// The verb of an event ("signed", "held"); empty for other kinds.
    public var verb: String
    /// Other accepted spellings when the entity is an answer ("Velintrop", "O. Velintrop"; "Kessaly").
    public var aliases: [String]
}

/// The entities of a seeded world: people and places (subjects and answers), organizations, inventions, events,
/// and the rivers and provinces places answer with.
struct FictionalWorld {
    var people: [WorldEntity] = []
    var places: [WorldEntity] = []
    var organizations: [WorldEntity] = []
    var inventions: [WorldEntity] = []
    var events: [WorldEntity] = []
    var rivers: [WorldEntity] = []
    var provinces: [WorldEntity] = []

    static let organizationTypes: [(full: String, short: String)] = [
        ("Cartographic Society", "society"), ("Guild of Lampwrights", "guild"), ("Ironworks", "ironworks"),
        ("Academy of Sciences", "academy"), ("Trading Company", "company"), ("Observatory", "observatory"),
        ("Printing House", "press"), ("Conservatory", "conservatory"), ("Glassworks", "glassworks"),
        ("Shipwrights' Union", "union"), ("Botanical Society", "circle"), ("Free School", "school"),
    ]
    static let devices: [(name: String, synonym: String)] = [
        ("loom", "weaving frame"), ("lens", "optic"), ("engine", "machine"), ("compass", "bearing dial"),
        ("press", "printing frame"), ("lamp", "lantern"), ("pump", "water lifter"), ("clock", "timepiece"),
        ("kiln", "furnace"), ("telegraph", "signal line"), ("barometer", "weather glass"), ("sextant", "star sight"),
    ]
    static let eventTypes: [(full: String, short: String, verb: String)] = [
        ("the Treaty of {C}", "the {C} treaty", "signed"), ("the Siege of {C}", "the {C} siege", "fought"),
        ("the Great Fair of {C}", "the {C} fair", "held"), ("the Council of {C}", "the {C} council", "convened"),
        ("the {C} Accord", "the {C} accord", "signed"), ("the Regatta of {C}", "the {C} regatta", "held"),
    ]
    static let placePrefixes = ["Port", "Upper", "Fort", "Saint", "Lower", "East"]

    /// Builds `counts[kind]` entities of each kind and `rivers`/`provinces` answer entities.
    init(counts: [EntityKind: Int], rivers riverCount: Int, provinces provinceCount: Int, confusableNames: Double,
         random: SeededRandom) {
        var forge = NameForge(random: random.fork(1))
        var draws = random.fork(2)

        var fullNames: Set<String> = []
        var given: [String] = [], family: [String] = []
        for _ in 0..<(counts[.person] ?? 0) {
            while true {
                var first = forge.givenName(), last = forge.familyName()
                if !given.isEmpty && draws.unit() < confusableNames {
                    if draws.below(2) == 0 { first = draws.pick(given) } else { last = draws.pick(family) }
                }
                let name = first + " " + last
                guard !fullNames.contains(name) else { continue }
                fullNames.insert(name)
                given.append(first)
                family.append(last)
                break
            }
        }
        // A family name or initial is an alias only where it names one person.
        var familyCount: [String: Int] = [:], initialCount: [String: Int] = [:]
        for (first, last) in zip(given, family) {
            familyCount[last, default: 0] += 1
            initialCount["\(first.prefix(1)). \(last)", default: 0] += 1
        }
        for (first, last) in zip(given, family) {
            let initial = "\(first.prefix(1)). \(last)"
            let unique = familyCount[last] == 1
            people.append(WorldEntity(kind: .person, name: first + " " + last, shortName: unique ? last : first + " " + last,
                                      verb: "", aliases: (unique ? [last] : []) + (initialCount[initial] == 1 ? [initial] : [])))
        }
        for _ in 0..<(counts[.place] ?? 0) {
            if draws.below(3) == 0 {
                let core = forge.plainCore()
                places.append(WorldEntity(kind: .place, name: draws.pick(Self.placePrefixes) + " " + core, shortName: core,
                                          verb: "", aliases: [core]))
            } else {
                let name = forge.placeCore()
                places.append(WorldEntity(kind: .place, name: name, shortName: name, verb: "", aliases: []))
            }
        }
        for _ in 0..<(counts[.organization] ?? 0) {
            let core = forge.plainCore(), type = draws.pick(Self.organizationTypes)
            organizations.append(WorldEntity(kind: .organization, name: "the \(core) \(type.full)",
                                             shortName: "the \(core) \(type.short)", verb: "",
                                             aliases: ["\(core) \(type.full)"]))
        }
        for _ in 0..<(counts[.invention] ?? 0) {
            let core = forge.plainCore(), device = draws.pick(Self.devices)
            inventions.append(WorldEntity(kind: .invention, name: "the \(core) \(device.name)",
                                          shortName: "the \(core) \(device.synonym)", verb: "",
                                          aliases: ["\(core) \(device.name)"]))
        }
        for _ in 0..<(counts[.event] ?? 0) {
            let core = forge.plainCore(), type = draws.pick(Self.eventTypes)
            events.append(WorldEntity(kind: .event, name: type.full.replacingOccurrences(of: "{C}", with: core),
                                      shortName: type.short.replacingOccurrences(of: "{C}", with: core), verb: type.verb,
                                      aliases: []))
        }
        for _ in 0..<riverCount {
            let core = forge.plainCore()
            rivers.append(WorldEntity(kind: .place, name: "the \(core) River", shortName: core, verb: "",
                                      aliases: ["\(core) River", core]))
        }
        for _ in 0..<provinceCount {
            let core = forge.plainCore()
            provinces.append(WorldEntity(kind: .place, name: "\(core) Province", shortName: core, verb: "",
                                         aliases: [core, "the Province of \(core)"]))
        }
    }

    func entities(_ kind: EntityKind) -> [WorldEntity] {
        switch kind {
        case .person: return people
        case .place: return places
        case .organization: return organizations
        case .invention: return inventions
        case .event: return events
        }
    }
}
