import Foundation

/// The global functions a chat template sees: jinja2's `range`, `namespace`, `dict`, and transformers'
/// `raise_exception` and `strftime_now` (which formats the render's `now`, not the clock it reads itself).
enum JinjaGlobals {
    static func value(named name: String, now: Date, timeZone: TimeZone, budget: RenderBudget) -> JinjaValue? {
        switch name {
        case "range":
            return .function(name) { arguments, _, position in
                let bounds = arguments.compactMap(\.integerIndex)
                guard bounds.count == arguments.count, (1...3).contains(bounds.count) else {
                    throw TemplateError(.runtime, "range() takes 1 to 3 integers", line: position.line, column: position.column)
                }
                let start = bounds.count == 1 ? 0 : bounds[0]
                let stop = bounds.count == 1 ? bounds[0] : bounds[1]
                let step = bounds.count == 3 ? bounds[2] : 1
                guard step != 0 else { throw TemplateError(.runtime, "range() step must not be zero", line: position.line, column: position.column) }
                // Python's len(range(start, stop, step)), counted before any number is made.
                let span = step > 0 ? stop.subtractingReportingOverflow(start) : start.subtractingReportingOverflow(stop)
                let length = span.overflow ? Int.max
                    : span.partialValue <= 0 ? 0 : Int((UInt(span.partialValue) - 1) / step.magnitude) + 1
                try budget.checkListLength(length, at: position)
                return .array(Swift.stride(from: start, to: stop, by: step).map { .int($0) })
            }
        case "namespace":
            return .function(name) { arguments, keywords, _ in
                let namespace = JinjaNamespace()
                if case .object(let initial)? = arguments.first {
                    for (key, value) in initial.pairs { namespace.attributes[key] = value }
                }
                for (key, value) in keywords.pairs { namespace.attributes[key] = value }
                return .namespace(namespace)
            }
        case "dict":
            return .function(name) { _, keywords, _ in .object(keywords) }
        case "raise_exception":
            return .function(name) { arguments, _, position in
                throw TemplateError(.raised, arguments.first?.pythonString ?? "", line: position.line, column: position.column)
            }
        case "strftime_now":
            return .function(name) { arguments, _, _ in
                .string(strftime(arguments.first?.pythonString ?? "", now, timeZone: timeZone))
            }
        default:
            return nil
        }
    }

    /// C `strftime` on `date` as a wall-clock time in `timeZone`, as Python's `datetime.now().strftime(format)`
    /// formats the local time. The C locale's names (`%b` is `Dec`), whatever the process's locale.
    static func strftime(_ format: String, _ date: Date, timeZone: TimeZone = .current) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        var time = time_t(date.timeIntervalSince1970.rounded(.down)) + time_t(offset)
        var components = tm()
        gmtime_r(&time, &components)
        components.tm_isdst = timeZone.isDaylightSavingTime(for: date) ? 1 : 0
        components.tm_gmtoff = offset
        let abbreviation = strdup(timeZone.abbreviation(for: date) ?? "UTC")
        defer { free(abbreviation) }
        components.tm_zone = UnsafePointer(abbreviation)
        var buffer = [Int8](repeating: 0, count: 256)
        let cLocale = newlocale(Int32(1) << LC_TIME, "C", nil)  // LC_TIME_MASK
        defer { if let cLocale { freelocale(cLocale) } }
        let length = cLocale.map { strftime_l(&buffer, buffer.count, format, &components, $0) }
            ?? Foundation.strftime(&buffer, buffer.count, format, &components)
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
