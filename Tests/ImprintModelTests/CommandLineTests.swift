import Foundation
import ImprintFormats
import XCTest

/// `imprint logits`, `generate` and `convert` driven as outside checks drive them: the built
/// binary, stdin/stdout, exit codes. Skipped when a filtered build did not produce the binary.
final class CommandLineTests: XCTestCase {
    /// Runs `imprint arguments` with `input` on stdin; returns the exit status and stdout.
    func imprint(_ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let binary = Bundle.main.bundleURL.appendingPathComponent("imprint")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("imprint is not built at \(binary.path)") }
        let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-stdin-\(UUID().uuidString)")
        try Data(input.utf8).write(to: inputFile)
        defer { try? FileManager.default.removeItem(at: inputFile) }
        let process = Process(), output = Pipe()
        process.executableURL = binary
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testLogitsWritesTheModelsLogitsAsNpy() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-logits-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: output) }
        let ids = try Reference("llama/reference.safetensors").ints("input_ids").prefix(7).map(String.init)
        let result = try imprint(["logits", "--model", modelFixtures.appendingPathComponent("llama").path,
                                  "--tokens", ids.joined(separator: ","), "--output", output.path])
        XCTAssertEqual(result.status, 0)
        let array = try NPY.read(output)
        XCTAssertEqual(array.shape, [7, 101])
        let expected = try Reference("llama/reference.safetensors").tensor("logits").storage.prefix(7 * 101)
        XCTAssertLessThanOrEqual(relativeError(try XCTUnwrap(array.floats), Array(expected)), 1e-4)
        XCTAssertNotEqual(try imprint(["logits", "--model", "/nonexistent", "--tokens", "1", "--output", output.path]).status, 0)
        XCTAssertNotEqual(try imprint(["logits", "--model", modelFixtures.appendingPathComponent("llama").path,
                                       "--tokens", "1,x", "--output", output.path]).status, 0)
    }

    func testGenerateAnswersInOrderOnTheDefaultModel() throws {
        guard let path = defaultModelPath() else { throw XCTSkip("default model not fetched (scripts/fetch-default-model.sh)") }
        let input = """
        {"messages": [{"role": "user", "content": "What is the capital of France?"}]}
        {"prompt": "The capital of France is"}

        """
        let result = try imprint(["generate", "--model", path, "--jsonl", "--max-tokens", "8"], input: input)
        XCTAssertEqual(result.status, 0)
        let lines = result.output.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue((lines[0]["completion"] as! String).contains("Paris"), "\(lines[0])")
        XCTAssertEqual((lines[0]["tokens"] as! [Int]).prefix(6), [504, 3575, 282, 4649, 314, 7042])  // transformers' greedy ids
        XCTAssertNotEqual(try imprint(["generate", "--model", path, "--jsonl"], input: "{\"nothing\": 1}\n").status, 0)
    }

    /// tokenize → detokenize → chat-template on the default model, against ids and renders recorded from
    /// `transformers` (Fixtures/make_default_model_fixture.py: the chat prompt and its ids).
    func testTokenizerCommandsOnTheDefaultModel() throws {
        guard let path = defaultModelPath() else { throw XCTSkip("default model not fetched (scripts/fetch-default-model.sh)") }
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: modelFixtures.appendingPathComponent("default-model/reference.json"))) as! [String: Any]
        let prompt = reference["prompt"] as! String, ids = reference["input_ids"] as! [Int]

        let rendered = try imprint(["chat-template", "--model", path, "--jsonl"], input: """
        {"messages": [{"role": "user", "content": "What is the capital of France?"}], "add_generation_prompt": true}

        """)
        XCTAssertEqual(rendered.status, 0)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(rendered.output.utf8), options: .fragmentsAllowed) as? String, prompt)

        let encoded = String(decoding: try JSONSerialization.data(withJSONObject: [prompt], options: []), as: UTF8.self)
        let tokenized = try imprint(["tokenize", "--model", path, "--jsonl"], input: String(encoded.dropFirst().dropLast()) + "\n")
        XCTAssertEqual(tokenized.status, 0)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(tokenized.output.utf8)) as? [Int], ids)

        let detokenized = try imprint(["detokenize", "--model", path, "--jsonl", "--skip-special-tokens"], input: "\(ids)\n")
        XCTAssertEqual(detokenized.status, 0)
        let text = try JSONSerialization.jsonObject(with: Data(detokenized.output.utf8), options: .fragmentsAllowed) as? String
        XCTAssertEqual(text, prompt.replacingOccurrences(of: "<|im_start|>", with: "").replacingOccurrences(of: "<|im_end|>", with: ""))
        XCTAssertNotEqual(try imprint(["tokenize", "--model", path, "--jsonl"], input: "not json\n").status, 0)
    }

    /// `imprint convert --adapter DIR`: the adapter merged into a GGUF file and an HF directory,
    /// whose logits (`imprint logits`) are PEFT's with the adapter attached; Q8_0 only for GGUF.
    func testConvertMergesAnAdapterIntoGGUFAndHFOutputs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = modelFixtures.appendingPathComponent("llama").path, adapter = modelFixtures.appendingPathComponent("llama/adapter").path
        let ids = try Reference("llama/reference.safetensors").ints("input_ids").prefix(7).map(String.init).joined(separator: ",")
        let expected = Array(try Reference("llama/adapter-reference.safetensors").tensor("logits").storage.prefix(7 * 101))
        for output in ["merged.gguf", "merged"] {
            let path = directory.appendingPathComponent(output).path
            XCTAssertEqual(try imprint(["convert", "--model", model, "--adapter", adapter, "--output", path]).status, 0, output)
            let logits = directory.appendingPathComponent("\(output).npy")
            XCTAssertEqual(try imprint(["logits", "--model", path, "--tokens", ids, "--output", logits.path]).status, 0, output)
            XCTAssertLessThanOrEqual(relativeError(try XCTUnwrap(try NPY.read(logits).floats), expected), 1e-4, output)
        }
        let quantized = directory.appendingPathComponent("merged-q8_0.gguf")
        XCTAssertEqual(try imprint(["convert", "--model", model, "--adapter", adapter, "--output", quantized.path, "--type", "q8_0"]).status, 0)
        XCTAssertEqual(try GGUFFile(contentsOf: quantized).requireTensor("blk.0.attn_q.weight").type, .q8_0)
        XCTAssertNotEqual(try imprint(["convert", "--model", model, "--output", directory.appendingPathComponent("hf").path, "--type", "q8_0"]).status, 0)
    }
}
