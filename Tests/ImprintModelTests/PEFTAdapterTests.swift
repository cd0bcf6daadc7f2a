import Foundation
import ImprintFormats
import ImprintTensor
import XCTest
@testable import ImprintModel

/// PEFT adapter folders (Fixtures/make_model_fixtures.py, Fixtures/make_lora_fixtures.py): loaded
/// adapters give PEFT's logits and loss (1e-4 relative) and lora_A/lora_B gradients (1e-3
/// relative); saving writes PEFT's files (the weights byte for byte as PEFT wrote them); malformed
/// folders give typed errors naming the file and key and leave the model untouched.
final class PEFTAdapterTests: XCTestCase {
    let llamaAdapter = modelFixtures.appendingPathComponent("llama/adapter")

    func testFixtureAdapterMatchesPEFTLogitsLossAndGradients() throws {
        let model = try loadFixtureModel("llama")
        let adapter = try LoRA.load(from: llamaAdapter, into: model, trainable: true)
        XCTAssertEqual(adapter.configuration, LoRAConfiguration(
            rank: 4, alpha: 8, targetModules: ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]))
        XCTAssertEqual(adapter.baseModelNameOrPath, "imprint-tiny-llama")
        XCTAssertEqual(adapter.layers.count, 14)
        let reference = try Reference("llama/adapter-reference.safetensors")
        let batch = try fixtureBatch("llama")
        XCTAssertLessThanOrEqual(relativeError(withoutGradients { model(batch) }.storage, try reference.tensor("logits").storage), 1e-4)

        let loss = model.loss(batch, labels: batch.ids)
        let expectedLoss = try reference.tensor("loss").item
        XCTAssertEqual(loss.item, expectedLoss, accuracy: 1e-4 * Swift.abs(expectedLoss))
        loss.backward()
        for (key, tensor) in adapter.peftTensors {
            let error = relativeError(tensor.grad?.storage ?? [], try reference.tensor("grad." + key).storage)
            XCTAssertLessThanOrEqual(error, 1e-3, "gradient of \(key)")
        }
        XCTAssertEqual(adapter.peftTensors.count, reference.file.tensorNames.filter { $0.hasPrefix("grad.") }.count)
    }

    /// The default model ships as GGUF: an adapter trained on the HF checkpoint applies to the same
    /// weights read from a GGUF file (keys mapped, q/k permutation undone) with the same logits.
    func testFixtureAdapterOnTheGGUFModelMatchesPEFT() throws {
        let model = try ModelLoader.load(path: modelFixtures.appendingPathComponent("llama/llama-f32.gguf").path)
        try LoRA.load(from: llamaAdapter, into: model)
        let batch = try fixtureBatch("llama")
        let logits = withoutGradients { model(batch) }
        let expected = try Reference("llama/adapter-reference.safetensors").tensor("logits")
        XCTAssertLessThanOrEqual(relativeError(logits.storage, expected.storage), 1e-4)
    }

    func testSaveWritesPEFTFilesAndLoadsBackBitIdentical() throws {
        let model = try loadFixtureModel("llama")
        let adapter = try LoRA.load(from: llamaAdapter, into: model)
        let directory = try temporaryDirectory()
        try adapter.save(to: directory)
        try Data("{}\n".utf8).write(to: directory.appendingPathComponent("metrics.jsonl"))
        try adapter.save(to: directory)  // overwriting works, keeps other files, leaves no staged files behind
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
                       ["adapter_config.json", "adapter_model.safetensors", "metrics.jsonl"])
        let occupied = directory.appendingPathComponent("metrics.jsonl")
        XCTAssertThrowsError(try adapter.save(to: occupied)) { error in
            guard case let FormatError.cannotOpen(path, _) = error else { return XCTFail("unexpected error: \(error)") }
            XCTAssertEqual(path, occupied.path)
        }

        // The weights file is byte for byte what PEFT (safetensors 0.8) wrote.
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("adapter_model.safetensors")),
                       try Data(contentsOf: llamaAdapter.appendingPathComponent("adapter_model.safetensors")))

        // The configuration is PEFT's, text for text, less `peft_version` (PEFT fills it in on load).
        let savedConfig = try String(contentsOf: directory.appendingPathComponent("adapter_config.json"), encoding: .utf8)
        let peftConfig = try String(contentsOf: llamaAdapter.appendingPathComponent("adapter_config.json"), encoding: .utf8)
        XCTAssertEqual(savedConfig, peftConfig.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("\"peft_version\"") }.joined(separator: "\n"))

        let reloadedModel = try loadFixtureModel("llama")
        let reloaded = try LoRA.load(from: directory, into: reloadedModel)
        XCTAssertEqual(reloaded.configuration, adapter.configuration)
        XCTAssertEqual(reloaded.baseModelNameOrPath, adapter.baseModelNameOrPath)
        XCTAssertEqual(reloaded.peftTensors.map(\.key), adapter.peftTensors.map(\.key))
        for (loaded, original) in zip(reloaded.peftTensors, adapter.peftTensors) {
            XCTAssertEqual(loaded.tensor.storage.map(\.bitPattern), original.tensor.storage.map(\.bitPattern), loaded.key)
        }
    }

    func testRankStabilizedPatternTargetedQwen2AdapterMatchesPEFT() throws {
        try checkFixtureAdapter("qwen2", expectedLayers: 4) { configuration in
            XCTAssertTrue(configuration.usesRankStabilizedScaling)
            XCTAssertEqual(configuration.scale, 16 / Float(8).squareRoot())
            XCTAssertEqual(configuration.targetModules, .pattern(#"model\.layers\.\d+\.self_attn\.(q_proj|v_proj)"#))
            XCTAssertEqual(configuration.dropout, 0.05)
        }
    }

    func testAllLinearGemma3AdapterMatchesPEFT() throws {
        try checkFixtureAdapter("gemma3", expectedLayers: 21) { configuration in
            XCTAssertEqual(configuration.targetModules, ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"])
        }
    }

    /// `<name>/adapter` against `<name>/adapter-reference.safetensors`: logits, loss, gradients, and
    /// the logits of PEFT's `merge_and_unload` against `LoRA.merge`.
    func checkFixtureAdapter(_ name: String, expectedLayers: Int, file: StaticString = #filePath, line: UInt = #line,
                             configuration check: (LoRAConfiguration) -> Void) throws {
        let model = try loadFixtureModel(name)
        let adapter = try LoRA.load(from: modelFixtures.appendingPathComponent("\(name)/adapter"), into: model, trainable: true)
        check(adapter.configuration)
        XCTAssertEqual(adapter.layers.count, expectedLayers, file: file, line: line)
        let reference = try Reference("\(name)/adapter-reference.safetensors")
        let batch = try fixtureBatch(name)
        let loss = model.loss(batch, labels: batch.ids)
        XCTAssertEqual(loss.item, try reference.tensor("loss").item, accuracy: 1e-4 * Swift.abs(try reference.tensor("loss").item),
                       file: file, line: line)
        loss.backward()
        for (key, tensor) in adapter.peftTensors {
            XCTAssertLessThanOrEqual(relativeError(tensor.grad?.storage ?? [], try reference.tensor("grad." + key).storage), 1e-3,
                                     "\(name) gradient of \(key)", file: file, line: line)
        }
        let logits = withoutGradients { model(batch) }
        XCTAssertLessThanOrEqual(relativeError(logits.storage, try reference.tensor("logits").storage), 1e-4, file: file, line: line)
        LoRA.merge(model)
        let merged = withoutGradients { model(batch) }
        XCTAssertLessThanOrEqual(relativeError(merged.storage, try reference.tensor("merged.logits").storage), 1e-4,
                                 file: file, line: line)
    }

    /// An adapter trained here (rsLoRA, all-linear, dropout) saves and reloads to the same logits.
    ///
    /// With `IMPRINT_LORA_EXPORT=DIR` set, the adapter goes to `DIR/adapter` and its logits on the
    /// fixture batch to `DIR/imprint-logits.safetensors`, for `Fixtures/check_imprint_adapter.py DIR`,
    /// which loads it with PEFT and compares (run by hand; the result is in CHANGELOG.md).
    func testTrainedAdapterSavesAndReloadsToTheSameLogits() throws {
        let model = try loadFixtureModel("llama")
        let batch = try fixtureBatch("llama")
        let adapter = try LoRA.attach(to: model, configuration: LoRAConfiguration(
            rank: 4, alpha: 8, dropout: 0.05, targetModules: .allLinear, usesRankStabilizedScaling: true), seed: 11)
        adapter.baseModelNameOrPath = "imprint-tiny-llama"
        model.setTraining(true)
        let optimizer = AdamW(parameters: model.trainableParameters(), learningRate: 2e-2)
        for _ in 0..<3 {
            model.zeroGradients()
            model.loss(batch, labels: batch.ids).backward()
            optimizer.step()
        }
        model.setTraining(false)
        let logits = withoutGradients { model(batch) }
        let export = ProcessInfo.processInfo.environment["IMPRINT_LORA_EXPORT"].map { URL(fileURLWithPath: $0) }
        let directory = try export ?? temporaryDirectory()
        try adapter.save(to: directory.appendingPathComponent("adapter"))
        try SafetensorsWriter.write([SafetensorsTensor(name: "logits", shape: logits.shape, values: logits.storage),
                                     SafetensorsTensor(name: "input_ids", shape: [2, 7], int64s: batch.ids.map(Int64.init))],
                                    to: directory.appendingPathComponent("imprint-logits.safetensors"))

        let config = try jsonObject(directory.appendingPathComponent("adapter/adapter_config.json"))
        XCTAssertEqual(config["target_modules"] as? [String], ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"])
        XCTAssertEqual(config["use_rslora"] as? Bool, true)
        XCTAssertEqual((config["lora_dropout"] as? NSNumber)?.doubleValue, 0.05)

        let reloadedModel = try loadFixtureModel("llama")
        let reloaded = try LoRA.load(from: directory.appendingPathComponent("adapter"), into: reloadedModel)
        XCTAssertEqual(reloaded.configuration, LoRAConfiguration(
            rank: 4, alpha: 8, dropout: 0.05, targetModules: ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"],
            usesRankStabilizedScaling: true))
        XCTAssertEqual(withoutGradients { reloadedModel(batch) }.storage, logits.storage)
    }

    // MARK: - Malformed folders

    func testMalformedConfigurationsGiveTypedErrors() throws {
        func expectUnsupported(_ key: String, _ value: Any) throws {
            let directory = try copyOfFixtureAdapter { $0[key] = value }
            try assertLoadFails(directory) { error in
                guard case let LoRAError.unsupportedOption(file, errorKey, _, _) = error else { return false }
                return file == directory.appendingPathComponent("adapter_config.json").path && errorKey == key
            }
        }
        try expectUnsupported("use_dora", true)
        try expectUnsupported("fan_in_fan_out", true)
        try expectUnsupported("bias", "all")
        try expectUnsupported("lora_bias", true)
        try expectUnsupported("modules_to_save", ["lm_head"])
        try expectUnsupported("rank_pattern", ["q_proj": 8])
        try expectUnsupported("layers_to_transform", [0])
        try expectUnsupported("peft_type", "PREFIX_TUNING")

        func expectInvalid(_ key: String, _ value: Any?) throws {
            let directory = try copyOfFixtureAdapter { $0[key] = value }
            try assertLoadFails(directory) { error in
                guard case let ModelError.invalidConfiguration(file, errorKey, _) = error else { return false }
                return file == directory.appendingPathComponent("adapter_config.json").path && errorKey == key
            }
        }
        try expectInvalid("r", "four")
        try expectInvalid("r", 0)
        try expectInvalid("lora_alpha", true)
        try expectInvalid("lora_dropout", 1.5)
        try expectInvalid("target_modules", 5)
        try expectInvalid("target_modules", nil)
        try expectInvalid("use_rslora", "yes")

        let notJSON = try copyOfFixtureAdapter()
        try Data("{\"r\": 4,".utf8).write(to: notJSON.appendingPathComponent("adapter_config.json"))
        try assertLoadFails(notJSON) { error in
            guard case let ModelError.invalidConfiguration(file, key, _) = error else { return false }
            return file.hasSuffix("adapter_config.json") && key == "(file)"
        }

        let targetsNothing = try copyOfFixtureAdapter { $0["target_modules"] = ["query_key_value"] }
        try assertLoadFails(targetsNothing) { $0 as? LoRAError == .noTargetModules(targets: #"["query_key_value"]"#) }
    }

    func testMalformedWeightsGiveTypedErrors() throws {
        let fixture = try SafetensorsFile(contentsOf: llamaAdapter.appendingPathComponent("adapter_model.safetensors"))
        let keys = fixture.tensorNames.sorted()
        func tensors(dropping dropped: String? = nil, adding extra: SafetensorsTensor? = nil,
                     reshaping reshaped: String? = nil) throws -> [SafetensorsTensor] {
            var result = try keys.filter { $0 != dropped }.map { key -> SafetensorsTensor in
                let info = try fixture.info(key)
                let shape = key == reshaped ? [info.shape[1], info.shape[0]] : info.shape
                return SafetensorsTensor(name: key, shape: shape, values: try fixture.floats(key))
            }
            if let extra { result.append(extra) }
            return result
        }
        func expect(_ tensors: [SafetensorsTensor], _ matches: @escaping (Error, String) -> Bool) throws {
            let directory = try copyOfFixtureAdapter()
            let weights = directory.appendingPathComponent("adapter_model.safetensors")
            try SafetensorsWriter.write(tensors, to: weights)
            try assertLoadFails(directory) { matches($0, weights.path) }
        }
        let missing = "base_model.model.model.layers.1.mlp.up_proj.lora_B.weight"
        try expect(try tensors(dropping: missing)) { error, file in
            error as? ModelError == .missingTensor(file: file, key: missing, expectedShape: [128, 4])
        }
        let extra = "base_model.model.lm_head.lora_A.weight"
        try expect(try tensors(adding: SafetensorsTensor(name: extra, shape: [4, 64], values: [Float](repeating: 0, count: 256)))) {
            error, file in error as? ModelError == .unexpectedTensor(file: file, key: extra)
        }
        let reshaped = "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight"
        try expect(try tensors(reshaping: reshaped)) { error, file in
            error as? ModelError == .shapeMismatch(file: file, key: reshaped, expected: [4, 64], found: [64, 4])
        }

        // A configuration whose rank disagrees with the tensors: the first tensor read is the mismatch.
        let wrongRank = try copyOfFixtureAdapter { $0["r"] = 8 }
        try assertLoadFails(wrongRank) { error in
            guard case let ModelError.shapeMismatch(file, _, expected, found) = error else { return false }
            return file.hasSuffix("adapter_model.safetensors") && expected[0] == 8 && found[0] == 4
        }

        // Weights without a configuration (a save interrupted between its renames) are not an adapter.
        let weightsOnly = try copyOfFixtureAdapter()
        try FileManager.default.removeItem(at: weightsOnly.appendingPathComponent("adapter_config.json"))
        try assertLoadFails(weightsOnly) { error in
            guard case let ModelError.invalidConfiguration(file, key, _) = error else { return false }
            return file == weightsOnly.appendingPathComponent("adapter_config.json").path && key == "(file)"
        }

        let pickleOnly = try copyOfFixtureAdapter()
        try FileManager.default.moveItem(at: pickleOnly.appendingPathComponent("adapter_model.safetensors"),
                                         to: pickleOnly.appendingPathComponent("adapter_model.bin"))
        try assertLoadFails(pickleOnly) {
            $0 as? LoRAError == .unsupportedWeightsFormat(file: pickleOnly.appendingPathComponent("adapter_model.bin").path)
        }

        let truncated = try copyOfFixtureAdapter()
        let weights = truncated.appendingPathComponent("adapter_model.safetensors")
        try Data(try Data(contentsOf: weights).prefix(100)).write(to: weights)
        try assertLoadFails(truncated) { $0 is FormatError }
    }

    // MARK: - Helpers

    /// Loading `directory` throws an error `matches` accepts, and leaves the model as it was.
    func assertLoadFails(_ directory: URL, file: StaticString = #filePath, line: UInt = #line,
                         _ matches: (Error) -> Bool) throws {
        let model = try loadFixtureModel("llama")
        let parameterCount = model.namedParameters().count
        XCTAssertThrowsError(try LoRA.load(from: directory, into: model), file: file, line: line) { error in
            XCTAssertTrue(matches(error), "unexpected error: \(error)", file: file, line: line)
        }
        XCTAssertEqual(model.namedParameters().count, parameterCount, "a failed load changed the model", file: file, line: line)
        XCTAssertEqual(model.trainableParameters().count, parameterCount, "a failed load froze the model", file: file, line: line)
        XCTAssertTrue(LoRA.adapterNames(in: model).isEmpty, file: file, line: line)
    }

    /// A temporary copy of the Llama fixture adapter, its configuration edited by `edit`.
    func copyOfFixtureAdapter(_ edit: ((inout [String: Any]) -> Void)? = nil) throws -> URL {
        let directory = try temporaryDirectory()
        for name in ["adapter_config.json", "adapter_model.safetensors"] {
            try FileManager.default.copyItem(at: llamaAdapter.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        if let edit {
            let url = directory.appendingPathComponent("adapter_config.json")
            var object = try jsonObject(url)
            edit(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: url)
        }
        return directory
    }

    func jsonObject(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
}

extension PEFTAdapterTests {
    /// A configuration whose rank claims far more than the weights hold is refused (out of range, or by the shapes of
    /// the weights), before any allocation of that size: a rank of 2^40 would ask for terabytes.
    func testHugeRanksAreCheckedAgainstTheWeights() throws {
        for rank in [1 << 40, Int(Int32.max), 5] {
            let directory = try copyOfFixtureAdapter { $0["r"] = rank }
            let config = directory.appendingPathComponent("adapter_config.json").path
            let weights = directory.appendingPathComponent("adapter_model.safetensors").path
            try assertLoadFails(directory) { error in
                switch error {
                case ModelError.invalidConfiguration(let file, let key, _): return file == config && key == "r"
                case ModelError.shapeMismatch(let file, _, let expected, _): return file == weights && expected[0] == rank
                default: return false
                }
            }
        }
    }
}
