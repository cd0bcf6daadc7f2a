import XCTest
@testable import ImprintTensor

/// `Tensor.fusedLinear` (q/k/v and gate/up in one product during decoding) gives each weight the
/// values its own product gives, in float32 and int8, for uneven row counts split over the threads.
final class FusedProductTests: XCTestCase {
    func testFusedProductsEqualSeparateProducts() throws {
        var generator = RandomGenerator(seed: 7)
        for precision in DecodingPrecision.allCases {
            for format in [QuantizedMatrix.Format.q4_1, .q8_0, .q4_0] {
                let columns = 96
                let weights = try [37, 5, 16].map { rows in
                    let matrix = QuantizedMatrix(format: format, rows: rows, columns: columns,
                                                 blocks: Int8Reference.randomBlocks(format, rows: rows, columns: columns, generator: &generator))
                    try matrix.setDecodingPrecision(precision)
                    return matrix
                }
                for m in [1, 3, 16] {
                    let x = Tensor(shape: [m, columns], storage: (0..<(m * columns)).map { _ in Float.random(in: -2...2, using: &generator) })
                    let fused = try XCTUnwrap(Tensor.fusedLinear(x, quantized: weights))
                    for (weight, product) in zip(weights, fused) {
                        let alone = Tensor.linear(x, quantized: weight)
                        XCTAssertEqual(product.shape, [m, weight.rows])
                        XCTAssertEqual(product.storage, alone.storage, "\(precision) \(format) m \(m) rows \(weight.rows)")
                    }
                }
            }
        }
    }

    /// A LoRA update (`s · x Aᵀ Bᵀ`) added in the fused pass gives what the layer's own product with its update gives
    /// (`linear(_:frozen:down:up:scale:)`), bit for bit, in float32 and int8, whatever the threads' split of the rows.
    func testFusedProductsWithLowRankUpdatesEqualSeparateProducts() throws {
        var generator = RandomGenerator(seed: 9)
        let columns = 96, rank = 4
        let threads = Parallelism.threadCount
        defer { Parallelism.threadCount = threads }
        for precision in DecodingPrecision.allCases {
            let weights = try [37, 5, 16].map { rows in
                let matrix = QuantizedMatrix(format: .q4_1, rows: rows, columns: columns,
                                             blocks: Int8Reference.randomBlocks(.q4_1, rows: rows, columns: columns, generator: &generator))
                try matrix.setDecodingPrecision(precision)
                return matrix
            }
            func random(_ shape: [Int]) -> Tensor {
                Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) })
            }
            let downs = weights.map { _ in random([rank, columns]) }, ups = weights.map { random([$0.rows, rank]) }
            let updates: [LowRankDecodingUpdate?] = [LowRankDecodingUpdate(down: downs[0].storage, up: ups[0].storage, rank: rank, scale: 2),
                                                     nil,
                                                     LowRankDecodingUpdate(down: downs[2].storage, up: ups[2].storage, rank: rank, scale: 0.5)]
            for threadCount in [1, 2, 3] {
                Parallelism.threadCount = threadCount
                for m in [1, 3, 16] {
                    let x = random([m, columns])
                    let fused = try XCTUnwrap(Tensor.fusedLinear(x, quantized: weights, updates: updates))
                    for (index, weight) in weights.enumerated() {
                        let alone = updates[index].map { Tensor.linear(x, frozen: weight, down: downs[index], up: ups[index], scale: $0.scale) }
                            ?? Tensor.linear(x, quantized: weight)
                        XCTAssertEqual(fused[index].storage.map(\.bitPattern), alone.storage.map(\.bitPattern),
                                       "\(precision) m \(m) rows \(weight.rows) threads \(threadCount)")
                    }
                    let plain = try XCTUnwrap(Tensor.fusedLinear(x, quantized: weights))
                    XCTAssertNotEqual(fused[0].storage, plain[0].storage, "the update is added")
                }
            }
        }
    }

    func testFusedProductsDeclineWhatTheyDoNotCover() throws {
        var generator = RandomGenerator(seed: 8)
        let weight = QuantizedMatrix(format: .q8_0, rows: 4, columns: 32,
                                     blocks: Int8Reference.randomBlocks(.q8_0, rows: 4, columns: 32, generator: &generator))
        let other = QuantizedMatrix(format: .q8_0, rows: 4, columns: 64,
                                    blocks: Int8Reference.randomBlocks(.q8_0, rows: 4, columns: 64, generator: &generator))
        let x = Tensor(shape: [2, 32], storage: [Float](repeating: 0.5, count: 64))
        XCTAssertNil(Tensor.fusedLinear(x, quantized: [weight, other]), "different column counts")
        let tall = Tensor(shape: [BLAS.smallBatchRows + 1, 32], storage: [Float](repeating: 0.5, count: (BLAS.smallBatchRows + 1) * 32))
        XCTAssertNil(Tensor.fusedLinear(tall, quantized: [weight]), "more rows than decoding")
        let trainable = Tensor(shape: [2, 32], storage: [Float](repeating: 0.5, count: 64), requiresGrad: true)
        XCTAssertNil(Tensor.fusedLinear(trainable, quantized: [weight]), "an input that needs a gradient")
    }
}
