/// Adds special tokens around an encoded sequence (HF `tokenizers` post-processors, single sequences).
///
/// Supported: `TemplateProcessing`, `ByteLevel` (ids unchanged; it only trims offsets), `Sequence`.
indirect enum PostProcessor: Sendable {
    /// One piece of a template: special-token ids or the sequence itself.
    enum Piece: Sendable { case special([Int]), sequence }
    case template([Piece])
    case byteLevel
    case sequence([PostProcessor])

    /// `ids` with the special tokens the template adds.
    func apply(_ ids: [Int]) -> [Int] {
        switch self {
        case .byteLevel:
            return ids
        case .template(let pieces):
            var result: [Int] = []
            result.reserveCapacity(ids.count + pieces.count)
            for piece in pieces {
                switch piece {
                case .special(let specialIds): result.append(contentsOf: specialIds)
                case .sequence: result.append(contentsOf: ids)
                }
            }
            return result
        case .sequence(let steps):
            return steps.reduce(ids) { $1.apply($0) }
        }
    }
}
