import Foundation
import ImprintCore
import ImprintGenerators
import XCTest

/// `GeneratorSource`: what a `--model PATH|URL` names, and the options each kind refuses (before any network or file).
final class GeneratorSourceTests: XCTestCase {
    func testURLsAreServersAndGetV1WhenTheyHaveNoPath() {
        XCTAssertEqual(GeneratorSource(pathOrURL: "http://127.0.0.1:8080"), .server(baseURL: "http://127.0.0.1:8080/v1"))
        XCTAssertEqual(GeneratorSource(pathOrURL: "https://api.example.org/"), .server(baseURL: "https://api.example.org/v1"))
        XCTAssertEqual(GeneratorSource(pathOrURL: "HTTP://host:1/openai/v1"), .server(baseURL: "HTTP://host:1/openai/v1"))
        XCTAssertEqual(GeneratorSource(pathOrURL: "models/tiny.gguf"), .local(path: "models/tiny.gguf"))
        XCTAssertEqual(GeneratorSource(pathOrURL: "/data/http-server-logs"), .local(path: "/data/http-server-logs"))
        XCTAssertTrue(GeneratorSource(pathOrURL: "http://x").isServer)
        XCTAssertFalse(GeneratorSource(pathOrURL: "x.gguf").isServer)
    }

    func testOptionsASourceCannotUseAreRefused() async {
        let server = GeneratorSource(pathOrURL: "http://127.0.0.1:9")
        await assertRefused(server, GeneratorSource.Options(adapter: "adapter"), .adapterForServer(url: "http://127.0.0.1:9/v1"))
        await assertRefused(server, GeneratorSource.Options(decoding: .int8), .decodingForServer(url: "http://127.0.0.1:9/v1"))
        let local = GeneratorSource(pathOrURL: "tiny.gguf")
        await assertRefused(local, GeneratorSource.Options(modelName: "m"), .serverOptionForLocalModel(path: "tiny.gguf"))
        await assertRefused(local, GeneratorSource.Options(apiKeyEnvironmentVariable: "KEY"), .serverOptionForLocalModel(path: "tiny.gguf"))
    }

    /// A local GGUF file becomes a local generator that answers, its identity naming the file and the decoding.
    func testLocalModelGenerates() async throws {
        let environment = ProcessInfo.processInfo.environment
        let path = environment["IMPRINT_DEFAULT_MODEL"]
            ?? (environment["IMPRINT_CACHE"] ?? NSHomeDirectory() + "/.cache/imprint") + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("the default model is not at \(path) (scripts/fetch-default-model.sh)")
        }
        let generator = try await GeneratorSource(pathOrURL: path).makeGenerator(GeneratorSource.Options(decoding: .int8))
        XCTAssertEqual(generator.identity, "local:\(path)+decode:int8")
        let completions = try await generator.generate([.text("hello")], parameters: SamplingParameters(maxTokens: 3, temperature: 0))
        XCTAssertEqual(completions.count, 1)
        XCTAssertGreaterThan(completions[0].completionTokenCount, 0)
    }

    private func assertRefused(_ source: GeneratorSource, _ options: GeneratorSource.Options, _ expected: GeneratorSourceError,
                               line: UInt = #line) async {
        do {
            _ = try await source.makeGenerator(options)
            XCTFail("\(source) accepted \(options)", line: line)
        } catch let error as GeneratorSourceError {
            XCTAssertEqual(error, expected, line: line)
        } catch {
            XCTFail("\(error) is not a GeneratorSourceError", line: line)
        }
    }
}
