import Foundation
import ImprintCore

/// The weights of a Hugging Face model directory: `model.safetensors`, or shards listed in
/// `model.safetensors.index.json` (`{"metadata": {...}, "weight_map": {"name": "shard file"}}`).
/// Lookups go to the shard that holds the tensor.
public final class SafetensorsCheckpoint: @unchecked Sendable {
    /// The single-file checkpoint name.
    public static let singleFileName = "model.safetensors"
    /// The shard index name.
    public static let indexFileName = "model.safetensors.index.json"

    /// The opened files, in shard order.
    public let files: [SafetensorsFile]
    /// All tensor names, sorted.
    public let tensorNames: [String]
    private let fileForTensor: [String: Int]

    /// Opens a model directory (single file or sharded), or a single `.safetensors` file.
    /// - Throws: `FormatError` when neither file exists, the index is malformed, a shard is
    ///   missing, or the index names a tensor its shard lacks.
    public convenience init(contentsOf url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw FormatError.cannotOpen(path: url.path, reason: "no such file or directory")
        }
        guard isDirectory.boolValue else {
            try self.init(files: [SafetensorsFile(contentsOf: url)], indexPath: nil, weightMap: nil)
            return
        }
        let index = url.appendingPathComponent(Self.indexFileName)
        if FileManager.default.fileExists(atPath: index.path) {
            let weightMap = try Self.readWeightMap(index)
            var shardNames: [String] = []
            for shard in Set(weightMap.values).sorted() { shardNames.append(shard) }
            let files = try shardNames.map { try SafetensorsFile(contentsOf: url.appendingPathComponent($0)) }
            try self.init(files: files, indexPath: index.path, weightMap: weightMap)
            return
        }
        let single = url.appendingPathComponent(Self.singleFileName)
        guard FileManager.default.fileExists(atPath: single.path) else {
            throw FormatError.missingKey(path: url.path, key: Self.singleFileName,
                                         expected: "\(Self.singleFileName) or \(Self.indexFileName) in the model directory")
        }
        try self.init(files: [SafetensorsFile(contentsOf: single)], indexPath: nil, weightMap: nil)
    }

    private init(files: [SafetensorsFile], indexPath: String?, weightMap: [String: String]?) throws {
        self.files = files
        var fileForTensor: [String: Int] = [:]
        if let weightMap, let indexPath {
            let fileIndexByName = Dictionary(uniqueKeysWithValues: files.enumerated().map {
                ($0.element.url.lastPathComponent, $0.offset)
            })
            for (tensor, shard) in weightMap {
                let fileIndex = fileIndexByName[shard]!
                guard files[fileIndex].tensors[tensor] != nil else {
                    throw FormatError.invalidValue(path: indexPath, field: "weight_map.\(tensor)",
                                                   expected: "a tensor present in \(shard)", found: "none there")
                }
                fileForTensor[tensor] = fileIndex
            }
        } else {
            for (fileIndex, file) in files.enumerated() {
                for name in file.tensorNames { fileForTensor[name] = fileIndex }
            }
        }
        self.fileForTensor = fileForTensor
        tensorNames = fileForTensor.keys.sorted()
    }

    private static func readWeightMap(_ index: URL) throws -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: index)
        } catch {
            throw FormatError.cannotOpen(path: index.path, reason: error.localizedDescription)
        }
        guard let object = (try? ExactUTF8.jsonObject(with: data)) as? [String: Any] else {
            throw FormatError.invalidValue(path: index.path, field: "JSON", expected: "a JSON object", found: "other content")
        }
        guard let rawMap = object["weight_map"] else {
            throw FormatError.missingKey(path: index.path, key: "weight_map", expected: "an object of tensor name to shard file")
        }
        guard let map = rawMap as? [String: Any] else {
            throw FormatError.invalidValue(path: index.path, field: "weight_map",
                                           expected: "an object of tensor name to shard file", found: "\(rawMap)")
        }
        var weightMap: [String: String] = [:]
        for (tensor, shard) in map {
            guard let shardName = shard as? String, !shardName.contains("/"), !shardName.isEmpty else {
                throw FormatError.invalidValue(path: index.path, field: "weight_map.\(tensor)",
                                               expected: "a shard file name in the same directory", found: "\(shard)")
            }
            weightMap[tensor] = shardName
        }
        return weightMap
    }

    /// The file holding tensor `name`.
    public func file(containing name: String) throws -> SafetensorsFile {
        guard let index = fileForTensor[name] else {
            throw FormatError.unknownTensor(path: files.first?.url.deletingLastPathComponent().path ?? "", name: name)
        }
        return files[index]
    }

    /// Whether the checkpoint holds tensor `name`.
    public func contains(_ name: String) -> Bool { fileForTensor[name] != nil }

    /// The info of tensor `name`.
    public func info(_ name: String) throws -> SafetensorsTensorInfo { try file(containing: name).info(name) }

    /// Tensor `name` as Float32.
    public func floats(_ name: String) throws -> [Float] { try file(containing: name).floats(name) }

    /// Tensor `name` as Int.
    public func ints(_ name: String) throws -> [Int] { try file(containing: name).ints(name) }

    /// The union of the files' `__metadata__`.
    public var metadata: [String: String] {
        files.reduce(into: [:]) { result, file in result.merge(file.metadata) { first, _ in first } }
    }
}
