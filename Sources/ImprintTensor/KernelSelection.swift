import CImprintKernels

/// Which kernels this CPU runs, for benchmarks and logs: each choice is made once, from CPUID and
/// the environment (`IMPRINT_GEMM`, `IMPRINT_AMX`, `IMPRINT_AVX512BF16`), never from a timing.
public enum KernelSelection {
    /// `name: kernel` pairs, in a fixed order:
    /// - `threads`: `Parallelism.threadCount`;
    /// - `gemm`: large float32 products (`imprint packed AVX-512` or `OpenBLAS`);
    /// - `small float32`: products of up to `BLAS.smallBatchRows` rows, decoding (`AVX-512` or `portable`);
    /// - `int8`: `DecodingPrecision.int8` products (`AVX-512 VNNI` on repacked weights, else the portable loop,
    ///   compiled for AVX-512 where the CPU has it);
    /// - `bfloat16`: mixed-precision products (`AMX`, `AVX512-BF16` or `portable`).
    public static var summary: [(name: String, kernel: String)] {
        let gemm = imprint_sgemm_enabled(-1) == 1 ? "imprint packed AVX-512" : "OpenBLAS"
        let small = imprint_small_matmul_vectorized(-1) == 1 ? "AVX-512" : "portable"
        let int8 = ["portable", "portable loop compiled for AVX-512", "AVX-512 VNNI"][Int(imprint_int8_kernel(-1))]
        let bfloat16: String
        switch Int(imprint_bf16_fastest_kernel()) {
        case Int(IMPRINT_BF16_AMX): bfloat16 = "AMX"
        case Int(IMPRINT_BF16_AVX512): bfloat16 = "AVX512-BF16"
        default: bfloat16 = "portable"
        }
        return [("threads", String(Parallelism.threadCount)), ("gemm", gemm), ("small float32", small), ("int8", int8),
                ("bfloat16", bfloat16)]
    }

    /// Why bfloat16 products would run slower than float32 on this CPU, or nil where they run faster: without AMX
    /// or AVX512-BF16 they run on the portable loop (on an AMD EPYC: 129 tokens/s decoding 16 rows against float32's
    /// 430). Opt-in precisions fall back to float32 where this is set (`TransformerDecoder.precisionFallback`).
    public static var bfloat16SlowerThanFloat32: String? {
        imprint_bf16_fastest_kernel() == Int32(IMPRINT_BF16_PORTABLE)
            ? "this CPU has neither AMX nor AVX512-BF16, so bfloat16 products would run on the portable loop, slower than float32"
            : nil
    }

    /// Why int8 products would run slower than float32 on this CPU, or nil: only the AVX-512 VNNI kernel beats the
    /// float32 block kernel (on an AMD EPYC, 16 rows: VNNI 831 tokens/s, the AVX-512 loop 190, float32 430; 1 row:
    /// 229, 75 and 89).
    public static var int8SlowerThanFloat32: String? {
        imprint_int8_kernel(-1) < 2 ? "this CPU runs int8 products without AVX-512 VNNI, slower than float32" : nil
    }

    /// `summary` on one line: `threads 2, gemm imprint packed AVX-512, …`.
    public static var description: String { summary.map { "\($0.name) \($0.kernel)" }.joined(separator: ", ") }
}
