import ArgumentParser
import Foundation
import Imprint

struct DataGenMaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mask",
        abstract: "Masked-modelling sets as seed 000's: each sentence masked in turn, and random words per story (seeded).",
        discussion: """
        Stories: JSONL from `datagen stories` or seed 000's directory. Rows for --for sft: {"messages": [user, \
        assistant]} (seed 000's rl_data.json shape); for grpo: {"prompt": [user], "answer": story}; both with story_id \
        and mask (sentence-K or random-words). The prompt is seed 000's.
        """)

    @Option(help: "The stories.") var stories: String
    @Option(help: "The output (JSONL).") var output: String
    @Option(help: "sft or grpo.") var `for`: String = "grpo"
    @Option(help: "Words masked in the random-word example of each story.") var words = 3
    @Option(help: "The mask text.") var mask = "[MASKED]"
    @Option(help: "Seed of the random-word masks.") var seed: UInt64 = 0

    func validate() throws {
        guard TrainingUse(rawValue: `for`) != nil else { throw ValidationError("--for must be sft or grpo") }
        guard words >= 1 else { throw ValidationError("--words must be at least 1") }
    }

    func run() throws {
        do {
            let stories = try PipelineInputs.stories(path: self.stories).map { item in
                let plotline = item.fields["plotline"] ?? ""
                let title = item.fields["title"]
                    ?? plotline.split(separator: ":", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? plotline
                return Story(id: item.key, title: title, plotline: plotline, text: item.fields["story"] ?? "")
            }
            let examples = MaskedSetBuilder(seed: seed, mask: mask, wordsPerStory: words).examples(for: stories)
            try JSONLines.write(examples.map { MaskedSetBuilder.row($0, for: TrainingUse(rawValue: `for`)!) }, to: output)
            FileHandle.standardError.write(Data("\(examples.count) examples from \(stories.count) stories written to \(output)\n".utf8))
        } catch let error as DataFileError {
            FileHandle.standardError.write(Data("imprint datagen mask: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

struct DataGenSplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Phrasing splits and seed 003's SFT variants, GRPO rows and evaluation rows from a fact table.",
        discussion: """
        Writes into --output: sft-<variant>.jsonl for each --variant (five-phrasings, question-x5, question-once, \
        question-once-equal-steps, fact-x5, fact-once; question-once-equal-steps has question-once's rows and is meant \
        for 5x the epochs), grpo.jsonl (one prompt per training phrasing, with answer, aliases, fact, question, fact_id, \
        phrasing_id, category) and eval.jsonl (one row per held-out phrasing: question, answer, aliases, fact, fact_id, \
        phrasing_id, category). Default split: train on question, rephrased_1, rephrased_2, rephrased_4, rephrased_5; \
        hold out rephrased_3, rephrased_6.
        """)

    @Option(help: "The fact table (.jsonl, .json or .csv, with rephrased_1 … rephrased_6).") var input: String
    @Option(help: "The output folder.") var output: String
    @Option(help: "Training phrasings, comma-separated.") var train = "question,rephrased_1,rephrased_2,rephrased_4,rephrased_5"
    @Option(help: "Held-out phrasings, comma-separated.") var heldOut = "rephrased_3,rephrased_6"
    @Option(help: "SFT variants to write (repeat; default: all).") var variant: [String] = []
    @Option(help: "SFT row shape: messages, prompt-completion or conversational.") var format = "messages"
    @Option(help: "Phrasings of the GRPO rows, comma-separated (default: the training phrasings).") var grpoPhrasings: String?
    @Option(help: "Shuffle the rows of every file with this seed (default: fact order).") var seed: UInt64?

    func validate() throws {
        guard let train = PhrasingSplit.columns(train), let heldOut = PhrasingSplit.columns(heldOut) else {
            throw ValidationError("--train and --held-out take phrasing columns: question, rephrased_1 … rephrased_6")
        }
        guard Set(train).isDisjoint(with: heldOut) else { throw ValidationError("--train and --held-out overlap") }
        for name in variant where SFTVariant(rawValue: name) == nil {
            throw ValidationError("unknown --variant \(name); expected " + SFTVariant.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard TrainingRows.SFTFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be " + TrainingRows.SFTFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let grpoPhrasings, PhrasingSplit.columns(grpoPhrasings) == nil {
            throw ValidationError("--grpo-phrasings takes phrasing columns: question, rephrased_1 … rephrased_6")
        }
    }

    func run() throws {
        do {
            let split = PhrasingSplit(train: PhrasingSplit.columns(train)!, heldOut: PhrasingSplit.columns(heldOut)!)
            let (facts, _) = try FactTable.read(path: input)
            let needed = (split.train + split.heldOut).max()!.index + 1
            let complete = facts.filter { $0.phrasings.count >= needed }
            if complete.count < facts.count {
                FileHandle.standardError.write(Data("\(facts.count - complete.count) facts without all phrasings left out\n".utf8))
            }
            guard !complete.isEmpty else {
                throw DataFileError(path: input, reason: "no fact has the phrasings up to \(PhrasingID(index: needed - 1).name)")
            }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            var random = seed.map(SeededRandom.init(seed:))
            func write(_ rows: [JSONValue], _ name: String) throws {
                var rows = rows
                if random != nil { random!.shuffle(&rows) }
                try JSONLines.write(rows, to: output + "/" + name)
                print("\(name): \(rows.count) rows")
            }
            let variants = variant.isEmpty ? SFTVariant.allCases : variant.map { SFTVariant(rawValue: $0)! }
            for variant in variants {
                try write(variant.examples(complete, split: split).map { TrainingRows.sft($0, format: TrainingRows.SFTFormat(rawValue: format)!) },
                          "sft-\(variant.rawValue).jsonl")
            }
            let grpo = grpoPhrasings.flatMap(PhrasingSplit.columns) ?? split.train
            try write(complete.flatMap { TrainingRows.grpo($0, phrasings: grpo) }, "grpo.jsonl")
            try write(complete.flatMap { TrainingRows.evaluation($0, phrasings: split.heldOut) }, "eval.jsonl")
        } catch let error as DataFileError {
            FileHandle.standardError.write(Data("imprint datagen split: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

struct DataGenSimilarityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Seed 003's diversity measure: 7x7 sentence-BLEU and Jaccard matrices of the phrasings, averaged over questions.",
        discussion: """
        Prints both matrices as Markdown tables with their off-diagonal means (seed 003's GPT-4o-mini rephrasings: \
        BLEU 0.168, Jaccard 0.274; lower is more diverse). BLEU is sacreBLEU's sentence BLEU (effective order, 13a, \
        /100), row = hypothesis; Jaccard is over lower-cased whitespace tokens.
        """)

    @Option(help: "The fact table (with rephrased_1 … rephrased_6).") var input: String
    @Option(help: "Phrasing columns compared, comma-separated.") var columns = "question,rephrased_1,rephrased_2,rephrased_3,rephrased_4,rephrased_5,rephrased_6"
    @Option(help: "Also write the matrices as JSON here.") var json: String?
    @Option(help: "Also write the heatmaps bleu.svg and jaccard.svg into this folder.") var svgDir: String?
    @Option(help: "Measure a random sample of this many questions (default: all).") var sample: Int?
    @Option(help: "Seed of --sample.") var seed: UInt64 = 0

    func validate() throws {
        guard let ids = PhrasingSplit.columns(columns), ids.count >= 2 else {
            throw ValidationError("--columns takes two or more phrasing columns: question, rephrased_1 … rephrased_6")
        }
        if let sample, sample < 1 { throw ValidationError("--sample must be at least 1") }
    }

    func run() throws {
        do {
            var (facts, _) = try FactTable.read(path: input, repeated: .keepAll)
            let ids = PhrasingSplit.columns(columns)!
            facts = facts.filter { fact in ids.allSatisfy { fact.phrasing($0) != nil } }
            guard !facts.isEmpty else {
                throw DataFileError(path: input, reason: "no row has every column of --columns")
            }
            if let sample, sample < facts.count {
                var random = SeededRandom(seed: seed)
                facts = random.sample(sample, from: facts.count).sorted().map { facts[$0] }
            }
            let report = DiversityReport(facts: facts, phrasings: ids)
            print(report.table, terminator: "")
            if let json { try JSONLines.write([report.json], to: json) }
            if let svgDir {
                try FileManager.default.createDirectory(atPath: svgDir, withIntermediateDirectories: true)
                let charts = report.heatmaps
                try JSONLines.writeAtomically(Data(charts.bleu.svg().utf8), to: svgDir + "/bleu.svg")
                try JSONLines.writeAtomically(Data(charts.jaccard.svg().utf8), to: svgDir + "/jaccard.svg")
            }
        } catch let error as DataFileError {
            FileHandle.standardError.write(Data("imprint datagen similarity: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
