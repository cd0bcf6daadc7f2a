import Foundation

extension GGUFFile {
    /// Tensors with at least this many elements are dequantized on all cores.
    static let parallelElementThreshold = 1 << 16

    /// The whole tensor named `name` as Float32, in row-major (NumPy `shape`) order.
    /// - Throws: `FormatError.unknownTensor`, or `.unsupportedTensorType` for types outside
    ///   `GGMLType.dequantizable`.
    public func dequantize(_ name: String) throws -> [Float] {
        try dequantize(try requireTensor(name))
    }

    /// The whole tensor as Float32, in row-major (NumPy `shape`) order.
    public func dequantize(_ tensor: GGUFTensorInfo) throws -> [Float] {
        try dequantizeRows(tensor, rows: 0..<tensor.rowCount)
    }

    /// Rows `rows` of the tensor as Float32 (`rows.count * tensor.rowLength` values). A row is
    /// one run of `ne[0]` contiguous elements, i.e. one output row of an HF `[out, in]` weight,
    /// so a frozen quantized weight can be dequantized a slice at a time.
    public func dequantizeRows(_ tensor: GGUFTensorInfo, rows: Range<Int>) throws -> [Float] {
        try checkRows(tensor, rows)
        let count = rows.count * tensor.rowLength
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try dequantizeRows(tensor, rows: rows, into: buffer)
            initialized = count
        }
    }

    /// Writes rows `rows` of the tensor as Float32 into `destination`, which must hold at least
    /// `rows.count * tensor.rowLength` values. Large ranges run on all cores.
    public func dequantizeRows(_ tensor: GGUFTensorInfo, rows: Range<Int>,
                               into destination: UnsafeMutableBufferPointer<Float>) throws {
        try checkRows(tensor, rows)
        guard tensor.type.isDequantizable else {
            throw FormatError.unsupportedTensorType(path: path, tensor: tensor.name, type: tensor.type.name,
                                                    supported: GGMLType.dequantizable.map(\.name))
        }
        let rowLength = tensor.rowLength
        precondition(destination.count >= rows.count * rowLength,
                     "dequantizeRows: destination holds \(destination.count) floats, need \(rows.count * rowLength)")
        guard rows.count > 0, rowLength > 0, let output = destination.baseAddress else { return }
        let blocksPerRow = rowLength / tensor.type.blockSize
        let source = rawBytes(tensor).baseAddress! + rows.lowerBound * tensor.rowByteCount
        let type = tensor.type
        let totalBlocks = rows.count * blocksPerRow
        let elementsPerBlock = type.blockSize
        let totalElements = rows.count * rowLength
        if totalElements < Self.parallelElementThreshold {
            GGMLDequantization.dequantize(type, blocks: source, blockCount: totalBlocks, into: output)
            return
        }
        // Split into contiguous block ranges, a few per core; blocks never straddle chunks.
        let chunkCount = min(totalBlocks, max(1, ProcessInfo.processInfo.activeProcessorCount * 4))
        let blocksPerChunk = (totalBlocks + chunkCount - 1) / chunkCount
        let typeSize = type.typeSize
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let first = chunk * blocksPerChunk
            let last = min(totalBlocks, first + blocksPerChunk)
            guard first < last else { return }
            GGMLDequantization.dequantize(type, blocks: source + first * typeSize, blockCount: last - first,
                                          into: output + first * elementsPerBlock)
        }
    }

    private func checkRows(_ tensor: GGUFTensorInfo, _ rows: Range<Int>) throws {
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rowCount else {
            throw FormatError.invalidValue(path: path, field: "row range of tensor \(tensor.name)",
                                           expected: "rows within 0..<\(tensor.rowCount)",
                                           found: "\(rows.lowerBound)..<\(rows.upperBound)")
        }
        guard tensorInfo(tensor.name) == tensor else {
            throw FormatError.unknownTensor(path: path, name: tensor.name)
        }
    }
}
