/// SentencePiece's `precompiled_charsmap`: the normalization rules of a SentencePiece model (`nmt_nfkc` and
/// friends), stored as a double-array trie over UTF-8 bytes whose leaves point into a pool of NUL-terminated
/// replacement strings. HF `tokenizers` reads it as the `Precompiled` normalizer (crate `spm_precompiled`), and
/// llama.cpp as the UGM tokenizer's normalizer (src/llama-vocab.cpp, `llm_tokenizer_ugm`).
///
/// Layout: a little-endian `UInt32` byte count `n`, then `n / 4` little-endian `UInt32` trie units, then the
/// replacement pool (valid UTF-8). A unit packs (Kanda 2018, darts-clone's XOR double array):
/// - bits 0-7: the label (the byte that leads to this node); bit 31 set marks a value unit, whose low 31 bits are
///   a byte offset into the pool;
/// - bit 8: the node ends a key (its value unit is at `index ^ offset`);
/// - bits 10-30: the offset, shifted left by 8 more when bit 9 is set.
///
/// From the root (`array[0]`'s offset), byte `c` leads from node `s` to `s ^ c`, which is a child when its label
/// is `c`.
///
/// Normalization follows HF `tokenizers` (`normalizers::precompiled`), not sentencepiece's longest match: each
/// grapheme cluster shorter than 6 bytes is replaced as a whole when some prefix of it is a key (the shortest
/// such key's replacement), otherwise every scalar of the cluster is replaced on its own when a prefix of it is a
/// key, and kept when none is.
///
/// Example (XLM-R's `nmt_nfkc`): `"ﬁ Ｆｕｌｌ"` -> `"fi Full"`.
struct PrecompiledCharsMap: Sendable {
    /// The trie units.
    private let units: [UInt32]
    /// NUL-terminated replacement strings, UTF-8.
    private let pool: [UInt8]

    /// Parses and validates a charsmap blob.
    ///
    /// - Parameters:
    ///   - file, field: name the source in errors (the GGUF path and `tokenizer.ggml.precompiled_charsmap`, or a
    ///     `tokenizer.json` path and `normalizer.precompiled_charsmap`).
    /// - Throws: `TokenizerError.invalidField` when the size header overruns the blob or is not a multiple of 4,
    ///   the pool is not UTF-8, or a key's value points outside the pool or into the middle of a character.
    init(_ blob: [UInt8], file: String, field: String) throws {
        func invalid(_ expected: String) -> TokenizerError {
            .invalidField(file: file, field: field, expected: expected)
        }
        guard blob.count >= 4 else {
            throw invalid("a SentencePiece charsmap: a 4-byte trie size, the trie and the replacement strings (\(blob.count) bytes)")
        }
        let trieBytes = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard trieBytes % 4 == 0, trieBytes <= blob.count - 4 else {
            throw invalid("a trie size that is a multiple of 4 and fits the \(blob.count)-byte charsmap (found \(trieBytes))")
        }
        var units = [UInt32](repeating: 0, count: trieBytes / 4)
        for index in units.indices {
            let base = 4 + 4 * index
            units[index] = UInt32(blob[base]) | UInt32(blob[base + 1]) << 8 | UInt32(blob[base + 2]) << 16 | UInt32(blob[base + 3]) << 24
        }
        let pool = Array(blob[(4 + trieBytes)...])
        guard String(validating: pool, as: UTF8.self) != nil else {
            throw invalid("replacement strings in UTF-8 after the \(trieBytes)-byte trie")
        }
        // Every key's value must start a character of the pool (HF slices the pool there; llama.cpp bounds-checks).
        for (index, unit) in units.enumerated() where unit & Self.valueFlag == 0 && Self.hasLeaf(unit) {
            let target = index ^ Self.offset(unit)
            guard target < units.count, units[target] & Self.valueFlag != 0 else {
                throw invalid("trie unit \(index) to point at a value unit (found index \(target))")
            }
            let value = Int(units[target] & ~Self.valueFlag)
            guard value < pool.count, pool[value] & 0xC0 != 0x80 else {
                throw invalid("trie unit \(index) to point at the start of a replacement string (offset \(value) of \(pool.count))")
            }
        }
        self.units = units
        self.pool = pool
    }

    private static let valueFlag: UInt32 = 1 << 31

    private static func offset(_ unit: UInt32) -> Int {
        Int((unit >> 10) << ((unit & (1 << 9)) >> 6))
    }

    private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }

    /// The label of a unit; value units never match a byte because bit 31 is kept.
    private static func label(_ unit: UInt32) -> UInt32 { unit & (valueFlag | 0xFF) }

    /// The pool offset of the shortest key that is a prefix of `bytes` (a NUL byte ends the search), as
    /// `spm_precompiled`'s `common_prefix_search(...)[0]`. Indices outside the trie end the search.
    func shortestKeyValue<Bytes: Collection>(_ bytes: Bytes) -> Int? where Bytes.Element == UInt8 {
        guard let root = units.first else { return nil }
        var node = Self.offset(root)
        for byte in bytes {
            if byte == 0 { return nil }
            node ^= Int(byte)
            guard node < units.count, Self.label(units[node]) == UInt32(byte) else { return nil }
            let unit = units[node]
            node ^= Self.offset(unit)
            if Self.hasLeaf(unit) {
                guard node < units.count else { return nil }
                return Int(units[node] & ~Self.valueFlag)
            }
        }
        return nil
    }

    /// The replacement of the shortest key that is a prefix of `bytes`, up to its NUL (or the pool's end).
    func replacement<Bytes: Collection>(_ bytes: Bytes) -> ArraySlice<UInt8>? where Bytes.Element == UInt8 {
        guard let start = shortestKeyValue(bytes), start <= pool.count else { return nil }
        var end = start
        while end < pool.count && pool[end] != 0 { end += 1 }
        return pool[start..<end]
    }

    /// `text` normalized as HF's `Precompiled` normalizer does (see the type's documentation).
    func normalize(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + 8)
        for character in text {
            let bytes = character.utf8
            if bytes.count < 6, let replacement = replacement(bytes) {
                output.append(contentsOf: replacement)
                continue
            }
            for scalar in character.unicodeScalars {
                let scalarBytes = Array(String(scalar).utf8)
                if let replacement = replacement(scalarBytes) {
                    output.append(contentsOf: replacement)
                } else {
                    output.append(contentsOf: scalarBytes)
                }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
