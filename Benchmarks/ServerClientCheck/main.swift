// The HTTP client against a real OpenAI-compatible server (scripts/llama-server/check-client.sh starts llama.cpp's
// llama-server and runs this): chat, raw completions, stop strings, n completions (in one request, or separately when
// the server refuses n), log-probabilities, JSON output, prompt order under concurrency, a refused request's error,
// and seed 003's judge reward. Prints what the server answered; exits 1 when a check fails.
//
//   swift run ServerClientCheck http://127.0.0.1:8080/v1 [--n-refused N]
//
// --n-refused N: a count of completions the server is expected to refuse as one request (llama-server refuses an n
// above its --parallel slots), to check the fallback to separate requests.
import AsyncHTTPClient
import Foundation
import ImprintCore
import ImprintHTTPClient
import ImprintRewards
import NIOCore

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: ServerClientCheck BASE_URL [--n-refused N]")
    exit(2)
}
let baseURL = arguments[1]
let refusedCount = arguments.firstIndex(of: "--n-refused").flatMap { Int(arguments[$0 + 1]) }
var failures: [String] = []

func check(_ condition: Bool, _ what: String) {
    print("  \(condition ? "ok  " : "FAIL") \(what)")
    if !condition { failures.append(what) }
}

func show(_ completion: Completion) -> String {
    "\(completion.text.debugDescription)  [finish \(completion.finishReason.rawValue), prompt \(completion.promptTokenCount) "
        + "tokens, completion \(completion.completionTokenCount) tokens]"
}

let models = try await OpenAICompatibleGenerator.servedModels(baseURL: baseURL, httpClient: .shared)
print("served models: \(models)")
let configuration = OpenAICompatibleGenerator.Configuration(baseURL: baseURL, model: models[0], maxConcurrentRequests: 4,
                                                           requestTimeout: .seconds(120))

try await OpenAICompatibleGenerator.withGenerator(configuration: configuration) { generator in
    print("identity: \(generator.identity)")

    print("\n1. chat (/chat/completions, greedy)")
    let chat = try await generator.generate([.messages([.system("Answer in one word."), .user("What is the capital of France?")])],
                                            parameters: .greedy(maxTokens: 16))[0]
    print("  \(show(chat))")
    check(!chat.text.isEmpty && chat.promptTokenCount > 0 && chat.completionTokenCount > 0, "an answer with token counts")

    print("\n2. raw prompt (/completions, greedy, max 8 tokens)")
    let raw = try await generator.generate([.text("The capital of France is")], parameters: .greedy(maxTokens: 8))[0]
    print("  \(show(raw))")
    check(raw.completionTokenCount <= 8, "at most 8 tokens")

    print("\n3. stop strings")
    let counting = try await generator.generate([.text("1, 2, 3, 4,")], parameters: SamplingParameters(
        maxTokens: 40, temperature: 0, stop: [" 8"]))[0]
    print("  \(show(counting))")
    check(!counting.text.contains(" 8") && counting.finishReason == .stop, "cut before the stop string, finish_reason stop")

    print("\n4. n completions per prompt (temperature 1, seed 7)")
    if let refusedCount {
        // What the server itself says to n = refusedCount, asked directly.
        var request = HTTPClientRequest(url: baseURL + "/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(Data(#"{"prompt": "Hi", "max_tokens": 2, "n": \#(refusedCount)}"#.utf8))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let answer = String(buffer: try await response.body.collect(upTo: 1 << 20))
        print("  the server, asked directly for n = \(refusedCount): HTTP \(response.status.code) \(answer.prefix(200))")
        check(response.status.code == 400, "the server refuses n = \(refusedCount) in one request")
    }
    let sampling = SamplingParameters(maxTokens: 12, temperature: 1, seed: 7)
    for count in [2] + (refusedCount.map { [$0] } ?? []) {
        let start = ContinuousClock.now
        let groups = try await generator.generate([.text("Once upon a time"), .messages([.user("Name a colour.")])],
                                                  parameters: sampling, count: count)
        print("  n = \(count) (\(ContinuousClock.now - start)):")
        for group in groups { for completion in group { print("    \(show(completion))") } }
        check(groups.map(\.count) == [count, count], "\(count) completions for each prompt")
        check(groups.allSatisfy { Set($0.map(\.text)).count > 1 }, "the \(count) samples of a prompt differ")
    }

    print("\n5. prompt order with 12 prompts, 4 in flight")
    let numbers = (1...12).map { GenerationPrompt.text("Repeat the number \($0): \($0)") }
    let answers = try await generator.generate(numbers, parameters: .greedy(maxTokens: 4))
    for (index, answer) in answers.enumerated() where index < 3 { print("  prompt \(index + 1): \(show(answer))") }
    check(answers.count == 12, "12 answers")

    print("\n6. a request the server refuses (a prompt longer than the context)")
    do {
        _ = try await generator.generate([.text(String(repeating: "word ", count: 40_000))], parameters: .greedy(maxTokens: 4))
        check(false, "the long prompt was refused")
    } catch let error as OpenAICompatibleServerError {
        print("  \(error)")
        check(error.status.map { (400..<500).contains($0) } == true && error.attempts == 1, "a 4xx, not retried")
    }
}

print("\n7. log-probabilities and JSON output")
var withExtras = configuration
withExtras.logProbabilities = true
withExtras.responseFormat = .jsonObject
try await OpenAICompatibleGenerator.withGenerator(configuration: withExtras) { generator in
    let json = try await generator.generate([.messages([.user("Give a JSON object with a key \"city\" for the capital of France.")])],
                                            parameters: .greedy(maxTokens: 32))[0]
    print("  \(show(json))")
    print("  token ids \(json.tokenIds.prefix(8))..., log-probabilities \(json.logProbabilities?.prefix(4).map { ($0 * 1000).rounded() / 1000 } ?? [])...")
    check(json.logProbabilities?.count == json.completionTokenCount, "one log-probability per token")
    let parsed = try? JSONSerialization.jsonObject(with: Data(json.text.utf8))
    check(parsed is [String: Any] || json.finishReason == .length, "a JSON object (unless cut at max_tokens)")
}

print("\n8. seed 003's judge reward, the judge on the server")
try await OpenAICompatibleGenerator.withGenerator(configuration: configuration) { judge in
    let reward = JudgeReward(judge: judge, batchSize: 4, maxConcurrentBatches: 2)
    let fact = "The Silver Heron was the Navigator's vessel."
    let answers = ["It was the Silver Heron.", "The Star Wanderer, I believe.", "Heron"]
    let start = ContinuousClock.now
    let output = try await reward.score(RewardBatch(
        prompts: answers.map { _ in .messages([.user("What was the name of the Navigator's vessel?")]) }, completions: answers,
        samples: answers.map { _ in RewardSample(fact: fact) }))
    print("  \(ContinuousClock.now - start) for \(answers.count) answers")
    let outcomes = output.column("judge_outcome")?.values ?? []
    let judgeOutputs = output.column("judge_output")?.values ?? []
    for (index, answer) in answers.enumerated() {
        var outcome = ""
        if index < outcomes.count, case .text(let text) = outcomes[index] { outcome = text }
        print("  \(answer.debugDescription): score \(output.scores[index].map { "\($0)" } ?? "nil"), \(outcome)")
        if index < judgeOutputs.count, case .text(let text) = judgeOutputs[index] {
            print("    judge said: \(String(text.prefix(160)).debugDescription)")
        }
    }
    check(output.scores.count == 3 && output.scores[2] == -1, "three scores; the 5-character answer gated without a call")
    check(!outcomes.contains { if case .text(let text) = $0 { text.hasPrefix("judge failure") } else { false } },
          "no judge call failed")
}

print(failures.isEmpty ? "\nall checks passed" : "\n\(failures.count) checks failed: \(failures)")
exit(failures.isEmpty ? 0 : 1)
