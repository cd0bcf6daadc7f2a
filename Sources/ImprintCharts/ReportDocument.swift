/// The text of reports: Markdown and HTML tables, and one self-contained HTML page holding tables and charts.
///
/// ```swift
/// let table = ReportDocument.htmlTable(header: ["run", "both", "one", "none"], rows: rows)
/// let page = ReportDocument.htmlPage(title: "Evaluation", sections: [
///     (heading: "Held-out phrasings", html: table + chart.svg()),
/// ])
/// ```
public enum ReportDocument {
    /// A Markdown (GitHub) table with its columns padded to line up in plain text.
    ///
    /// Pipes in cells are escaped (`\|`) and line breaks become `<br>`; rows shorter than the header are padded
    /// with empty cells and the header grows, unnamed, for longer rows. Columns whose cells are all numbers
    /// (`12`, `−3.5`, `63.1%`, `+4.0`) are right-aligned.
    public static func markdownTable(header: [String], rows: [[String]]) -> String {
        let columns = max(header.count, rows.map(\.count).max() ?? 0)
        guard columns > 0 else { return "" }
        func cells(_ row: [String]) -> [String] {
            (0..<columns).map { column in
                column < row.count
                    ? row[column].replacingOccurrences(of: "|", with: "\\|")
                        .replacingOccurrences(of: "\r\n", with: "<br>").replacingOccurrences(of: "\n", with: "<br>")
                    : ""
            }
        }
        let head = cells(header), body = rows.map(cells)
        let numeric = (0..<columns).map { column in !body.isEmpty && body.allSatisfy { isNumeric($0[column]) } }
        let widths = (0..<columns).map { column in max(3, ([head] + body).map { $0[column].count }.max() ?? 0) }
        func line(_ row: [String]) -> String {
            let padded = (0..<columns).map { column -> String in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return numeric[column] ? padding + row[column] : row[column] + padding
            }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        let rule = "|" + (0..<columns).map { column in
            numeric[column] ? " " + String(repeating: "-", count: widths[column] - 1) + ": "
                : " " + String(repeating: "-", count: widths[column]) + " "
        }.joined(separator: "|") + "|"
        return ([line(head), rule] + body.map(line)).joined(separator: "\n") + "\n"
    }

    /// An HTML table; every cell is escaped. Numeric cells (as in `markdownTable`) get `class="num"` and are
    /// right-aligned by the page's style.
    public static func htmlTable(header: [String], rows: [[String]]) -> String {
        func cell(_ tag: String, _ text: String) -> String {
            isNumeric(text) ? "<\(tag) class=\"num\">\(escapeHTML(text))</\(tag)>" : "<\(tag)>\(escapeHTML(text))</\(tag)>"
        }
        var lines = ["<table>"]
        if !header.isEmpty {
            lines.append("<thead><tr>" + header.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead>")
        }
        lines.append("<tbody>")
        lines += rows.map { "<tr>" + $0.map { cell("td", $0) }.joined() + "</tr>" }
        lines.append("</tbody>")
        lines.append("</table>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One self-contained HTML page: the title, then each section as an `<h2>` heading (escaped) and its HTML
    /// body (inserted as is: tables from `htmlTable`, inline `<svg>` charts). No scripts, no external files.
    public static func htmlPage(title: String, sections: [(heading: String, html: String)]) -> String {
        var lines = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\"/>",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>",
            "<title>\(escapeHTML(title))</title>",
            "<style>",
            style,
            "</style>",
            "</head>",
            "<body>",
            "<h1>\(escapeHTML(title))</h1>",
        ]
        for section in sections {
            lines.append("<section>")
            lines.append("<h2>\(escapeHTML(section.heading))</h2>")
            lines.append(section.html)
            lines.append("</section>")
        }
        lines += ["</body>", "</html>"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities, safe in HTML content and attribute values.
    public static func escapeHTML(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Whether a cell reads as a number: an optional sign (`+`, `-`, `−`), digits with at most one point, an
    /// optional `%`; `n/a` counts too, so a missing value does not break a numeric column.
    static func isNumeric(_ text: String) -> Bool {
        var body = Substring(text.trimmingSpaces())
        if body == "n/a" { return true }
        if let first = body.first, "+-−".contains(first) { body = body.dropFirst() }
        if body.last == "%" { body = body.dropLast() }
        guard let first = body.first, first.isASCII, first.isNumber else { return false }
        var points = 0
        for character in body {
            if character == "." {
                points += 1
            } else if !(character.isASCII && character.isNumber) {
                return false
            }
        }
        return points <= 1
    }

    private static let style = """
    body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222;
           max-width: 1100px; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
    h1 { font-size: 1.6rem; margin-bottom: 1.5rem; }
    h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.3rem; }
    table { border-collapse: collapse; margin: 0.8rem 0 1.2rem; font-size: 0.92rem; }
    th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
    th { background: #f4f6f8; border-bottom: 2px solid #cfd6dd; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    tbody tr:nth-child(even) { background: #fafbfc; }
    svg { max-width: 100%; height: auto; display: block; margin: 0.8rem 0; }
    pre, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88rem; }
    """
}

extension String {
    /// The string without leading and trailing spaces (plain U+0020 only).
    fileprivate func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
