import Foundation

/// Rotary position embedding (RoPE): the frequencies and the rotation of query/key vectors.
///
/// Matches `transformers`' `LlamaRotaryEmbedding` + `apply_rotary_pos_emb` (`halfSplit`, the
/// "neox" layout that rotates `x[i]` with `x[i + d/2]`) and the GPT-J / llama.cpp interleaved
/// layout (`interleaved`, rotating `x[2i]` with `x[2i+1]`).
public struct RotaryEmbedding: Sendable, Hashable {
    /// Which elements form the rotated pairs.
    public enum Layout: String, Sendable, Hashable, Codable {
        case halfSplit
        case interleaved
    }

    /// `1 / base^(2i/d)` for `i < d/2` (or a scaled variant, e.g. Llama 3's `rope_scaling`).
    public let inverseFrequencies: [Float]
    public let layout: Layout
    /// Multiplies cos and sin (`attention_scaling` in `transformers`; 1 for default RoPE).
    public let attentionScaling: Float

    /// Default RoPE over `dimension` (the head dimension) with the given `base` (`rope_theta`).
    public init(dimension: Int, base: Float, layout: Layout = .halfSplit) {
        precondition(dimension > 0 && dimension % 2 == 0, "RoPE dimension must be even, got \(dimension)")
        let frequencies = stride(from: 0, to: dimension, by: 2).map { 1 / Foundation.pow(base, Float($0) / Float(dimension)) }
        self.init(inverseFrequencies: frequencies, layout: layout)
    }

    /// RoPE with explicit inverse frequencies (for scaled variants).
    public init(inverseFrequencies: [Float], layout: Layout = .halfSplit, attentionScaling: Float = 1) {
        self.inverseFrequencies = inverseFrequencies
        self.layout = layout
        self.attentionScaling = attentionScaling
    }

    /// The rotated dimension (twice the number of frequencies).
    public var dimension: Int { inverseFrequencies.count * 2 }

    /// cos and sin of `position * frequency`, each `[positions.count, dimension / 2]`, in float32 as `transformers`.
    ///
    /// Every layer of a forward pass rotates its queries and keys at the same positions: the last
    /// few results are kept (`RotaryAngleMemo`), so a decoding step computes its angles once, not
    /// twice per layer.
    public func angles(_ positions: [Int]) -> (cos: [Float], sin: [Float]) {
        if let known = RotaryAngleMemo.shared.angles(of: self, positions) { return known }
        let computed = computeAngles(positions)
        RotaryAngleMemo.shared.keep(computed, of: self, positions)
        return computed
    }

    private func computeAngles(_ positions: [Int]) -> (cos: [Float], sin: [Float]) {
        let half = inverseFrequencies.count
        var cosines = [Float](repeating: 0, count: positions.count * half)
        var sines = cosines
        for (row, position) in positions.enumerated() {
            for index in 0..<half {
                let angle = Float(position) * inverseFrequencies[index]
                cosines[row * half + index] = Foundation.cos(angle) * attentionScaling
                sines[row * half + index] = Foundation.sin(angle) * attentionScaling
            }
        }
        return (cosines, sines)
    }
}

/// The angles of the last few (rotary embedding, positions) pairs asked for, shared by all threads.
final class RotaryAngleMemo: @unchecked Sendable {
    static let shared = RotaryAngleMemo()
    private static let capacity = 4  // Gemma 3's two embeddings, for a pass and the next
    private let lock = NSLock()
    private var entries: [(rotary: RotaryEmbedding, positions: [Int], cos: [Float], sin: [Float])] = []

    func angles(of rotary: RotaryEmbedding, _ positions: [Int]) -> (cos: [Float], sin: [Float])? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries.first(where: { $0.positions == positions && $0.rotary == rotary }) else { return nil }
        return (entry.cos, entry.sin)
    }

    func keep(_ angles: (cos: [Float], sin: [Float]), of rotary: RotaryEmbedding, _ positions: [Int]) {
        guard positions.count <= 4096 else { return }  // a long prefill's angles are computed once per layer anyway
        lock.lock()
        defer { lock.unlock() }
        if entries.count == Self.capacity { entries.removeFirst() }
        entries.append((rotary, positions, angles.cos, angles.sin))
    }
}

extension Tensor {
    /// Rotates the last axis of `[B, heads, T, headDim]` by the angles of each token's position.
    ///
    /// - Parameter positions: `B * T` positions (row-major `[B, T]`), or `T` shared by the batch.
    /// The first `rotary.dimension` elements of each head are rotated; any rest passes through.
    /// Backward rotates the gradient by the opposite angle.
    public func applyingRotaryEmbedding(_ rotary: RotaryEmbedding, positions: [Int]) -> Tensor {
        precondition(rank == 4, "RoPE expects [B, heads, T, headDim], got \(shape)")
        let (batch, heads, length, headDimension) = (shape[0], shape[1], shape[2], shape[3])
        precondition(positions.count == length || positions.count == batch * length,
                     "RoPE needs \(length) or \(batch * length) positions for shape \(shape), got \(positions.count)")
        precondition(rotary.dimension <= headDimension, "RoPE dimension \(rotary.dimension) exceeds head dimension \(headDimension)")
        let (cosines, sines) = rotary.angles(positions)
        let shared = positions.count == length
        let output = Tensor.rotate(self, cosines: cosines, sines: sines, layout: rotary.layout, shared: shared,
                                   batch: batch, heads: heads, length: length, headDimension: headDimension, direction: 1)
        return record("rope", output, inputs: [self]) { gradient in
            [Tensor.rotate(gradient, cosines: cosines, sines: sines, layout: rotary.layout, shared: shared,
                           batch: batch, heads: heads, length: length, headDimension: headDimension, direction: -1)]
        }
    }

    /// The rotation kernel; `direction` -1 applies the inverse (transpose) rotation.
    private static func rotate(_ input: Tensor, cosines: [Float], sines: [Float], layout: RotaryEmbedding.Layout,
                               shared: Bool, batch: Int, heads: Int, length: Int, headDimension: Int,
                               direction: Float) -> Tensor {
        let half = cosines.count / (shared ? Swift.max(length, 1) : Swift.max(batch * length, 1))
        return input.storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(input.shape) { result in
                let x = source.baseAddress!, out = result.baseAddress!
                parallelFor(batch * heads * length, grain: 64) { range in
                    for row in range {
                        let token = row % length, sequence = row / (heads * length)
                        let angleRow = (shared ? token : sequence * length + token) * half
                        let from = x + row * headDimension, to = out + row * headDimension
                        for index in 0..<half {
                            let c = cosines[angleRow + index], s = direction * sines[angleRow + index]
                            let (first, second) = layout == .halfSplit ? (index, index + half) : (2 * index, 2 * index + 1)
                            let a = from[first], b = from[second]
                            to[first] = a * c - b * s
                            to[second] = b * c + a * s
                        }
                        for index in (2 * half)..<headDimension { to[index] = from[index] }
                    }
                }
            }
        }
    }

    /// The composite RoPE of `transformers` (`q * cos + rotate_half(q) * sin`), the oracle for the
    /// fused kernel (half-split layout).
    public func applyingRotaryEmbeddingComposite(_ rotary: RotaryEmbedding, positions: [Int]) -> Tensor {
        precondition(rotary.layout == .halfSplit && rotary.dimension == shape[3], "composite RoPE covers the full half-split case")
        let length = shape[2], half = rotary.dimension / 2
        let (cosines, sines) = rotary.angles(positions)
        let rows = positions.count
        let cosTensor = Tensor(shape: [rows, half], storage: cosines), sinTensor = Tensor(shape: [rows, half], storage: sines)
        let fullCos = Tensor.concatenate([cosTensor, cosTensor], axis: 1), fullSin = Tensor.concatenate([sinTensor, sinTensor], axis: 1)
        let angleShape = rows == length ? [1, 1, length, 2 * half] : [shape[0], 1, length, 2 * half]
        let halves = split(sizes: [half, half], axis: 3)
        let rotated = Tensor.concatenate([-halves[1], halves[0]], axis: 3)
        return self * fullCos.reshaped(angleShape) + rotated * fullSin.reshaped(angleShape)
    }
}
