import Foundation

/// Compares the configuration stored in a checkpoint with the one a resumed run was given, so a resume with a
/// different learning rate, dataset or reward set is refused by name, never silently mixed.
public enum ResumeCheck {
    /// The fields whose values differ, as `"name: stored -> new"`, in key order; nested objects are compared by
    /// their dotted paths (`lora.rank`). Fields in `mayChange` (e.g. `maxSteps`, to extend a run) are ignored.
    public static func changes<Configuration: Encodable>(stored: Configuration, new: Configuration,
                                                         mayChange: Set<String> = []) -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func flatten(_ value: Any, prefix: String, into result: inout [String: String]) {
            if let object = value as? [String: Any] {
                for (key, child) in object { flatten(child, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &result) }
            } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
                result[prefix] = String(decoding: data, as: UTF8.self)
            }
        }
        func fields(_ configuration: Configuration) -> [String: String] {
            guard let data = try? encoder.encode(configuration),
                  let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [:] }
            var result: [String: String] = [:]
            flatten(object, prefix: "", into: &result)
            return result
        }
        let (old, current) = (fields(stored), fields(new))
        return Set(old.keys).union(current.keys).sorted().compactMap { key in
            guard !mayChange.contains(key), !mayChange.contains(where: { key.hasPrefix($0 + ".") }),
                  old[key] != current[key] else { return nil }
            return "\(key): \(old[key] ?? "(none)") -> \(current[key] ?? "(none)")"
        }
    }

    /// Throws `TrainingError.configurationChanged` naming every changed field.
    public static func require<Configuration: Encodable>(stored: Configuration, new: Configuration, mayChange: Set<String> = [],
                                                         checkpoint: URL) throws {
        let changed = changes(stored: stored, new: new, mayChange: mayChange)
        if !changed.isEmpty { throw TrainingError.configurationChanged(checkpoint: checkpoint.path, changes: changed) }
    }
}

/// A fingerprint of a run's data (FNV-1a, 64 bits), stored in its checkpoints so that a resume on other data is
/// refused: the trainers add what defines their examples (token ids, masks, reward columns) in order.
public struct DataFingerprint {
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    /// Adds an integer (its 8 little-endian bytes).
    public mutating func add(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { for byte in $0 { mix(byte) } }
    }

    /// Adds a text and a terminator, so that ("ab", "c") and ("a", "bc") differ.
    public mutating func add(_ text: String) {
        for byte in text.utf8 { mix(byte) }
        mix(0xFF)  // never a byte of UTF-8
    }

    /// The hash in hexadecimal.
    public var value: String { String(hash, radix: 16) }

    private mutating func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
}
