import ArgumentParser
import Foundation
import Imprint
import ImprintGenerators

/// The `TextGenerator` for `--model PATH|URL` (`GeneratorSource.makeGenerator`, ImprintGenerators): the one place every
/// command makes its generators. A source's misused option is a `ValidationError` (usage errors of the command).
func makeGenerator(pathOrURL: String, adapter: String? = nil, modelName: String? = nil, apiKeyEnvironmentVariable: String? = nil,
                   maxConcurrentRequests: Int = 16, decoding: DecodingPrecision = .float32) async throws -> any TextGenerator {
    let source = GeneratorSource(pathOrURL: pathOrURL)
    if case .local(let path) = source, modelName == nil, apiKeyEnvironmentVariable == nil {
        _ = try ModelOptions(model: path, adapter: adapter).checkedModelPath()
    }
    let options = GeneratorSource.Options(adapter: adapter, modelName: modelName, apiKeyEnvironmentVariable: apiKeyEnvironmentVariable,
                                          maxConcurrentRequests: maxConcurrentRequests, decoding: decoding)
    do {
        return try await source.makeGenerator(options, httpClient: commandLineHTTPClient)
    } catch let error as GeneratorSourceError {
        throw ValidationError(error.description)
    } catch let error as DecodingPrecisionError {
        throw ValidationError("--decode \(decoding.rawValue): \(pathOrURL): \(error)")
    }
}

/// The HTTP client of every server a command talks to (`GeneratorSource.sharedHTTPClient`).
let commandLineHTTPClient = GeneratorSource.sharedHTTPClient
