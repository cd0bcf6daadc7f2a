import Foundation
import ImprintCore

/// Typed access to a parsed JSON object that reports failures as `TokenizerError`s naming the file and the
/// field's JSON path. Parsed with `JinjaJSON`, which keeps keys exact (Foundation's JSON merges canonically
/// equivalent keys such as `"é"` and `"e\u{301}"`, which are different tokens) and integers as integers.
struct JSONFields {
    let object: OrderedDictionary
    let file: String
    /// The JSON path of this object, e.g. `pre_tokenizer.pretokenizers[0]`.
    let path: String

    init(_ object: OrderedDictionary, file: String, path: String) {
        self.object = object
        self.file = file
        self.path = path
    }

    /// Parses a JSON object from `data`.
    ///
    /// - Throws: `TokenizerError.unreadable` when the bytes are not UTF-8 (HF `tokenizers` refuses them too:
    ///   "stream did not contain valid UTF-8"), `.invalidField` for invalid JSON or a root that is not an object.
    init(data: Data, file: String) throws {
        guard let text = ExactUTF8.string(data) else {
            throw TokenizerError.unreadable(file: file, reason: "not valid UTF-8")
        }
        let parsed: JinjaValue
        do {
            parsed = try JinjaJSON.parse(text)
        } catch let error as JinjaJSON.ParseError {
            if case .tooDeep(let limit) = error.kind {
                throw TokenizerError.limitExceeded(file: file, what: "JSON nesting depth (at byte \(error.offset))", limit: limit)
            }
            throw TokenizerError.invalidField(file: file, field: "(root)", expected: "valid JSON: \(error)")
        } catch {
            throw TokenizerError.invalidField(file: file, field: "(root)", expected: "valid JSON: \(error)")
        }
        guard case .object(let object) = parsed else {
            throw TokenizerError.invalidField(file: file, field: "(root)", expected: "a JSON object")
        }
        self.init(object, file: file, path: "")
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether `key` is present and not null.
    func has(_ key: String) -> Bool {
        guard let value = object[key] else { return false }
        return value != .none
    }

    func string(_ key: String) throws -> String {
        guard has(key) else { throw TokenizerError.missingField(file: file, field: fieldPath(key)) }
        guard case .string(let value)? = object[key] else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "a string")
        }
        return value
    }

    func optionalString(_ key: String) throws -> String? { has(key) ? try string(key) : nil }

    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard has(key) else { return defaultValue }
        guard case .bool(let value)? = object[key] else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "a boolean")
        }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard has(key) else { throw TokenizerError.missingField(file: file, field: fieldPath(key)) }
        guard case .int(let value)? = object[key] else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "an integer")
        }
        return value
    }

    /// A number field (integer or not), or nil when absent.
    func optionalNumber(_ key: String) throws -> Double? {
        guard has(key) else { return nil }
        guard let value = object[key]?.numericValue, object[key]?.isNumber == true else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "a number")
        }
        return value
    }

    func object(_ key: String) throws -> JSONFields {
        guard has(key) else { throw TokenizerError.missingField(file: file, field: fieldPath(key)) }
        guard case .object(let value)? = object[key] else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "an object")
        }
        return JSONFields(value, file: file, path: fieldPath(key))
    }

    func optionalObject(_ key: String) throws -> JSONFields? { has(key) ? try object(key) : nil }

    func array(_ key: String) throws -> [JinjaValue] {
        guard has(key) else { throw TokenizerError.missingField(file: file, field: fieldPath(key)) }
        guard case .array(let value)? = object[key] else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "an array")
        }
        return value
    }

    /// The objects of an array field.
    func objects(_ key: String) throws -> [JSONFields] {
        try array(key).enumerated().map { index, element in
            guard case .object(let value) = element else {
                throw TokenizerError.invalidField(file: file, field: "\(fieldPath(key))[\(index)]", expected: "an object")
            }
            return JSONFields(value, file: file, path: "\(fieldPath(key))[\(index)]")
        }
    }
}
