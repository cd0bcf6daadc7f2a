import Foundation
import ImprintCore

/// Seed 000's files (axeld5/story_experience) as they are:
///
/// | file | shape |
/// |---|---|
/// | `stories.txt` | one plotline `Title: premise` per line |
/// | `story_map.json` | `{"0": plotline, …}` |
/// | `stories_detail/{i}.txt` | the story of plotline i |
/// | `qa_pairs.json` | columns `{story_contexts, questions, answers, contexts}` |
/// | `modified_qa_pairs.json` | `[{story_idx, question: "Title: …", answer}]` (`story_idx` is the row, not the story) |
/// | `train_dataset/train_data.json`, `rl_data.json` | `[{"conversations": [user, assistant]}]` |
public enum StoryExperimentFiles {
    /// The stories of a seed-000 directory with their questions from `qa_pairs.json` (matched by plotline), ids
    /// `"0"`…`"99"` as in `story_map.json`.
    ///
    /// - Throws: `DataFileError` for a missing or malformed file.
    public static func stories(directory: String) throws -> [Story] {
        let plotlines = try self.plotlines(directory: directory)
        var stories: [Story] = []
        for (index, plotline) in plotlines.enumerated() {
            let path = directory + "/stories_detail/\(index).txt"
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw DataFileError(path: path, reason: "cannot read the story (expected UTF-8 text)")
            }
            let title = plotline.split(separator: ":", maxSplits: 1).first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? plotline
            stories.append(Story(id: String(index), title: title, plotline: plotline,
                                 text: text.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        let questionsPath = directory + "/qa_pairs.json"
        if FileManager.default.fileExists(atPath: questionsPath) {
            let byPlotline = try questions(path: questionsPath)
            for index in stories.indices { stories[index].questions = byPlotline[stories[index].plotline] ?? [] }
        }
        return stories
    }

    /// The plotlines: `story_map.json` when present (by index), else the non-empty lines of `stories.txt`.
    public static func plotlines(directory: String) throws -> [String] {
        let mapPath = directory + "/story_map.json"
        if let data = FileManager.default.contents(atPath: mapPath) {
            guard let map = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw DataFileError(path: mapPath, reason: "expected a JSON object from index to plotline")
            }
            var plotlines: [String] = []
            for index in 0..<map.count {
                guard let plotline = map[String(index)] as? String else {
                    throw DataFileError(path: mapPath, reason: "no plotline string for index \"\(index)\" (expected keys 0…\(map.count - 1))")
                }
                plotlines.append(plotline.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return plotlines
        }
        let path = directory + "/stories.txt"
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DataFileError(path: path, reason: "cannot read the plotlines (stories.txt or story_map.json)")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `qa_pairs.json`'s columns as questions grouped by plotline, in file order.
    ///
    /// - Throws: `DataFileError` when a column is missing, not a list of strings, or of another length.
    public static func questions(path: String) throws -> [String: [StoryQuestion]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(path: path, reason: "cannot read the QA file")
        }
        guard let columns = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DataFileError(path: path, reason: "expected a JSON object of columns {story_contexts, questions, answers, contexts}")
        }
        func column(_ key: String) throws -> [String] {
            guard let values = columns[key] as? [Any], values.allSatisfy({ $0 is String }) else {
                throw DataFileError(path: path, reason: "the column \"\(key)\" is missing or not a list of strings")
            }
            return values.map { $0 as! String }
        }
        let contexts = try column("story_contexts"), questions = try column("questions")
        let answers = try column("answers"), supports = try column("contexts")
        guard Set([contexts.count, questions.count, answers.count, supports.count]).count == 1 else {
            throw DataFileError(path: path, reason: "the columns differ in length (\(contexts.count), \(questions.count), "
                                + "\(answers.count), \(supports.count))")
        }
        var grouped: [String: [StoryQuestion]] = [:]
        for index in contexts.indices {
            grouped[contexts[index].trimmingCharacters(in: .whitespacesAndNewlines), default: []]
                .append(StoryQuestion(question: questions[index], answer: answers[index], context: supports[index]))
        }
        return grouped
    }

    /// One row of `modified_qa_pairs.json`.
    public struct TitledQuestion: Sendable, Hashable {
        /// The row's `story_idx` (seed 000 wrote the row index here, not the story's).
        public var rowIndex: Int
        /// `"Title: question"`.
        public var question: String
        public var answer: String
    }

    /// `modified_qa_pairs.json`, the file seed 000's evaluation read.
    public static func titledQuestions(path: String) throws -> [TitledQuestion] {
        try DataRows.read(path: path).map { row in
            guard let question = row.fields["question"] as? String, let answer = row.fields["answer"] as? String else {
                throw DataFileError(path: path, line: row.line, reason: "expected string \"question\" and \"answer\"")
            }
            return TitledQuestion(rowIndex: (row.fields["story_idx"] as? Int) ?? row.line - 1, question: question, answer: answer)
        }
    }

    /// The conversations of `train_data.json` or `rl_data.json` (`{"conversations": [...]}` or `{"messages": [...]}`).
    public static func conversations(path: String) throws -> [[ChatMessage]] {
        try DataRows.read(path: path).map { row in
            guard let messages = DataRows.messages(row.fields["conversations"] ?? row.fields["messages"]) else {
                throw DataFileError(path: path, line: row.line, reason: "expected \"conversations\": a list of {role, content}")
            }
            return messages
        }
    }
}
