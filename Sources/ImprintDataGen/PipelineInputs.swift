import Foundation
import ImprintCore

/// The items of each pipeline step, read from the files the seeds and the other steps write.
public enum PipelineInputs {
    /// Plotlines: a text file with one `Title: premise` per line (seed 000's `stories.txt`; keys `0`, `1`, … as in its
    /// `story_map.json`), or JSONL / CSV rows with `plotline` (key `story_id`, else the row index).
    public static func plotlines(path: String) throws -> [PipelineItem] {
        if path.hasSuffix(".txt") {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw DataFileError(path: path, reason: "cannot read the plotlines (expected UTF-8 text, one per line)")
            }
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if lines.isEmpty { throw DataFileError(path: path, reason: "no plotlines") }
            return lines.enumerated().map { PipelineItem(key: String($0.offset), fields: ["plotline": $0.element]) }
        }
        return try rows(path: path, key: ["story_id"], required: ["plotline"])
    }

    /// Stories: JSONL / CSV rows with `story` and `plotline` (what `StoryStep` writes; key `story_id`), or a seed-000
    /// directory (`stories_detail/`, `story_map.json`).
    public static func stories(path: String) throws -> [PipelineItem] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try StoryExperimentFiles.stories(directory: path).map {
                PipelineItem(key: $0.id, fields: ["story": $0.text, "plotline": $0.plotline])
            }
        }
        return try rows(path: path, key: ["story_id"], required: ["story"])
    }

    /// News articles: seed 003's extracted-news CSV (`URL, Date, News_title, News_text`) or JSONL with `text` (and
    /// `title`, `category`); key `article_id`, else `URL`, else the row index.
    public static func articles(path: String) throws -> [PipelineItem] {
        try rows(path: path, key: ["article_id", "URL", "url"], required: ["text"],
                 renames: ["News_text": "text", "News_title": "title"])
    }

    /// Facts for the question step: rows with `fact` (and `category`); key `fact_id`, else the row index.
    public static func facts(path: String) throws -> [PipelineItem] {
        try rows(path: path, key: ["fact_id"], required: ["fact"])
    }

    /// Questions for the rephrasing step: a fact table (`FactTable.read`: seed 003's files with their quotes cleaned and
    /// ids `rg-NNNNN` assigned when absent, repeated facts once); key `fact_id`.
    public static func questions(path: String) throws -> [PipelineItem] {
        try FactTable.read(path: path).facts.map { fact in
            PipelineItem(key: fact.id, fields: ["fact_id": fact.id, "category": fact.category, "fact": fact.statement,
                                                "question": fact.question, "answer": fact.answer])
        }
    }

    /// Rows as items: the first present `key` column (else the 0-based row index as text), `renames` applied.
    ///
    /// - Throws: `DataFileError` naming the line of a row without a `required` column, or a repeated key.
    static func rows(path: String, key: [String], required: [String], renames: [String: String] = [:]) throws -> [PipelineItem] {
        var seen: Set<String> = []
        return try FactTable.stringRows(path: path).enumerated().map { index, row in
            var fields = row.fields
            for (from, to) in renames where fields[to] == nil { fields[to] = fields[from] }
            for column in required where (fields[column] ?? "").isEmpty {
                throw DataFileError(path: path, line: row.line, reason: "the row has no \"\(column)\"")
            }
            let itemKey = key.lazy.compactMap { fields[$0] }.first { !$0.isEmpty } ?? String(index)
            guard seen.insert(itemKey).inserted else {
                throw DataFileError(path: path, line: row.line, reason: "the id \(itemKey) appears twice")
            }
            return PipelineItem(key: itemKey, fields: fields)
        }
    }
}
