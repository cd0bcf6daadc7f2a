import Foundation

/// Typed access to a parsed JSON object that reports failures as `TokenizerError`s naming the file and the
/// field's JSON path.
struct JSONFields {
    let object: [String: Any]
    let file: String
    /// The JSON path of this object, e.g. `pre_tokenizer.pretokenizers[0]`.
    let path: String

    init(_ object: [String: Any], file: String, path: String) {
        self.object = object
        self.file = file
        self.path = path
    }

    /// Parses a JSON object from `data`.
    init(data: Data, file: String) throws {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TokenizerError.invalidField(file: file, field: "(root)", expected: "valid JSON: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw TokenizerError.invalidField(file: file, field: "(root)", expected: "a JSON object")
        }
        self.init(object, file: file, path: "")
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether `key` is present and not null.
    func has(_ key: String) -> Bool {
        guard let value = object[key] else { return false }
        return !(value is NSNull)
    }

    func string(_ key: String) throws -> String {
        guard has(key) else { throw TokenizerError.missingField(file: file, field: fieldPath(key)) }
        guard let value = object[key] as? String else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "a string")
        }
        return value
    }

    func optionalString(_ key: String) throws -> String? { has(key) ? try string(key) : nil }

    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard has(key) else { return defaultValue }
        guard let value = object[key] as? Bool else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "a boolean")
        }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard has(key) else { throw TokenizerError.missingField(file: file, field: fieldPath(key)) }
        guard let value = object[key], type(of: value) != Bool.self, let number = value as? NSNumber,
              Double(number.intValue) == number.doubleValue else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "an integer")
        }
        return number.intValue
    }

    func object(_ key: String) throws -> JSONFields {
        guard has(key) else { throw TokenizerError.missingField(file: file, field: fieldPath(key)) }
        guard let value = object[key] as? [String: Any] else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "an object")
        }
        return JSONFields(value, file: file, path: fieldPath(key))
    }

    func optionalObject(_ key: String) throws -> JSONFields? { has(key) ? try object(key) : nil }

    func array(_ key: String) throws -> [Any] {
        guard has(key) else { throw TokenizerError.missingField(file: file, field: fieldPath(key)) }
        guard let value = object[key] as? [Any] else {
            throw TokenizerError.invalidField(file: file, field: fieldPath(key), expected: "an array")
        }
        return value
    }

    /// The objects of an array field.
    func objects(_ key: String) throws -> [JSONFields] {
        try array(key).enumerated().map { index, element in
            guard let value = element as? [String: Any] else {
                throw TokenizerError.invalidField(file: file, field: "\(fieldPath(key))[\(index)]", expected: "an object")
            }
            return JSONFields(value, file: file, path: "\(fieldPath(key))[\(index)]")
        }
    }
}
