import Foundation
import XCTest
@testable import ImprintTokenizer

/// Locates fixtures and fetched third-party files for the tokenizer tests.
enum TestResources {
    /// The committed fixtures folder.
    static var fixtures: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    /// `${IMPRINT_CACHE:-$HOME/.cache/imprint}`, where scripts/fetch-*.sh put third-party files.
    static var cache: URL {
        if let path = ProcessInfo.processInfo.environment["IMPRINT_CACHE"] { return URL(fileURLWithPath: path) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/imprint")
    }

    /// A fetched file; skips the test when it is absent outside CI, fails it under `CI`.
    static func fetched(_ relativePath: String, fetchedBy script: String) throws -> URL {
        let url = cache.appendingPathComponent(relativePath)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        let message = "\(url.path) is missing; run \(script)"
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail(message)
            throw XCTSkip(message)
        }
        throw XCTSkip(message)
    }

    nonisolated(unsafe) private static var loadedTokenizers: [String: PretrainedTokenizer] = [:]

    /// A fetched GGUF file's tokenizer, loaded once per test run (loading a 128k vocabulary takes seconds in debug).
    static func ggufTokenizer(_ relativePath: String, fetchedBy script: String) throws -> PretrainedTokenizer {
        let url = try fetched(relativePath, fetchedBy: script)
        if let tokenizer = loadedTokenizers[url.path] { return tokenizer }
        let tokenizer = try PretrainedTokenizer(ggufPath: url.path)
        loadedTokenizers[url.path] = tokenizer
        return tokenizer
    }

    /// Decodes a committed JSON fixture.
    static func json<T: Decodable>(_ type: T.Type, _ relativePath: String) throws -> T {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(relativePath))
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// Expected outputs recorded by Fixtures/make_vocabulary_fixtures.py or make_tokenizer_json_fixtures.py.
struct RecordedEncodings: Decodable {
    let texts: [String]
    let ids: [[Int]]
    let ids_with_special: [[Int]]
    let decoded: [String]
    let decoded_skipping_special: [String]
    /// The normalizer's output (SentencePiece Unigram vocabularies only).
    let normalized: [String]?
}
