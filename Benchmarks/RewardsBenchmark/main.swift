// RewardsBenchmark: difflib ratio throughput on story-length pairs (~1,000 characters), the
// reward the story experiment computes for every GRPO completion.
//
// Opt-in, never part of the tests. Run through Benchmarks/rewards_vs_python.sh, which builds this
// in release mode and times Python's difflib.SequenceMatcher on the same pairs in the same run.
//
//   RewardsBenchmark [--fixture PATH] [--seconds S]
//
// Pairs: the fixture cases named "story..." (a story against a perturbed, masked, halved copy of
// itself or against another story), read from the committed difflib fixture. One pass scores
// every pair; passes repeat for about S seconds after a warm-up; pairs/s is reported as median,
// min and max over passes, for autojunk on (the seed's setting) and off.
import Foundation
import ImprintRewards

struct DifflibCase: Decodable {
    var name: String
    var a: String
    var b: String
    var ratio: Double
}

struct DifflibFile: Decodable {
    var cases: [DifflibCase]
}

var fixturePath = "Tests/ImprintRewardsTests/Fixtures/difflib.json"
var seconds = 3.0
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--fixture": fixturePath = arguments.popFirst() ?? fixturePath
    case "--seconds": seconds = Double(arguments.popFirst() ?? "") ?? seconds
    default:
        FileHandle.standardError.write(Data("usage: RewardsBenchmark [--fixture PATH] [--seconds S]\n".utf8))
        exit(2)
    }
}

let file = try JSONDecoder().decode(DifflibFile.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath)))
let pairs = file.cases.filter { $0.name.hasPrefix("story") && (700...1400).contains($0.b.unicodeScalars.count) }
let meanLength = pairs.map { Double($0.a.unicodeScalars.count + $0.b.unicodeScalars.count) / 2 }.reduce(0, +)
    / Double(pairs.count)

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Pairs per second of each pass, after a warm-up pass; also checks the ratios against Python's.
func measure(autojunk: Bool) -> [Double] {
    var checksum = 0.0
    for pair in pairs {
        let ratio = SequenceMatcher(pair.a, pair.b, autojunk: autojunk).ratio()
        if autojunk && ratio != pair.ratio {
            FileHandle.standardError.write(Data("ratio mismatch on \(pair.name): \(ratio) vs \(pair.ratio)\n".utf8))
            exit(1)
        }
        checksum += ratio
    }
    var rates: [Double] = []
    let end = now() + seconds
    while now() < end || rates.count < 5 {
        let start = now()
        for pair in pairs { checksum += SequenceMatcher(pair.a, pair.b, autojunk: autojunk).ratio() }
        rates.append(Double(pairs.count) / (now() - start))
    }
    if checksum.isNaN { print("unreachable") }
    return rates.sorted()
}

print(String(format: "pairs: %d story pairs, mean length %.0f characters", pairs.count, meanLength))
for autojunk in [true, false] {
    let rates = measure(autojunk: autojunk)
    let median = rates[rates.count / 2]
    print(String(format: "swift   autojunk=%@  median %.0f pairs/s  (min %.0f, max %.0f, %d passes)",
                 autojunk ? "on " : "off", median, rates.first!, rates.last!, rates.count))
}
