// DataGenBenchmark: how fast the offline generator makes facts, and how diverse their phrasings are.
//
//     swift run -c release DataGenBenchmark [--count 1000] [--seed 0] [--difficulty standard]
//
// Prints the distribution of wall times over repeated runs (after a warm-up), and seed 003's diversity measure
// (mean sentence BLEU and Jaccard off the diagonal of the 7×7 phrasing matrices) with its per-relation breakdown.
import Foundation
import ImprintDataGen
import ImprintRewards

var count = 1_000, seed: UInt64 = 0, difficultyName = "standard"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--count": count = Int(arguments.next() ?? "") ?? count
    case "--seed": seed = UInt64(arguments.next() ?? "") ?? seed
    case "--difficulty": difficultyName = arguments.next() ?? difficultyName
    default: FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8)); exit(2)
    }
}
guard let difficulty = FactDifficulty.named(difficultyName) else {
    FileHandle.standardError.write(Data("unknown difficulty \(difficultyName) (easy, standard, hard)\n".utf8)); exit(2)
}
let generator = NovelFactGenerator(seed: seed, difficulty: difficulty)
_ = try generator.facts(count: count)  // warm-up
var seconds: [Double] = []
var facts: [Fact] = []
for _ in 0..<10 {
    let start = DispatchTime.now().uptimeNanoseconds
    facts = try generator.facts(count: count)
    seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
seconds.sort()
print(String(format: "%d facts × 7 phrasings (%@): min %.4f s, median %.4f s, max %.4f s over 10 runs",
             count, difficultyName, seconds[0], seconds[5], seconds[9]))

let report = DiversityReport(facts: facts)
print(String(format: "diversity over %d questions: sentence BLEU %.3f, Jaccard %.3f (seed 003: 0.168, 0.274)",
             report.questions, report.bleu.offDiagonalMean, report.jaccard.offDiagonalMean))
print(report.table)
var byRelation: [String: [Fact]] = [:]
for fact in facts { byRelation[fact.category, default: []].append(fact) }
print("| relation | facts | BLEU | Jaccard |\n|---|---|---|---|")
for (relation, group) in byRelation.sorted(by: { $0.key < $1.key }) {
    let part = DiversityReport(facts: group)
    print(String(format: "| %@ | %d | %.3f | %.3f |", relation, group.count, part.bleu.offDiagonalMean,
                 part.jaccard.offDiagonalMean))
}
