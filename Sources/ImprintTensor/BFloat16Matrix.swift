import CImprintKernels
import Foundation

/// A frozen weight matrix `W` (`[rows, columns]`, used as `x · Wᵀ`) rounded to bfloat16 and packed
/// for the AMX tile units: mixed-precision products with bfloat16 operands and float32 sums.
///
/// This is the precision `torch.autocast(dtype=torch.bfloat16)` gives a frozen linear layer: the
/// weight and the activations are rounded to bfloat16 (8 significant bits, ties to even), products
/// are summed in float32, and the result is float32. On CPUs with AMX-BF16 (Intel Sapphire Rapids
/// and later) products run on the tile units, several times faster than float32 `sgemm`; elsewhere
/// a portable loop computes the same sums, slowly. Memory: 2 bytes per weight, plus 2 more once a
/// gradient has flowed through it (the transposed packing, made on first use).
///
/// Only frozen weights are held this way (no gradient reaches `W`); trainable parameters, LoRA
/// adapters, norms, attention and the loss stay float32. `IMPRINT_AMX=0` turns the tile units off.
public final class BFloat16Matrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    /// `W` packed as the B operand of `x · Wᵀ` (inner dimension `columns`, `rows` output columns).
    let packed: [UInt16]
    /// `W` packed as the B operand of `g · W` (inner dimension `rows`), made on first use.
    private var packedTransposed: [UInt16]?
    private let transposedLock = NSLock()

    /// The product kernels.
    public enum Kernel: Int32, CaseIterable, Sendable {
        /// A loop any CPU runs (slow: several times float32 `sgemm`'s time).
        case portable = 0
        /// Intel AMX-BF16 tile units (Sapphire Rapids and later).
        case amx = 1
        /// AVX512-BF16 `vdpbf16ps` (AMD Zen 4 and later, Intel Cooper Lake).
        case avx512 = 2

        /// Whether it runs on this CPU (`IMPRINT_AMX=0` / `IMPRINT_AVX512BF16=0` turn the hardware ones off).
        public var isAvailable: Bool { imprint_bf16_kernel_available(rawValue) == 1 }

        /// The fastest kernel here: AMX, else AVX512-BF16, else portable.
        public static var fastest: Kernel { Kernel(rawValue: imprint_bf16_fastest_kernel()) ?? .portable }
    }

    /// Whether products run on the AMX tile units on this machine.
    public static var usesTileUnits: Bool { imprint_amx_available() == 1 }

    /// Whether products run faster than the portable loop here (AMX or AVX512-BF16): without either, bfloat16
    /// frozen weights are slower than float32.
    public static var hasFastKernel: Bool { Kernel.fastest != .portable }

    /// Rounds the row-major float32 matrix `values` (`[rows, columns]`) to bfloat16 and packs it.
    public init(rows: Int, columns: Int, values: UnsafePointer<Float>) {
        self.rows = rows
        self.columns = columns
        packed = [UInt16](unsafeUninitializedCapacity: imprint_bf16_packed_count(columns, rows)) { buffer, count in
            // B[kk, nn] = W[nn, kk]: the inner index runs along a row of W, each output column is a row.
            imprint_bf16_pack(values, 1, columns, columns, rows, buffer.baseAddress!)
            count = buffer.count
        }
    }

    /// Rounds a float32 matrix tensor (`[rows, columns]`) to bfloat16.
    public convenience init(_ weight: Tensor) {
        precondition(weight.shape.count == 2, "BFloat16Matrix needs a matrix, got shape \(weight.shape)")
        let storage = weight.storage
        let pointer = UnsafeMutablePointer<Float>.allocate(capacity: storage.count)
        defer { pointer.deallocate() }
        pointer.initialize(from: storage, count: storage.count)
        self.init(rows: weight.shape[0], columns: weight.shape[1], values: pointer)
    }

    /// `[rows, columns]`.
    public var shape: [Int] { [rows, columns] }

    /// Bytes held in memory.
    public var byteCount: Int {
        transposedLock.lock()
        defer { transposedLock.unlock() }
        return 2 * (packed.count + (packedTransposed?.count ?? 0))
    }

    /// The bfloat16 values as a float32 tensor (exact: every bfloat16 is a float32).
    public func dequantized() -> Tensor {
        Tensor.uninitialized(shape) { out in
            packed.withUnsafeBufferPointer { imprint_bf16_unpack($0.baseAddress!, columns, rows, out.baseAddress!, 1, columns) }
        }
    }

    private func transposedPacking() -> [UInt16] {
        transposedLock.lock()
        defer { transposedLock.unlock() }
        if let packedTransposed { return packedTransposed }
        let made = [UInt16](unsafeUninitializedCapacity: imprint_bf16_packed_count(rows, columns)) { buffer, count in
            packed.withUnsafeBufferPointer { imprint_bf16_pack_transposed($0.baseAddress!, columns, rows, buffer.baseAddress!) }
            count = buffer.count
        }
        packedTransposed = made
        return made
    }

    /// `out[i, n] = Σ_k x[i, k] · W[n, k]` for `m` rows of `x` (`[m, columns]`), `out` `[m, rows]`.
    func multiply(_ x: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>, kernel: Kernel = .fastest) {
        packed.withUnsafeBufferPointer {
            Self.product(x, m: m, k: columns, packed: $0.baseAddress!, n: rows, into: out, kernel: kernel)
        }
    }

    /// `out[i, k] = Σ_n g[i, n] · W[n, k]`: the input gradient of `x · Wᵀ`, `g` `[m, rows]`, `out` `[m, columns]`.
    func multiplyTransposed(_ gradient: UnsafePointer<Float>, m: Int, into out: UnsafeMutablePointer<Float>,
                            kernel: Kernel = .fastest) {
        let transposed = transposedPacking()
        transposed.withUnsafeBufferPointer {
            Self.product(gradient, m: m, k: rows, packed: $0.baseAddress!, n: columns, into: out, kernel: kernel)
        }
    }

    /// `g · W`: `g` `[..., rows]` → `[..., columns]` (the input gradient of `x · Wᵀ`), with `g`
    /// rounded to bfloat16 like the forward's activations.
    public func transposedProduct(_ gradient: Tensor) -> Tensor {
        precondition(gradient.shape.last == rows, "transposedProduct: shape \(gradient.shape) does not end in \(rows) (weight \(shape))")
        let m = gradient.count / Swift.max(rows, 1)
        return gradient.storage.withUnsafeBufferPointer { source in
            Tensor.uninitialized(Array(gradient.shape.dropLast()) + [columns]) { out in
                guard m > 0 else { return }
                multiplyTransposed(source.baseAddress!, m: m, into: out.baseAddress!)
            }
        }
    }

    /// `out = a · B` with `a` `[m, k]` float32 (rounded to bfloat16 here) and `B` packed `[k, n]`.
    static func product(_ a: UnsafePointer<Float>, m: Int, k: Int, packed: UnsafePointer<UInt16>, n: Int,
                        into out: UnsafeMutablePointer<Float>, kernel: Kernel = .fastest) {
        guard m > 0, n > 0 else { return }
        let roundedRows = UnsafeMutablePointer<UInt16>.allocate(capacity: imprint_bf16_rows_count(m, k))
        defer { roundedRows.deallocate() }
        parallelFor(m, grain: Swift.max(16, (1 << 16) / Swift.max(k, 1))) { range in
            imprint_bf16_convert_rows(a, k, m, k, range.lowerBound, range.upperBound, roundedRows)
        }
        // Columns split in blocks of 32 over the cores; each core walks all rows of `a`.
        let blocks = (n + 31) / 32
        // Tiles hold 16 rows, so a product of fewer rows still streams all of B: worth splitting.
        let work = Swift.max(m, 16) * n * k
        let workers = work >= 1 << 22 ? Swift.min(parallelWorkerCount, blocks) : 1
        parallelForEach(workers) { part in
            let begin = blocks * part / workers * 32, end = Swift.min(n, blocks * (part + 1) / workers * 32)
            imprint_bf16_matmul(roundedRows, m, k, packed, n, begin, end, out, n, kernel.rawValue)
        }
    }
}

extension Tensor {
    /// `x · Wᵀ (+ bias)` with a frozen bfloat16 `W` `[out, in]` (mixed precision, see
    /// `BFloat16Matrix`): `x` `[..., in]` → `[..., out]`. Gradients flow to `x` (and `bias`), never
    /// to the frozen weight; the input gradient rounds the incoming gradient to bfloat16 as well.
    public static func linear(_ x: Tensor, bfloat16 weight: BFloat16Matrix, bias: Tensor? = nil) -> Tensor {
        let product = linear(x, frozen: weight)
        return bias.map { product + $0 } ?? product
    }
}
