/// Pairwise similarities within a set of texts, such as the 7 phrasings of one fact.
///
/// `values[i][j]` compares text `i` (as hypothesis) with text `j` (as reference); the diagonal
/// is 1, as in the seed's `Similarity_calculation.ipynb`, which averages these matrices over facts
/// to show how lexically diverse the rephrasings are (lower = more diverse).
///
/// ```swift
/// let phrasings = ["What year did it open?", "When did it open?", "In which year did it open?"]
/// let jaccard = SimilarityMatrix.jaccard(phrasings)
/// // values[0][1] = |{did, it, open?}| / |{what, year, did, it, open?, when}| = 3/6 = 0.5
/// jaccard.offDiagonalMean   // mean of the 6 cells off the diagonal
/// ```
public struct SimilarityMatrix: Sendable, Hashable {
    /// `values[i][j]`: similarity of text `i` to text `j`.
    public var values: [[Double]]

    /// A matrix from a similarity function; the diagonal is 1 without calling it.
    public init(_ texts: [String], similarity: (String, String) -> Double) {
        values = texts.indices.map { i in
            texts.indices.map { j in i == j ? 1 : similarity(texts[i], texts[j]) }
        }
    }

    /// Sentence BLEU on [0, 1] (`BLEU.sentence.similarity`), row = hypothesis, column = reference.
    public static func bleu(_ texts: [String]) -> SimilarityMatrix {
        SimilarityMatrix(texts) { BLEU.sentence.similarity($0, $1) }
    }

    /// Jaccard over lower-cased whitespace tokens (`jaccardSimilarity`), symmetric.
    public static func jaccard(_ texts: [String]) -> SimilarityMatrix {
        SimilarityMatrix(texts, similarity: jaccardSimilarity)
    }

    /// The mean of the cells off the diagonal (0 for fewer than two texts).
    public var offDiagonalMean: Double {
        let n = values.count
        guard n > 1 else { return 0 }
        var sum = 0.0
        for i in 0..<n { for j in 0..<n where i != j { sum += values[i][j] } }
        return sum / Double(n * (n - 1))
    }

    /// The element-wise mean of several matrices of the same size (the notebook's average over facts).
    public static func mean(_ matrices: [SimilarityMatrix]) -> SimilarityMatrix {
        precondition(!matrices.isEmpty, "SimilarityMatrix.mean: no matrices")
        let n = matrices[0].values.count
        precondition(matrices.allSatisfy { $0.values.count == n },
                     "SimilarityMatrix.mean: sizes \(matrices.map { $0.values.count }) differ")
        var sum = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for matrix in matrices { for i in 0..<n { for j in 0..<n { sum[i][j] += matrix.values[i][j] } } }
        var result = SimilarityMatrix([], similarity: { _, _ in 0 })
        result.values = sum.map { $0.map { $0 / Double(matrices.count) } }
        return result
    }
}
