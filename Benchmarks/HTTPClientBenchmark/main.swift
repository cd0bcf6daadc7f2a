// What OpenAICompatibleGenerator adds per request over a raw HTTP call.
//
// Both sides send the same JSON body to the same server, one request at a time on a kept-alive connection: "raw" is
// AsyncHTTPClient posting the bytes and collecting the answer; "client" is `generator.generate([prompt])` (encoding
// the request, the concurrency slot, the retry loop, decoding the answer into a Completion). The two alternate call by
// call, so both see the same machine load. Prints each side's latency distribution and the difference of the medians.
//
//   swift run -c release HTTPClientBenchmark [--url http://127.0.0.1:8080/v1 --model NAME] [--requests 2000]
//
// Without --url it starts the loopback stub server of the client's tests, which answers a canned completion at once,
// so the figure is the client's own cost; with --url (imprint serve, llama-server) the server's time is in both.
import AsyncHTTPClient
import Foundation
import ImprintCore
import ImprintHTTPClient
import ImprintHTTPStubServer

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// Percentiles of durations in microseconds.
func summary(_ label: String, _ samples: [Double]) -> (median: Double, mean: Double) {
    let sorted = samples.sorted()
    func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))] }
    let mean = sorted.reduce(0, +) / Double(sorted.count)
    print(String(format: "%@  n=%d  min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  mean %.1f µs", label.padding(toLength: 7, withPad: " ", startingAt: 0),
                 sorted.count, sorted[0], percentile(0.5), percentile(0.9), percentile(0.99), mean))
    return (percentile(0.5), mean)
}

func microseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e6 + Double(attoseconds) * 1e-12
}

let requests = Int(option("--requests") ?? "") ?? 2000
let warmup = Int(option("--warmup") ?? "") ?? 200
let maxTokens = Int(option("--max-tokens") ?? "") ?? 8
let stub = option("--url") == nil ? try await StubServer.start() : nil
let baseURL = option("--url") ?? stub!.baseURL
let model = option("--model") ?? "stub-model"
let prompt = "Say hello."

// The body the generator sends for `.text(prompt)` with greedy sampling (keys as OpenAIWire writes them).
let body = try JSONSerialization.data(withJSONObject: [
    "model": model, "prompt": prompt, "max_tokens": maxTokens, "temperature": 0.0, "top_p": 1.0,
] as [String: Any])
let raw = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
let generator = try OpenAICompatibleGenerator(configuration: .init(baseURL: baseURL, model: model))

func rawCall() async throws {
    var request = HTTPClientRequest(url: baseURL + "/completions")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.headers.add(name: "Accept", value: "application/json")
    request.body = .bytes(body)
    let response = try await raw.execute(request, timeout: .seconds(60))
    _ = try await response.body.collect(upTo: 64 << 20)
    precondition(response.status == .ok, "raw call: HTTP \(response.status)")
}

func clientCall() async throws {
    _ = try await generator.generate([.text(prompt)], parameters: .greedy(maxTokens: maxTokens))
}

print("server: \(stub == nil ? baseURL : "loopback stub (canned answer)"), \(requests) requests per side, one at a time")
for _ in 0..<warmup {
    try await rawCall()
    try await clientCall()
}
var rawTimes: [Double] = [], clientTimes: [Double] = []
let clock = ContinuousClock()
for index in 0..<requests {
    // One call of each side per step, which one first alternating, so both see the same machine load.
    let order = index % 2 == 0 ? [true, false] : [false, true]
    for isRaw in order {
        if isRaw {
            rawTimes.append(microseconds(try await clock.measure { try await rawCall() }))
        } else {
            clientTimes.append(microseconds(try await clock.measure { try await clientCall() }))
        }
    }
}
let rawSummary = summary("raw", rawTimes)
let clientSummary = summary("client", clientTimes)
print(String(format: "client overhead: %.1f µs per request (difference of medians), %.1f µs (of means)",
             clientSummary.median - rawSummary.median, clientSummary.mean - rawSummary.mean))

try await generator.shutdown()
try await raw.shutdown()
try await stub?.shutdown()
