/// A safetensors element type (`Dtype` in the `safetensors` Rust crate), by its header spelling.
///
/// `SafetensorsFile` reads every byte-sized type's header entries and raw bytes; Float32
/// conversion covers F32, F16, BF16 (and F64), integer conversion I64, I32, I16, I8, U8.
/// Sub-byte types (F4, F6_*) are rejected with a typed error.
public enum SafetensorsDataType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8E5M2 = "F8_E5M2", f8E4M3 = "F8_E4M3", f8E8M0 = "F8_E8M0"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16", i32 = "I32", u32 = "U32", f32 = "F32"
    case f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// The position of this type in the Rust `Dtype` enum's declaration order. The reference
    /// writer lays tensors out by this rank, descending, then by name, and so does ours.
    var writerRank: Int {
        switch self {
        case .bool: return 0
        case .u8: return 4
        case .i8: return 5
        case .f8E5M2: return 6
        case .f8E4M3: return 7
        case .f8E8M0: return 8
        case .i16: return 9
        case .u16: return 10
        case .f16: return 11
        case .bf16: return 12
        case .i32: return 13
        case .u32: return 14
        case .f32: return 15
        case .f64: return 17
        case .i64: return 18
        case .u64: return 19
        }
    }

    /// Whether `SafetensorsFile.floats` converts this type.
    public var isFloatingPoint: Bool { self == .f32 || self == .f16 || self == .bf16 || self == .f64 }
    /// Whether `SafetensorsFile.ints` converts this type.
    public var isInteger: Bool { [.i64, .i32, .i16, .i8, .u8].contains(self) }
}
