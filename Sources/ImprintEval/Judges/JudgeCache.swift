import Foundation
import ImprintCore

/// Judge outputs on disk, so re-evaluating a run or comparing runs never asks a judge the same thing twice.
///
/// An entry is keyed by the full judge prompt (every message), the judge generator's `identity` and the sampling
/// parameters (seed included): change any of them and the judge is asked again. The file is JSON lines, append
/// only, one entry per line:
/// `{"judge": "local:/models/judge.gguf", "sampling": {...}, "prompt": {"messages": [...]}, "output": "Final Verdict: 1"}`.
///
/// Each entry is written by one `write` of a whole line to a file opened for appending, so a killed process leaves
/// at most one torn last line. Reading skips lines that are not complete entries (counted in `skippedLines`), and
/// the first append after a torn line starts on a new line, so the torn bytes never merge with an entry. Several
/// processes may append to one cache; the last entry read for a key wins. Safe to use from several tasks.
///
/// ```swift
/// let cache = try JudgeCache(url: URL(fileURLWithPath: "judge-cache.jsonl"))
/// let judge = LLMJudge(generator: judgeModel, prompt: .finalVerdict, cache: cache)
/// ```
public final class JudgeCache: @unchecked Sendable {
    public let url: URL
    /// Lines of the file that were not complete entries when it was read (a torn write, or foreign text).
    public private(set) var skippedLines = 0
    private var outputs: [String: String] = [:]
    private var handle: FileHandle?
    private var endsWithNewline = true
    private let lock = NSLock()

    /// One line of the file.
    struct Entry: Codable {
        var judge: String
        var sampling: SamplingParameters
        var prompt: StoredPrompt
        var output: String
    }

    /// A `GenerationPrompt` as JSON: `{"text": ...}` or `{"messages": [...]}`.
    struct StoredPrompt: Codable, Hashable {
        var text: String?
        var messages: [ChatMessage]?

        init(_ prompt: GenerationPrompt) {
            switch prompt {
            case .text(let text): self.text = text
            case .messages(let messages): self.messages = messages
            }
        }
    }

    /// Opens (or creates) the cache file at `url` and reads its entries.
    ///
    /// - Throws: `JudgeCacheError` naming the file when it cannot be created or read.
    public init(url: URL) throws {
        self.url = url
        let manager = FileManager.default
        if !manager.fileExists(atPath: url.path) {
            try? manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard manager.createFile(atPath: url.path, contents: nil) else {
                throw JudgeCacheError(path: url.path, reason: "cannot create the judge cache file")
            }
        }
        guard let data = manager.contents(atPath: url.path) else {
            throw JudgeCacheError(path: url.path, reason: "cannot read the judge cache file")
        }
        endsWithNewline = data.last.map { $0 == UInt8(ascii: "\n") } ?? true
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            guard let entry = try? decoder.decode(Entry.self, from: Data(line)) else {
                skippedLines += 1
                continue
            }
            outputs[Self.key(judge: entry.judge, sampling: entry.sampling, prompt: entry.prompt)] = entry.output
        }
    }

    deinit { try? handle?.close() }

    /// Entries held.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return outputs.count
    }

    /// The cached output of `judge` for `prompt` sampled with `sampling`, or nil.
    public func output(for prompt: GenerationPrompt, judge: String, sampling: SamplingParameters) -> String? {
        let key = Self.key(judge: judge, sampling: sampling, prompt: StoredPrompt(prompt))
        lock.lock()
        defer { lock.unlock() }
        return outputs[key]
    }

    /// Records `output` and appends it to the file.
    ///
    /// - Throws: `JudgeCacheError` naming the file when it cannot be written.
    public func store(_ output: String, for prompt: GenerationPrompt, judge: String, sampling: SamplingParameters) throws {
        let stored = StoredPrompt(prompt)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(Entry(judge: judge, sampling: sampling, prompt: stored, output: output))
        line.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        do {
            if handle == nil {
                let opened = try FileHandle(forWritingTo: url)
                try opened.seekToEnd()
                handle = opened
            }
            if !endsWithNewline {
                line.insert(UInt8(ascii: "\n"), at: 0)
                endsWithNewline = true
            }
            try handle!.write(contentsOf: line)
        } catch {
            throw JudgeCacheError(path: url.path, reason: "cannot append to the judge cache: \(error.localizedDescription)")
        }
        outputs[Self.key(judge: judge, sampling: sampling, prompt: stored)] = output
    }

    /// The lookup key: the three parts as sorted-key JSON (exact text, so two different prompts never collide).
    static func key(judge: String, sampling: SamplingParameters, prompt: StoredPrompt) -> String {
        struct Key: Encodable {
            var judge: String
            var sampling: SamplingParameters
            var prompt: StoredPrompt
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(Key(judge: judge, sampling: sampling, prompt: prompt))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A judge cache file that cannot be created, read or appended to.
public struct JudgeCacheError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}
