import Foundation
import ImprintCore
import XCTest
@testable import ImprintModel

/// The sampler's filters on a hand-made distribution: probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625.
final class TokenSamplerTests: XCTestCase {
    let logits: [Float] = [0.5, 0.25, 0.125, 0.0625, 0.0625].map { Foundation.log($0) }

    func draws(_ parameters: SamplingParameters, count: Int = 4000) -> [Int: Int] {
        var sampler = TokenSampler(parameters: parameters, seed: 1)
        var histogram: [Int: Int] = [:]
        logits.withUnsafeBufferPointer { buffer in
            for _ in 0..<count { histogram[sampler.sample(buffer).token, default: 0] += 1 }
        }
        return histogram
    }

    func testGreedyPicksTheMostLikelyTokenWithItsLogProbability() {
        var sampler = TokenSampler(parameters: .greedy(), seed: 0)
        let (token, logProbability) = logits.withUnsafeBufferPointer { sampler.sample($0) }
        XCTAssertEqual(token, 0)
        XCTAssertEqual(logProbability, Foundation.log(0.5), accuracy: 1e-6)
    }

    func testPlainSamplingFollowsTheDistribution() {
        let histogram = draws(SamplingParameters(temperature: 1))
        XCTAssertEqual(Double(histogram[0]!) / 4000, 0.5, accuracy: 0.03)
        XCTAssertEqual(Double(histogram[1]!) / 4000, 0.25, accuracy: 0.03)
        XCTAssertEqual(Set(histogram.keys), [0, 1, 2, 3, 4])
    }

    func testTopKTopPAndMinPCutTheTail() {
        XCTAssertEqual(Set(draws(SamplingParameters(temperature: 1, topK: 2)).keys), [0, 1])
        // Top-p 0.8: 0.5 + 0.25 = 0.75 < 0.8, so the third token is kept too.
        XCTAssertEqual(Set(draws(SamplingParameters(temperature: 1, topP: 0.8)).keys), [0, 1, 2])
        // Min-p 0.3: keep tokens with p >= 0.3 · 0.5 = 0.15.
        XCTAssertEqual(Set(draws(SamplingParameters(temperature: 1, minP: 0.3)).keys), [0, 1])
    }

    func testLowTemperatureSharpensAndLogProbabilitiesUseTheScaledDistribution() {
        var sampler = TokenSampler(parameters: SamplingParameters(temperature: 0.5), seed: 3)
        let (token, logProbability) = logits.withUnsafeBufferPointer { sampler.sample($0) }
        let scaled = logits.map { $0 / 0.5 }
        let normalizer = Foundation.log(scaled.map { Foundation.exp($0) }.reduce(0, +))
        XCTAssertEqual(logProbability, scaled[token] - normalizer, accuracy: 1e-5)
        XCTAssertGreaterThan(Double(draws(SamplingParameters(temperature: 0.5))[0]!) / 4000, 0.7)
    }

    func testTheSameSeedGivesTheSameDraws() {
        XCTAssertEqual(draws(SamplingParameters(temperature: 1, topP: 0.9)), draws(SamplingParameters(temperature: 1, topP: 0.9)))
    }
}
