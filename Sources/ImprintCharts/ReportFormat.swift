import Foundation

/// How numbers read in reports, tables and charts: fixed decimals, percentages, signed points and p-values.
///
/// Negative numbers use the minus sign `−` (U+2212), as typeset text does; values that round to zero are
/// written without a sign; a value that is not finite is written `n/a`, never `nan`. The decimal separator
/// is always `.`, whatever the process's locale.
///
/// ```swift
/// ReportFormat.fixed(-0.25, decimals: 2)   // "−0.25"
/// ReportFormat.percent(0.6314)             // "63.1%"
/// ReportFormat.signedPoints(12.34)         // "+12.3"
/// ReportFormat.pValue(0.003125)            // "0.0031"
/// ReportFormat.pValue(3.1e-8)              // "3.1e-8"
/// ```
public enum ReportFormat {
    /// `value` with `decimals` digits after the point.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "n/a" }
        let digits = String(format: "%.\(max(decimals, 0))f", abs(value))
        let roundsToZero = digits.allSatisfy { $0 == "0" || $0 == "." }
        return (value < 0 && !roundsToZero ? "−" : "") + digits
    }

    /// A proportion as a percentage: `0.6314` → `"63.1%"`.
    public static func percent(_ proportion: Double, decimals: Int = 1) -> String {
        guard proportion.isFinite else { return "n/a" }
        return fixed(proportion * 100, decimals: decimals) + "%"
    }

    /// Percentage points with one decimal: `−3.2`, `0.0`, `12.3`.
    public static func points(_ value: Double) -> String { fixed(value, decimals: 1) }

    /// Percentage points with one decimal and an explicit sign on positive values: `+12.3`, `−3.2`, `0.0`.
    public static func signedPoints(_ value: Double) -> String {
        let text = points(value)
        return value > 0 && text != "0.0" ? "+" + text : text
    }

    /// A p-value with two significant digits: fixed notation from 0.001 up (`0.0031`, `0.22`, `1`),
    /// scientific below (`3.1e-8`); `0` (a p-value below the smallest double) is written `< 1e-300`.
    public static func pValue(_ p: Double) -> String {
        guard p.isFinite else { return "n/a" }
        if p <= 0 { return "< 1e-300" }
        if p >= 0.001 {
            let decimals = max(0, 1 - Int(log10(p).rounded(.down)))
            let text = String(format: "%.\(decimals)f", p)
            return text == "1.0" ? "1" : text
        }
        let text = String(format: "%.1e", p)  // "3.1e-08"
        guard let exponentStart = text.firstIndex(of: "e") else { return text }
        let mantissa = text[..<exponentStart]
        let exponent = Int(text[text.index(after: exponentStart)...]) ?? 0
        return "\(mantissa)e\(exponent)"
    }

    /// `"p = 0.0031"`, or `"p < 1e-300"` for a p-value that underflowed to 0.
    public static func pValueClause(_ p: Double) -> String {
        let text = pValue(p)
        return text.hasPrefix("<") ? "p " + text : "p = " + text
    }
}
