import CImprintKernels
import Foundation

/// Which keys each query may attend to.
///
/// Query `i` of `T` sits at absolute position `queryOffset + i` (by default `S - T`, so a decode
/// step with a KV cache of `S` keys attends like the last rows of a full causal mask). Key `j` is
/// visible when all the enabled rules allow it:
/// - `causal`: `j <= position(i)`;
/// - `slidingWindow = W`: `position(i) - j < W` (Gemma 3 local layers, Mistral);
/// - `keyPadding`: `keyPadding[b * S + j]` is true (false marks padding).
/// A query that sees no key at all outputs zeros.
public struct AttentionMask: Sendable {
    public var causal: Bool
    public var slidingWindow: Int?
    public var keyPadding: [Bool]?
    public var queryOffset: Int?

    public init(causal: Bool = true, slidingWindow: Int? = nil, keyPadding: [Bool]? = nil, queryOffset: Int? = nil) {
        self.causal = causal
        self.slidingWindow = slidingWindow
        self.keyPadding = keyPadding
        self.queryOffset = queryOffset
    }

    /// The visible key range of a block of queries of one sequence (a superset; per-key rules are applied after).
    ///
    /// Keys before `firstKey` (the sequence's leading padding, see `leadingPadding`) are left out of the range, not
    /// only masked: a left-padded sequence then sums over exactly the keys it sums over alone, in the same order, so
    /// its outputs do not depend on how much padding a batch gave it (batch-invariant generation).
    func keyRange(firstPosition: Int, lastPosition: Int, keyCount: Int, firstKey: Int = 0) -> Range<Int> {
        let end = causal ? Swift.min(keyCount, lastPosition + 1) : keyCount
        let start = Swift.max(firstKey, slidingWindow.map { Swift.max(0, firstPosition - $0 + 1) } ?? 0)
        return start..<Swift.max(start, end)
    }

    /// Each sequence's number of padding keys before its first real key (`keyPadding` false), or nil without padding.
    func leadingPadding(batch: Int, keyCount: Int) -> [Int]? {
        guard let keyPadding else { return nil }
        return (0..<batch).map { sequence in
            let row = keyPadding[(sequence * keyCount)..<((sequence + 1) * keyCount)]
            return (row.firstIndex(of: true) ?? row.endIndex) - row.startIndex
        }
    }

    func allows(position: Int, key: Int, sequence: Int, keyCount: Int) -> Bool {
        if causal && key > position { return false }
        if let window = slidingWindow, position - key >= window { return false }
        if let padding = keyPadding, !padding[sequence * keyCount + key] { return false }
        return true
    }
}

extension Tensor {
    /// Scaled dot-product attention, fused: `softmax(mask(q kᵀ · scale)) v`, with grouped-query heads.
    ///
    /// - Parameters:
    ///   - query: `[B, Hq, T, D]`; key: `[B, Hkv, S, D]`; value: `[B, Hkv, S, Dv]`, with `Hq` a
    ///     multiple of `Hkv` (query head `h` reads key/value head `h / (Hq / Hkv)`).
    ///   - scale: multiplies the scores; defaults to `1 / sqrt(D)`.
    ///   - keyLength: how many of the `S` key/value positions are filled (a KV cache with spare
    ///     capacity); default all. Positions past it are ignored and get zero gradients.
    /// - Returns: `[B, Hq, T, Dv]`.
    ///
    /// Matches `torch.nn.functional.scaled_dot_product_attention` (with `enable_gqa`) for the same
    /// mask. Queries are processed in blocks of 64 rows, and each block only multiplies the key
    /// range its mask can see, so causal and sliding-window attention skip the masked work.
    /// Work is split over (sequence, key/value head) pairs across the cores.
    public static func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor,
                                                 mask: AttentionMask = AttentionMask(), scale: Float? = nil,
                                                 keyLength: Int? = nil) -> Tensor {
        precondition(query.rank == 4 && key.rank == 4 && value.rank == 4,
                     "attention expects [B, heads, T, D] tensors, got \(query.shape), \(key.shape), \(value.shape)")
        let (batch, queryHeads, length, headDimension) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let (keyHeads, keyCapacity, valueDimension) = (key.shape[1], key.shape[2], value.shape[3])
        let keyCount = keyLength ?? keyCapacity
        precondition(keyCount >= 0 && keyCount <= keyCapacity, "keyLength \(keyCount) exceeds the \(keyCapacity) key positions")
        precondition(key.shape[0] == batch && value.shape[0] == batch && key.shape[3] == headDimension
                     && value.shape[1] == keyHeads && value.shape[2] == keyCapacity,
                     "attention shapes do not fit: query \(query.shape), key \(key.shape), value \(value.shape)")
        precondition(keyHeads > 0 && queryHeads % keyHeads == 0, "query heads \(queryHeads) are not a multiple of key heads \(keyHeads)")
        if let padding = mask.keyPadding {
            precondition(padding.count == batch * keyCount, "keyPadding needs \(batch * keyCount) entries, got \(padding.count)")
        }
        let geometry = AttentionGeometry(batch: batch, queryHeads: queryHeads, keyHeads: keyHeads, length: length,
                                         keyCount: keyCount, keyStride: keyCapacity, headDimension: headDimension, valueDimension: valueDimension,
                                         scale: scale ?? 1 / Foundation.sqrt(Float(headDimension)),
                                         mask: mask, queryOffset: mask.queryOffset ?? (keyCount - length),
                                         leadingPadding: mask.leadingPadding(batch: batch, keyCount: keyCount))
        let keepProbabilities = GradientMode.isEnabled && (query.needsGradient || key.needsGradient || value.needsGradient)
        // Only each row's visible key range is written and read back, so the buffer needs no zero fill.
        let probabilityCount = keepProbabilities ? batch * queryHeads * length * keyCount : 0
        var probabilities = [Float](unsafeUninitializedCapacity: probabilityCount) { _, count in count = probabilityCount }
        let output = Tensor.uninitialized([batch, queryHeads, length, valueDimension]) { result in
            query.storage.withUnsafeBufferPointer { q in
                key.storage.withUnsafeBufferPointer { k in
                    value.storage.withUnsafeBufferPointer { v in
                        probabilities.withUnsafeMutableBufferPointer { saved in
                            geometry.forward(q: q.baseAddress!, k: k.baseAddress!, v: v.baseAddress!, out: result.baseAddress!,
                                             savedProbabilities: keepProbabilities ? saved.baseAddress : nil)
                        }
                    }
                }
            }
        }
        return record("attention", output, inputs: [query, key, value]) { gradient in
            var queryGradient = [Float](repeating: 0, count: query.count)
            var keyGradient = [Float](repeating: 0, count: key.count)
            var valueGradient = [Float](repeating: 0, count: value.count)
            query.storage.withUnsafeBufferPointer { q in
                key.storage.withUnsafeBufferPointer { k in
                    value.storage.withUnsafeBufferPointer { v in
                        gradient.storage.withUnsafeBufferPointer { dO in
                            probabilities.withUnsafeBufferPointer { p in
                                queryGradient.withUnsafeMutableBufferPointer { dQ in
                                    keyGradient.withUnsafeMutableBufferPointer { dK in
                                        valueGradient.withUnsafeMutableBufferPointer { dV in
                                            geometry.backward(q: q.baseAddress!, k: k.baseAddress!, v: v.baseAddress!,
                                                              probabilities: p.baseAddress!, outputGradient: dO.baseAddress!,
                                                              dQ: dQ.baseAddress!, dK: dK.baseAddress!, dV: dV.baseAddress!)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: query.shape, storage: queryGradient), Tensor(shape: key.shape, storage: keyGradient),
                    Tensor(shape: value.shape, storage: valueGradient)]
        }
    }

    /// Attention composed of primitives (matmul, masked fill, softmax), the oracle for the fused kernel.
    public static func scaledDotProductAttentionComposite(query: Tensor, key: Tensor, value: Tensor,
                                                          mask: AttentionMask = AttentionMask(), scale: Float? = nil) -> Tensor {
        let (batch, queryHeads, length, headDimension) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let (keyHeads, keyCount) = (key.shape[1], key.shape[2])
        let groups = queryHeads / keyHeads
        // Repeat each key/value head for its query heads: [B, Hq, S, D].
        func repeatHeads(_ tensor: Tensor) -> Tensor {
            if groups == 1 { return tensor }
            let expanded = tensor.reshaped([batch, keyHeads, 1, keyCount, tensor.shape[3]])
                .expanded(to: [batch, keyHeads, groups, keyCount, tensor.shape[3]])
            return expanded.reshaped([batch, queryHeads, keyCount, tensor.shape[3]])
        }
        let offset = mask.queryOffset ?? (keyCount - length)
        var blocked = [Float](repeating: 0, count: batch * length * keyCount)  // [B, 1, T, S]
        for sequence in 0..<batch {
            for row in 0..<length {
                for column in 0..<keyCount where !mask.allows(position: offset + row, key: column, sequence: sequence, keyCount: keyCount) {
                    blocked[(sequence * length + row) * keyCount + column] = 1
                }
            }
        }
        let scores = matmul(query, repeatHeads(key), transposeB: true) * (scale ?? 1 / Foundation.sqrt(Float(headDimension)))
        // A large finite negative instead of -inf keeps all-masked rows finite; they are then zeroed.
        let masked = scores.maskedFill(Tensor(shape: [batch, 1, length, keyCount], storage: blocked), with: -1e30)
        var visibleRows = [Float](repeating: 0, count: batch * length)
        for row in visibleRows.indices where (0..<keyCount).contains(where: { blocked[row * keyCount + $0] == 0 }) {
            visibleRows[row] = 1
        }
        let probabilities = masked.softmaxComposite() * Tensor(shape: [batch, 1, length, 1], storage: visibleRows)
        return matmul(probabilities, repeatHeads(value))
    }
}

/// The sizes and mask of one attention call, and its forward and backward kernels.
struct AttentionGeometry {
    let batch: Int, queryHeads: Int, keyHeads: Int, length: Int, keyCount: Int
    /// Positions between one key/value head and the next (the cache capacity; `>= keyCount`).
    let keyStride: Int
    let headDimension: Int, valueDimension: Int
    let scale: Float
    let mask: AttentionMask
    let queryOffset: Int
    /// Each sequence's leading padding keys, skipped by every block (`AttentionMask.keyRange`).
    let leadingPadding: [Int]?

    static let blockRows = 64
    var groups: Int { queryHeads / keyHeads }

    /// Runs `body(sequence, keyHead)` over all pairs, spread over the cores; each pair's products
    /// run on its own thread.
    func forEachHeadPair(_ body: (Int, Int) -> Void) {
        BLAS.singleThreadedRegion {
            parallelForEach(batch * keyHeads) { pair in body(pair / keyHeads, pair % keyHeads) }
        }
    }

    /// The forward pass. The query heads that share a key/value head are stacked block by block
    /// (`groups × 64` rows), so each block costs two larger products instead of two per head.
    func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                 savedProbabilities: UnsafeMutablePointer<Float>?) {
        let blockRows = Self.blockRows
        forEachHeadPair { sequence, keyHead in
            let keys = k + (sequence * keyHeads + keyHead) * keyStride * headDimension
            let values = v + (sequence * keyHeads + keyHead) * keyStride * valueDimension
            // Sized for the longest block (one row when decoding: three 175 KB buffers per head pair and step before,
            // whose malloc and free cost 2.5% of an evaluation's time).
            let stackedRows = groups * Swift.min(blockRows, length)
            let stackedQueries = UnsafeMutablePointer<Float>.allocate(capacity: stackedRows * headDimension)
            let stackedScores = UnsafeMutablePointer<Float>.allocate(capacity: stackedRows * Swift.max(keyCount, 1))
            let stackedOutput = UnsafeMutablePointer<Float>.allocate(capacity: stackedRows * valueDimension)
            defer {
                stackedQueries.deallocate()
                stackedScores.deallocate()
                stackedOutput.deallocate()
            }
            let firstHead = sequence * queryHeads + keyHead * groups
            for blockStart in stride(from: 0, to: length, by: blockRows) {
                let rows = Swift.min(blockRows, length - blockStart)
                let range = mask.keyRange(firstPosition: queryOffset + blockStart,
                                          lastPosition: queryOffset + blockStart + rows - 1, keyCount: keyCount,
                                          firstKey: leadingPadding?[sequence] ?? 0)
                guard !range.isEmpty else {
                    for group in 0..<groups {
                        (out + ((firstHead + group) * length + blockStart) * valueDimension).initialize(repeating: 0, count: rows * valueDimension)
                    }
                    continue
                }
                let width = range.count
                for group in 0..<groups {  // [groups · rows, D]
                    (stackedQueries + group * rows * headDimension)
                        .update(from: q + ((firstHead + group) * length + blockStart) * headDimension, count: rows * headDimension)
                }
                // One query position (a decoding step): direct dot products; a packed product's packing
                // would cost more than the products themselves. A prefill's last block of one row stays on the
                // packed products, so a prompt's states do not depend on where its blocks of 64 end.
                let decoding = length == 1
                if decoding {
                    imprint_attention_scores(stackedQueries, groups, keys + range.lowerBound * headDimension, width, headDimension,
                                             scale, stackedScores)
                } else {
                    BLAS.sgemm(transposeA: false, transposeB: true, m: groups * rows, n: width, k: headDimension, alpha: scale,
                               a: stackedQueries, lda: headDimension, b: keys + range.lowerBound * headDimension, ldb: headDimension,
                               c: stackedScores, ldc: width, parallel: false)
                }
                for stackedRow in 0..<(groups * rows) {
                    softmaxRow(stackedScores + stackedRow * width, position: queryOffset + blockStart + stackedRow % rows,
                               range: range, sequence: sequence)
                }
                if decoding {
                    imprint_attention_values(stackedScores, groups, width, values + range.lowerBound * valueDimension, valueDimension,
                                             stackedOutput)
                } else {
                    BLAS.sgemm(transposeA: false, transposeB: false, m: groups * rows, n: valueDimension, k: width,
                               a: stackedScores, lda: width, b: values + range.lowerBound * valueDimension, ldb: valueDimension,
                               c: stackedOutput, ldc: valueDimension, parallel: false)
                }
                for group in 0..<groups {
                    let headIndex = firstHead + group
                    (out + (headIndex * length + blockStart) * valueDimension)
                        .update(from: stackedOutput + group * rows * valueDimension, count: rows * valueDimension)
                    guard let saved = savedProbabilities else { continue }
                    for row in 0..<rows {  // the backward pass reads P at [head, position, key]
                        (saved + (headIndex * length + blockStart + row) * keyCount + range.lowerBound)
                            .update(from: stackedScores + (group * rows + row) * width, count: width)
                    }
                }
            }
        }
    }

    /// Masks, then normalizes one row of scores over `range` in place (all-masked rows become zeros).
    ///
    /// The causal and window rules leave one interval of visible keys, so only padding needs a
    /// per-key test. The maximum and the sum run over that interval alone, so a query's weights do not
    /// depend on how many keys its block of queries spans (a prompt prefilled whole or after a shared prefix).
    private func softmaxRow(_ row: UnsafeMutablePointer<Float>, position: Int, range: Range<Int>, sequence: Int) {
        let width = range.count
        var first = range.lowerBound, end = range.upperBound
        if mask.causal { end = Swift.min(end, position + 1) }
        if let window = mask.slidingWindow { first = Swift.max(first, position - window + 1) }
        let visible = Swift.min(first - range.lowerBound, width)..<Swift.min(Swift.max(first - range.lowerBound, end - range.lowerBound), width)
        for column in 0..<visible.lowerBound { row[column] = 0 }
        for column in visible.upperBound..<width { row[column] = 0 }
        if let padding = mask.keyPadding {
            let base = sequence * keyCount + range.lowerBound
            for column in visible where !padding[base + column] { row[column] = -.infinity }
        }
        let scores = row + visible.lowerBound
        let peak = visible.isEmpty ? -.infinity : VectorMath.maximum(scores, count: visible.count)
        if peak == -.infinity {
            row.initialize(repeating: 0, count: width)
            return
        }
        let total = VectorMath.expShifted(scores, scores, count: visible.count, shift: peak)
        VectorMath.scale(scores, count: visible.count, by: 1 / total)
    }

    /// The backward pass, with the query heads of a key/value head stacked as in `forward`.
    func backward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
                  outputGradient: UnsafePointer<Float>, dQ: UnsafeMutablePointer<Float>, dK: UnsafeMutablePointer<Float>,
                  dV: UnsafeMutablePointer<Float>) {
        let blockRows = Self.blockRows
        forEachHeadPair { sequence, keyHead in
            let pairOffset = sequence * keyHeads + keyHead
            let keys = k + pairOffset * keyStride * headDimension, values = v + pairOffset * keyStride * valueDimension
            let keyGradient = dK + pairOffset * keyStride * headDimension, valueGradient = dV + pairOffset * keyStride * valueDimension
            let stackedRows = groups * Swift.min(blockRows, length), widest = Swift.max(keyCount, 1)
            let stackedP = UnsafeMutablePointer<Float>.allocate(capacity: stackedRows * widest)
            let stackedScoreGradient = UnsafeMutablePointer<Float>.allocate(capacity: stackedRows * widest)
            let stackedOutputGradient = UnsafeMutablePointer<Float>.allocate(capacity: stackedRows * valueDimension)
            let stackedQueries = UnsafeMutablePointer<Float>.allocate(capacity: stackedRows * headDimension)
            let stackedQueryGradient = UnsafeMutablePointer<Float>.allocate(capacity: stackedRows * headDimension)
            defer {
                for buffer in [stackedP, stackedScoreGradient, stackedOutputGradient, stackedQueries, stackedQueryGradient] { buffer.deallocate() }
            }
            let firstHead = sequence * queryHeads + keyHead * groups
            for blockStart in stride(from: 0, to: length, by: blockRows) {
                let rows = Swift.min(blockRows, length - blockStart)
                let range = mask.keyRange(firstPosition: queryOffset + blockStart,
                                          lastPosition: queryOffset + blockStart + rows - 1, keyCount: keyCount,
                                          firstKey: leadingPadding?[sequence] ?? 0)
                if range.isEmpty { continue }
                let width = range.count, stacked = groups * rows
                for group in 0..<groups {  // gather P, dO and Q of the group's heads: [groups · rows, ·]
                    let headIndex = firstHead + group
                    for row in 0..<rows {
                        (stackedP + (group * rows + row) * width)
                            .update(from: probabilities + (headIndex * length + blockStart + row) * keyCount + range.lowerBound, count: width)
                    }
                    (stackedOutputGradient + group * rows * valueDimension)
                        .update(from: outputGradient + (headIndex * length + blockStart) * valueDimension, count: rows * valueDimension)
                    (stackedQueries + group * rows * headDimension)
                        .update(from: q + (headIndex * length + blockStart) * headDimension, count: rows * headDimension)
                }
                // dV[range] += Pᵀ dO
                BLAS.sgemm(transposeA: true, transposeB: false, m: width, n: valueDimension, k: stacked,
                           a: stackedP, lda: width, b: stackedOutputGradient, ldb: valueDimension,
                           beta: 1, c: valueGradient + range.lowerBound * valueDimension, ldc: valueDimension, parallel: false)
                // dP = dO V[range]ᵀ, then dS = P ∘ (dP − Σ P dP) row by row
                BLAS.sgemm(transposeA: false, transposeB: true, m: stacked, n: width, k: valueDimension,
                           a: stackedOutputGradient, lda: valueDimension, b: values + range.lowerBound * valueDimension,
                           ldb: valueDimension, c: stackedScoreGradient, ldc: width, parallel: false)
                for row in 0..<stacked {
                    imprint_softmax_backward_row(stackedP + row * width, stackedScoreGradient + row * width, width)
                }
                // dQ = scale dS K[range];  dK[range] += scale dSᵀ Q
                BLAS.sgemm(transposeA: false, transposeB: false, m: stacked, n: headDimension, k: width, alpha: scale,
                           a: stackedScoreGradient, lda: width, b: keys + range.lowerBound * headDimension, ldb: headDimension,
                           c: stackedQueryGradient, ldc: headDimension, parallel: false)
                BLAS.sgemm(transposeA: true, transposeB: false, m: width, n: headDimension, k: stacked, alpha: scale,
                           a: stackedScoreGradient, lda: width, b: stackedQueries, ldb: headDimension,
                           beta: 1, c: keyGradient + range.lowerBound * headDimension, ldc: headDimension, parallel: false)
                for group in 0..<groups {
                    (dQ + ((firstHead + group) * length + blockStart) * headDimension)
                        .update(from: stackedQueryGradient + group * rows * headDimension, count: rows * headDimension)
                }
            }
        }
    }
}
