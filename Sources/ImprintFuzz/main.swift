// `imprint-fuzz`: the fuzzing entry point for every reader of untrusted input (`ImprintFuzzing.FuzzTarget`).
//
// Built by `scripts/fuzz.sh` with `-sanitize=fuzzer,address -DIMPRINT_FUZZING`, libFuzzer's `main` drives
// `LLVMFuzzerTestOneInput` and `IMPRINT_FUZZ_TARGET` names the reader. Built normally (as `swift build` does),
// it replays files instead: `imprint-fuzz TARGET FILE...` runs each file through the reader once.
import Foundation
import ImprintFuzzing

#if IMPRINT_FUZZING
private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["IMPRINT_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set IMPRINT_FUZZ_TARGET to one of " + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return target
}()

/// libFuzzer's entry point (its own `main` drives it: `scripts/fuzz.sh` links without SwiftPM's entry point).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    target.run(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}
#else
@main
enum Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: imprint-fuzz TARGET FILE...   (TARGET: " + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { print("\(path): cannot read"); continue }
            target.run(data)
            print("\(path): ok")
        }
    }
}
#endif
