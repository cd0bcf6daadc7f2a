// swift-tools-version:6.0
// Imprint: knowledge-injection research on an ordinary CPU. See README.md and DESIGN notes there.
import PackageDescription

let package = Package(
    name: "Imprint",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Imprint", targets: ["Imprint"]),
        .library(name: "ImprintTensor", targets: ["ImprintTensor"]),
        .library(name: "ImprintModel", targets: ["ImprintModel"]),
        .library(name: "ImprintTokenizer", targets: ["ImprintTokenizer"]),
        .library(name: "ImprintCore", targets: ["ImprintCore"]),
        .library(name: "ImprintRewards", targets: ["ImprintRewards"]),
        .library(name: "ImprintTraining", targets: ["ImprintTraining"]),
        .library(name: "ImprintCharts", targets: ["ImprintCharts"]),
        .library(name: "ImprintSFT", targets: ["ImprintSFT"]),
        .library(name: "ImprintGRPO", targets: ["ImprintGRPO"]),
        // Network: not in the `Imprint` umbrella, so tensors and trainers build without SwiftNIO.
        .library(name: "ImprintHTTPClient", targets: ["ImprintHTTPClient"]),
        .library(name: "ImprintServer", targets: ["ImprintServer"]),
        .library(name: "ImprintServerRequests", targets: ["ImprintServerRequests"]),
        .library(name: "ImprintGenerators", targets: ["ImprintGenerators"]),
        .executable(name: "imprint", targets: ["ImprintCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // SwiftNIO (AsyncHTTPClient brings it): byte buffers and locks for the HTTP client, the loopback stub server of its tests.
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        // C libraries: OpenBLAS (cblas_sgemm) and LAPACKE, from Debian's libopenblas-dev / liblapacke-dev.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        // Vector kernels in C (exp, max, SwiGLU) with AVX2+FMA clones chosen at load time.
        .target(name: "CImprintKernels"),
        // Float32 tensors, reverse-mode autodiff, fused kernels, optimizers, schedules, RNG.
        .target(name: "ImprintTensor", dependencies: ["COpenBLAS", "CImprintKernels"]),
        // File containers shared by tokenizers and models: GGUF, safetensors, .npy. Foundation only.
        .target(name: "ImprintFormats", dependencies: ["ImprintCore"]),
        // Tokenizers (tokenizer.json, GGUF vocabularies) and chat templates.
        .target(name: "ImprintTokenizer", dependencies: ["ImprintFormats", "ImprintCore"]),
        // Shared vocabulary: chat messages, the TextGenerator protocol, dataset records, JSONL.
        .target(name: "ImprintCore"),
        // Modules, decoders (Llama, Qwen2, Gemma 3), LoRA, loaders, generation.
        .target(name: "ImprintModel",
                dependencies: ["ImprintTensor", "ImprintTokenizer", "ImprintFormats", "ImprintCore"]),
        // Rewards and text metrics.
        .target(name: "ImprintRewards", dependencies: ["ImprintCore"]),
        // What every trainer shares: checkpoints, resume checks, metrics log, plots, progress, the optimizer step.
        .target(name: "ImprintTraining", dependencies: ["ImprintModel", "ImprintTensor", "ImprintFormats", "ImprintCharts"]),
        // Self-contained SVG charts (lines, bars with error bars, heatmaps) and Markdown/HTML report pages. Foundation only.
        .target(name: "ImprintCharts"),
        // Trainers, evaluation, data generation.
        .target(name: "ImprintSFT",
                dependencies: ["ImprintTraining", "ImprintModel", "ImprintTokenizer", "ImprintCore", "ImprintTensor", "ImprintFormats"]),
        .target(name: "ImprintGRPO",
                dependencies: ["ImprintTraining", "ImprintModel", "ImprintTokenizer", "ImprintCore", "ImprintRewards", "ImprintTensor"]),
        .target(name: "ImprintEval", dependencies: ["ImprintCore", "ImprintRewards", "ImprintCharts"]),
        .target(name: "ImprintDataGen", dependencies: ["ImprintCore", "ImprintRewards", "ImprintCharts"]),
        // A `TextGenerator` over an OpenAI-compatible server (vLLM, llama.cpp's llama-server, `imprint serve`, APIs).
        // Outside the umbrella: only what imports it builds AsyncHTTPClient and SwiftNIO.
        .target(name: "ImprintHTTPClient", dependencies: [
            "ImprintCore", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // `--model PATH|URL` for programs: a local model or an OpenAI-compatible server as one `TextGenerator`
        // (GeneratorSource). Outside the umbrella, as it builds the HTTP client.
        .target(name: "ImprintGenerators", dependencies: [
            "ImprintCore", "ImprintModel", "ImprintTensor", "ImprintTokenizer", "ImprintHTTPClient",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // What `imprint serve` makes of a request body before any model sees it: OpenAI's request types decoded and
        // checked against the server's limits, one function per endpoint, errors as OpenAI's error bodies. Foundation
        // only, so the fuzzer drives exactly what the server runs without building SwiftNIO.
        .target(name: "ImprintServerRequests", dependencies: ["ImprintCore", "ImprintRewards"]),
        // `imprint serve`: an OpenAI-compatible HTTP server (Hummingbird) over a continuous-batching decoder, plus
        // rewards as a service. Not part of the umbrella: a user who only wants tensors builds no SwiftNIO.
        .target(name: "ImprintServer", dependencies: [
            "ImprintModel", "ImprintTokenizer", "ImprintCore", "ImprintRewards", "ImprintServerRequests",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Umbrella module: `import Imprint` brings everything (but the network targets).
        .target(name: "Imprint", dependencies: [
            "ImprintTensor", "ImprintFormats", "ImprintTokenizer", "ImprintCore", "ImprintModel",
            "ImprintRewards", "ImprintCharts", "ImprintTraining", "ImprintSFT", "ImprintGRPO", "ImprintEval", "ImprintDataGen",
        ]),

        // The command-line tool: product `imprint`, target folder Sources/ImprintCLI (a folder named `imprint` would
        // be the same path as Sources/Imprint on a case-insensitive file system).
        .executableTarget(name: "ImprintCLI", dependencies: [
            "Imprint", "ImprintHTTPClient", "ImprintGenerators", "ImprintServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Logging", package: "swift-log"),
        ]),

        // Fuzzing: the readers of untrusted input behind one entry point (`scripts/fuzz.sh` builds `imprint-fuzz` with
        // libFuzzer and AddressSanitizer; built normally it replays files). Never part of the library products.
        .target(name: "ImprintFuzzing", dependencies: [
            "ImprintCore", "ImprintFormats", "ImprintTokenizer", "ImprintModel", "ImprintTensor", "ImprintTraining", "ImprintSFT",
            "ImprintGRPO", "ImprintEval", "ImprintServerRequests",
        ]),
        .executableTarget(name: "imprint-fuzz", dependencies: ["ImprintFuzzing"], path: "Sources/ImprintFuzz"),

        // Examples: short programs that read like the experiments they run.
        .executableTarget(name: "StoryExperiment", dependencies: ["Imprint", "ImprintGenerators"], path: "Examples/StoryExperiment",
                         exclude: ["stories.json"]),
        .executableTarget(name: "RephrasingExperiment", dependencies: ["Imprint", "ImprintGenerators"], path: "Examples/RephrasingExperiment"),

        // Benchmarks: opt-in, never part of the tests (see Benchmarks/README.md).
        .executableTarget(name: "ImprintBenchmarks", dependencies: ["ImprintTensor", "COpenBLAS", "CImprintKernels"],
                          path: "Benchmarks/ImprintBenchmarks"),
        .executableTarget(name: "ModelBenchmarks", dependencies: ["ImprintModel", "ImprintTensor", "ImprintCore", "CImprintKernels"],
                          path: "Benchmarks/ModelBenchmarks"),
        .executableTarget(name: "RewardsBenchmark", dependencies: ["ImprintRewards"],
                          path: "Benchmarks/RewardsBenchmark"),
        .executableTarget(name: "SFTBenchmark", dependencies: ["ImprintSFT", "ImprintModel", "ImprintTokenizer", "ImprintTensor"],
                          path: "Benchmarks/SFTBenchmark"),

        .executableTarget(name: "HTTPClientBenchmark",
                          dependencies: ["ImprintHTTPClient", "ImprintHTTPStubServer", "ImprintCore",
                                         .product(name: "AsyncHTTPClient", package: "async-http-client")],
                          path: "Benchmarks/HTTPClientBenchmark"),
        // Opt-in check of the HTTP client against a real third-party server (scripts/llama-server/check-client.sh).
        .executableTarget(name: "ServerClientCheck",
                          dependencies: ["ImprintHTTPClient", "ImprintRewards", "ImprintCore",
                                         .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                         .product(name: "NIOCore", package: "swift-nio")],
                          path: "Benchmarks/ServerClientCheck"),
        .executableTarget(name: "DataGenBenchmark", dependencies: ["ImprintDataGen", "ImprintRewards"],
                          path: "Benchmarks/DataGenBenchmark"),
        .executableTarget(name: "TokenizerBenchmark", dependencies: ["ImprintTokenizer"],
                          path: "Benchmarks/TokenizerBenchmark"),

        .testTarget(name: "ImprintTokenizerTests", dependencies: ["ImprintTokenizer", "ImprintFormats"],
                    exclude: ["Fixtures/make_vocabulary_fixtures.py", "Fixtures/make_tokenizer_json_fixtures.py",
                              "Fixtures/make_chat_template_fixtures.py"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ImprintTensorTests", dependencies: ["ImprintTensor", "CImprintKernels"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ImprintFormatsTests", dependencies: ["ImprintFormats", "ImprintCore"], exclude: ["Fixtures"]),
        .testTarget(name: "ImprintModelTests", dependencies: ["ImprintModel", "ImprintFormats", "ImprintTensor", "CImprintKernels"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ImprintRewardsTests", dependencies: ["ImprintRewards"], exclude: ["Fixtures"]),
        // The `imprint` binary run as a shell runs it (stdin, stdout, exit status); `swift build --build-tests` builds
        // it beside the tests. Uses ImprintModelTests' model fixtures in place.
        .testTarget(name: "ImprintCLITests", dependencies: ["ImprintFormats", "ImprintHTTPStubServer"]),
        .testTarget(name: "ImprintGRPOTests",
                    dependencies: ["ImprintGRPO", "ImprintModel", "ImprintTokenizer", "ImprintTensor", "ImprintRewards"],
                    exclude: ["Fixtures"]),
        // A fault-injecting OpenAI-compatible stub server on loopback, for the HTTP client's tests and benchmark only.
        .target(name: "ImprintHTTPStubServer", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ], path: "Tests/ImprintHTTPStubServer"),
        .testTarget(name: "ImprintHTTPClientTests",
                    dependencies: ["ImprintHTTPClient", "ImprintHTTPStubServer", "ImprintCore", "ImprintRewards",
                                   .product(name: "AsyncHTTPClient", package: "async-http-client")]),
        .testTarget(name: "ImprintDataGenTests", dependencies: ["ImprintDataGen", "ImprintCore", "ImprintRewards", "ImprintModel", "ImprintCharts"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ImprintServerTests",
                    dependencies: ["ImprintServer", "ImprintHTTPClient", "ImprintModel", "ImprintTokenizer", "ImprintCore",
                                   .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                   .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")]),
        .testTarget(name: "ImprintGeneratorsTests", dependencies: ["ImprintGenerators", "ImprintCore"]),
        .testTarget(name: "ImprintServerRequestsTests", dependencies: ["ImprintServerRequests", "ImprintCore", "ImprintRewards"]),
        .testTarget(name: "ImprintFuzzTests", dependencies: ["ImprintFuzzing", "ImprintServerRequests"], exclude: ["Corpus"]),
        .testTarget(name: "ImprintSFTTests",
                    dependencies: ["ImprintSFT", "ImprintModel", "ImprintTokenizer", "ImprintTensor", "ImprintFormats"],
                    exclude: ["Fixtures"]),
        // The examples run as a researcher runs them, at toy size on the tiny model fixtures (the binaries are built
        // beside the tests by `swift build --build-tests`).
        .testTarget(name: "ExampleTests"),
        .testTarget(name: "ImprintEvalTests",
                    dependencies: ["ImprintEval", "ImprintCharts", "ImprintModel", "ImprintTokenizer", "ImprintSFT", "ImprintCore", "ImprintRewards"],
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
