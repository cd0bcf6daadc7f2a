import Foundation
import ImprintTensor
import XCTest
@testable import ImprintModel

/// LoRA on the tiny Llama fixture: initialization, target matching, trainable parameters, scales,
/// disable/enable, merge/unmerge, named adapters, dropout, and training.
///
/// Tolerances: a fresh adapter and disabled adapters give the base logits exactly; merged logits
/// equal unmerged ones within 1e-5 relative (max |Δ| / max |reference|); unmerging restores the
/// weights within 1e-6 relative; equal-scale adapters give equal logits exactly.
final class LoRATests: XCTestCase {
    let allProjections: LoRAConfiguration.TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    func testFreshAdapterIsPEFTInitializedAndChangesNothing() throws {
        let model = try loadFixtureModel("llama")
        let batch = try fixtureBatch("llama")
        let base = withoutGradients { model(batch) }
        let adapter = try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 4, alpha: 8, targetModules: allProjections), seed: 3)
        for layer in adapter.layers {
            let bound = 1 / Float(layer.linear.inputCount).squareRoot()
            XCTAssertEqual(layer.update.down.shape, [4, layer.linear.inputCount])
            XCTAssertEqual(layer.update.up.shape, [layer.linear.outputCount, 4])
            XCTAssertTrue(layer.update.down.storage.allSatisfy { Swift.abs($0) <= bound }, "A ~ U(-1/sqrt(in), 1/sqrt(in))")
            XCTAssertGreaterThan(layer.update.down.storage.map { Swift.abs($0) }.max()!, 0.9 * bound, "A spans its range")
            XCTAssertTrue(layer.update.up.storage.allSatisfy { $0 == 0 }, "B = 0")
        }
        XCTAssertEqual(withoutGradients { model(batch) }.storage, base.storage)

        let again = try loadFixtureModel("llama")
        let sameSeed = try LoRA.attach(to: again, configuration: LoRAConfiguration(rank: 4, alpha: 8, targetModules: allProjections), seed: 3)
        XCTAssertEqual(sameSeed.parameters.map(\.storage), adapter.parameters.map(\.storage), "the seed fixes A")
    }

    func testOnlyAdapterParametersAreTrainable() throws {
        let model = try loadFixtureModel("llama")
        let baseKeys = Set(model.namedParameters().map(\.key))
        let adapter = try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 4, alpha: 8, targetModules: allProjections))
        XCTAssertEqual(adapter.layers.count, 14)
        let trainable = model.trainableParameters()
        XCTAssertEqual(trainable.count, 28)
        XCTAssertEqual(trainable.map(ObjectIdentifier.init), adapter.parameters.map(ObjectIdentifier.init))
        let adapterKeys = model.namedParameters().map(\.key).filter { !baseKeys.contains($0) }
        XCTAssertEqual(adapterKeys.count, 28)
        XCTAssertTrue(adapterKeys.contains("model.layers.1.mlp.down_proj.lora_B.default.weight"), "PEFT's in-memory key")
        XCTAssertTrue(model.namedParameters().filter { baseKeys.contains($0.key) }.allSatisfy { !$0.tensor.requiresGrad })

        model.zeroGradients()
        let batch = try fixtureBatch("llama")
        model.loss(batch, labels: batch.ids).backward()
        XCTAssertTrue(model.namedParameters().filter { baseKeys.contains($0.key) }.allSatisfy { $0.tensor.grad == nil },
                      "no gradient reaches the frozen base")
        XCTAssertTrue(adapter.layers.allSatisfy { $0.update.up.grad != nil }, "B gets gradients (A does not while B = 0)")
    }

    func testTargetModulesFollowPEFTMatching() throws {
        let model = try loadFixtureModel("llama")
        XCTAssertEqual(try LoRA.targets(["q_proj", "v_proj"], in: model).map(\.key), [
            "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
            "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"])
        XCTAssertEqual(try LoRA.targets(["mlp.up_proj"], in: model).count, 2, "a dotted suffix matches")
        XCTAssertEqual(try LoRA.targets(.pattern(#"model\.layers\.1\.mlp\..*_proj"#), in: model).map(\.key), [
            "model.layers.1.mlp.gate_proj", "model.layers.1.mlp.up_proj", "model.layers.1.mlp.down_proj"])
        XCTAssertThrowsError(try LoRA.targets(.pattern("q_proj"), in: model), "a pattern must match the whole key")
    }

    func testTargetErrors() throws {
        let model = try loadFixtureModel("llama")
        XCTAssertEqual(try LoRA.targets(.allLinear, in: model).count, 14, "tied embeddings: no lm_head")
        XCTAssertThrowsError(try LoRA.targets(["embed_tokens"], in: model)) {
            XCTAssertEqual($0 as? LoRAError, .unsupportedTargetModule(key: "model.embed_tokens", type: "Embedding"))
        }
        XCTAssertThrowsError(try LoRA.targets(["query_key_value"], in: model)) {
            XCTAssertEqual($0 as? LoRAError, .noTargetModules(targets: #"["query_key_value"]"#))
        }
        XCTAssertThrowsError(try LoRA.targets(.pattern("(q_proj"), in: model)) {
            XCTAssertEqual($0 as? LoRAError, .invalidTargetPattern(pattern: "(q_proj"))
        }
        try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 2))
        XCTAssertThrowsError(try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 2))) {
            XCTAssertEqual($0 as? LoRAError, .duplicateAdapterName(name: "default"))
        }
        XCTAssertThrowsError(try LoRA.setActive("other", in: model)) {
            XCTAssertEqual($0 as? LoRAError, .unknownAdapter(name: "other", attached: ["default"]))
        }
    }

    func testRankStabilizedScale() throws {
        XCTAssertEqual(LoRAConfiguration(rank: 16, alpha: 32).scale, 2)
        XCTAssertEqual(LoRAConfiguration(rank: 16, alpha: 32, usesRankStabilizedScaling: true).scale, 8)
        // Same A and B, scale α/√r = 8/2 = 4 against α/r = 16/4 = 4: the same logits.
        let batch = try fixtureBatch("llama")
        func logits(_ configuration: LoRAConfiguration) throws -> [Float] {
            let model = try loadFixtureModel("llama")
            let adapter = try LoRA.attach(to: model, configuration: configuration, seed: 5)
            randomizeUpProjections(adapter, seed: 6)
            return withoutGradients { model(batch) }.storage
        }
        let rankStabilized = try logits(LoRAConfiguration(rank: 4, alpha: 8, targetModules: allProjections, usesRankStabilizedScaling: true))
        XCTAssertEqual(rankStabilized, try logits(LoRAConfiguration(rank: 4, alpha: 16, targetModules: allProjections)))
        XCTAssertNotEqual(rankStabilized, try logits(LoRAConfiguration(rank: 4, alpha: 8, targetModules: allProjections)))
    }

    func testDisabledAdaptersGiveTheBaseModelExactly() throws {
        let model = try loadFixtureModel("llama")
        let batch = try fixtureBatch("llama")
        let base = withoutGradients { model(batch) }.storage
        try LoRA.load(from: modelFixtures.appendingPathComponent("llama/adapter"), into: model)
        let adapted = withoutGradients { model(batch) }.storage
        XCTAssertNotEqual(adapted, base)
        XCTAssertEqual(LoRA.withAdaptersDisabled(model) { withoutGradients { model(batch) }.storage }, base)
        XCTAssertTrue(LoRA.isEnabled(in: model), "the scope restores the enabled state")
        XCTAssertEqual(withoutGradients { model(batch) }.storage, adapted)
        LoRA.setEnabled(false, in: model)
        XCTAssertEqual(withoutGradients { model(batch) }.storage, base)
        LoRA.setEnabled(true, in: model)
        XCTAssertEqual(withoutGradients { model(batch) }.storage, adapted)
    }

    func testMergeMatchesUnmergedAndUnmergeRestoresTheWeights() throws {
        let model = try loadFixtureModel("llama")
        let batch = try fixtureBatch("llama")
        let baseWeights = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor.storage) })
        let adapter = try LoRA.load(from: modelFixtures.appendingPathComponent("llama/adapter"), into: model)
        let unmerged = withoutGradients { model(batch) }.storage
        LoRA.merge(model)
        XCTAssertTrue(LoRA.isMerged(model))
        XCTAssertTrue(adapter.layers.allSatisfy { $0.linear.lora?.updateToApply == nil }, "merged layers take the plain path")
        XCTAssertLessThanOrEqual(relativeError(withoutGradients { model(batch) }.storage, unmerged), 1e-5)
        LoRA.merge(model)  // merging twice changes nothing
        XCTAssertLessThanOrEqual(relativeError(withoutGradients { model(batch) }.storage, unmerged), 1e-5)

        LoRA.unmerge(model)
        XCTAssertFalse(LoRA.isMerged(model))
        assertBaseWeights(of: model, equal: baseWeights)
        XCTAssertLessThanOrEqual(relativeError(withoutGradients { model(batch) }.storage, unmerged), 1e-5)

        // Disabling a merged model unmerges it first, so it gives the base model.
        LoRA.merge(model)
        LoRA.setEnabled(false, in: model)
        XCTAssertFalse(LoRA.isMerged(model))
        assertBaseWeights(of: model, equal: baseWeights)
    }

    func testNamedAdaptersSwitch() throws {
        let model = try loadFixtureModel("llama")
        let batch = try fixtureBatch("llama")
        let first = try LoRA.load(from: modelFixtures.appendingPathComponent("llama/adapter"), into: model, trainable: true)
        let firstLogits = withoutGradients { model(batch) }.storage
        let second = try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["q_proj", "v_proj"]),
                                     name: "second", seed: 9)
        randomizeUpProjections(second, seed: 10)
        XCTAssertEqual(LoRA.adapterNames(in: model), ["default", "second"])
        XCTAssertEqual(LoRA.activeAdapterName(in: model), "second", "the newest adapter is active")
        XCTAssertEqual(model.trainableParameters().map(ObjectIdentifier.init), second.parameters.map(ObjectIdentifier.init))
        let secondLogits = withoutGradients { model(batch) }.storage
        XCTAssertNotEqual(secondLogits, firstLogits)

        try LoRA.setActive("default", in: model)
        XCTAssertEqual(withoutGradients { model(batch) }.storage, firstLogits, "layers without the active adapter add nothing")
        XCTAssertEqual(model.trainableParameters().map(ObjectIdentifier.init), first.parameters.map(ObjectIdentifier.init))
        try LoRA.setActive("second", in: model)
        XCTAssertEqual(withoutGradients { model(batch) }.storage, secondLogits)

        // A loaded adapter that is not trainable freezes nothing else and trains nothing.
        try LoRA.load(from: modelFixtures.appendingPathComponent("llama/adapter"), into: model, name: "frozen")
        XCTAssertEqual(withoutGradients { model(batch) }.storage, firstLogits)
        XCTAssertTrue(model.trainableParameters().isEmpty)
    }

    func testRemoveAndMergeAndUnload() throws {
        let model = try loadFixtureModel("llama")
        let batch = try fixtureBatch("llama")
        let baseKeys = model.namedParameters().map(\.key)
        let base = withoutGradients { model(batch) }.storage
        try LoRA.load(from: modelFixtures.appendingPathComponent("llama/adapter"), into: model)
        let adapted = withoutGradients { model(batch) }.storage
        let adaptedKeys = model.namedParameters().map(\.key)
        try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 2, targetModules: ["q_proj"]), name: "second")
        LoRA.merge(model)
        try LoRA.remove("second", from: model)
        XCTAssertEqual(LoRA.adapterNames(in: model), ["default"])
        XCTAssertEqual(LoRA.activeAdapterName(in: model), "default", "the remaining adapter becomes active")
        XCTAssertEqual(model.namedParameters().map(\.key), adaptedKeys)
        XCTAssertEqual(withoutGradients { model(batch) }.storage, adapted)
        XCTAssertThrowsError(try LoRA.remove("second", from: model))

        LoRA.mergeAndUnload(model)
        XCTAssertTrue(LoRA.adapterNames(in: model).isEmpty)
        XCTAssertEqual(model.namedParameters().map(\.key), baseKeys, "only the base keys remain, ready to save")
        XCTAssertLessThanOrEqual(relativeError(withoutGradients { model(batch) }.storage, adapted), 1e-5)

        let other = try loadFixtureModel("llama")
        try LoRA.load(from: modelFixtures.appendingPathComponent("llama/adapter"), into: other)
        try LoRA.remove("default", from: other)
        XCTAssertEqual(other.namedParameters().map(\.key), baseKeys)
        XCTAssertEqual(withoutGradients { other(batch) }.storage, base, "no adapter left: the base model exactly")
    }

    func testDropoutActsOnlyInTrainingMode() throws {
        let model = try loadFixtureModel("llama")
        let batch = try fixtureBatch("llama")
        let adapter = try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 4, alpha: 8, dropout: 0.5, targetModules: allProjections))
        randomizeUpProjections(adapter, seed: 2)
        let evaluation = withoutGradients { model(batch) }.storage
        XCTAssertEqual(withoutGradients { model(batch) }.storage, evaluation, "no dropout in evaluation mode")
        model.setTraining(true)
        let training = withoutGradients { model(batch) }.storage
        XCTAssertNotEqual(training, evaluation)
        XCTAssertNotEqual(withoutGradients { model(batch) }.storage, training, "each pass draws a new mask")
        model.setTraining(false)
        XCTAssertEqual(withoutGradients { model(batch) }.storage, evaluation)
    }

    func testAdamWTrainingOfTheAdapterLowersTheLoss() throws {
        let model = try loadFixtureModel("llama")
        let batch = try fixtureBatch("llama")
        let baseWeights = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.key, $0.tensor.storage) })
        try LoRA.attach(to: model, configuration: LoRAConfiguration(rank: 4, alpha: 8, dropout: 0.1, targetModules: .allLinear), seed: 1)
        model.setTraining(true)
        let optimizer = AdamW(parameters: model.trainableParameters(), learningRate: 1e-2)
        var losses: [Float] = []
        for _ in 0..<6 {
            model.zeroGradients()
            let loss = model.loss(batch, labels: batch.ids)
            losses.append(loss.item)
            loss.backward()
            optimizer.step()
        }
        model.setTraining(false)
        let final = withoutGradients { model.loss(batch, labels: batch.ids) }.item
        XCTAssertLessThan(final, 0.9 * losses[0], "losses \(losses), then \(final)")
        for (key, tensor) in model.namedParameters() where baseWeights[key] != nil {
            XCTAssertEqual(tensor.storage, baseWeights[key], "base weight \(key) moved")
        }
    }

    /// Every base weight (a key of `expected`) is within 1e-6 relative of its expected values.
    func assertBaseWeights(of model: Module, equal expected: [String: [Float]], file: StaticString = #filePath, line: UInt = #line) {
        var checked = 0
        for (key, tensor) in model.namedParameters() {
            guard let values = expected[key] else { continue }
            XCTAssertLessThanOrEqual(relativeError(tensor.storage, values), 1e-6, key, file: file, line: line)
            checked += 1
        }
        XCTAssertEqual(checked, expected.count, file: file, line: line)
    }

    /// Sets every `B` to N(0, 0.1²) so that the adapter changes the output.
    func randomizeUpProjections(_ adapter: LoRAAdapter, seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        for layer in adapter.layers {
            layer.update.up.assign(Tensor.randomNormal(layer.update.up.shape, standardDeviation: 0.1, generator: &generator).storage)
        }
    }
}
