// TokenizerBenchmark: encoding throughput of ImprintTokenizer on a text file, one thread.
//
// Usage: TokenizerBenchmark MODEL_PATH TEXT_FILE [PASSES]
//   MODEL_PATH  a GGUF file or a Hugging Face directory with tokenizer.json
//   TEXT_FILE   encoded line by line, PASSES times (default 200), after one warm-up pass
// Prints MB/s per pass (median, min, max) and tokens/s. Benchmarks/tokenizer_vs_python.sh runs it beside
// HF `tokenizers` (Rust, one thread) on the same tokenizer and text.
import Foundation
import ImprintTokenizer

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: TokenizerBenchmark MODEL_PATH TEXT_FILE [PASSES]\n".utf8))
    exit(2)
}
let tokenizer = try PretrainedTokenizer.load(modelPath: arguments[1])
let text = try String(contentsOfFile: arguments[2], encoding: .utf8)
let passes = arguments.count > 3 ? Int(arguments[3]) ?? 200 : 200
let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
let bytesPerPass = lines.reduce(0) { $0 + $1.utf8.count }

func encodeAll() -> Int {
    var tokens = 0
    for line in lines { tokens += tokenizer.encode(line, addSpecialTokens: false).count }
    return tokens
}

let tokensPerPass = encodeAll()  // warm-up: fills the word cache, as HF's BPE cache is filled by its warm-up
var megabytesPerSecond: [Double] = []
let clock = ContinuousClock()
for _ in 0..<passes {
    let elapsed = clock.measure { _ = encodeAll() }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    megabytesPerSecond.append(Double(bytesPerPass) / 1e6 / seconds)
}
megabytesPerSecond.sort()
let median = megabytesPerSecond[megabytesPerSecond.count / 2]
print(String(format: "imprint  encode: %.2f MB/s median (min %.2f, max %.2f) over %d passes of %d lines, %d bytes, %d tokens; %.0f tokens/s",
             median, megabytesPerSecond.first!, megabytesPerSecond.last!, passes, lines.count, bytesPerPass, tokensPerPass,
             median * 1e6 / Double(bytesPerPass) * Double(tokensPerPass)))
