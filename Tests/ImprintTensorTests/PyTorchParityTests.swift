import XCTest
@testable import ImprintTensor

/// Every op's forward values and gradients against PyTorch (Fixtures/make_fixtures.py → ops.json).
///
/// Tolerance: relative 1e-5 plus absolute 1e-5 for forward values, relative 1e-4 plus absolute 1e-5
/// for gradients (float32 sums in a different order than PyTorch's).
final class PyTorchParityTests: XCTestCase {
    struct Case: Decodable {
        let name: String
        let params: Params
        let inputs: [String: RecordedTensor]
        let output: RecordedTensor
        let cotangent: RecordedTensor
        let gradients: [String: RecordedTensor]
    }

    struct Params: Decodable {
        var exponent: Float?, min: Float?, max: Float?, axis: Int?, keep: Bool?, axes: [Int]?, start: Int?, end: Int?
        var indices: [Int]?, ids: [Int]?, shape: [Int]?, eps: Float?, one: Bool?, positions: [Int]?, base: Float?
        var layout: String?, causal: Bool?, window: Int?, padding: [Bool]?, scale: Float?, targets: [Int]?
        var reduction: String?, condition: RecordedTensor?
    }

    struct File: Decodable { let torch: String; let cases: [Case] }

    /// How each recorded case is computed here.
    func compute(_ test: Case, _ x: [String: Tensor]) -> Tensor {
        let p = test.params
        func attentionMask() -> AttentionMask {
            AttentionMask(causal: p.causal ?? true, slidingWindow: p.window, keyPadding: p.padding)
        }
        switch test.name {
        case "add": return x["a"]! + x["b"]!
        case "sub": return x["a"]! - x["b"]!
        case "mul": return x["a"]! * x["b"]!
        case "div": return x["a"]! / x["b"]!
        case "neg": return -x["a"]!
        case "pow": return x["a"]!.pow(p.exponent!)
        case "exp": return x["a"]!.exp()
        case "log": return x["a"]!.log()
        case "sqrt": return x["a"]!.sqrt()
        case "rsqrt": return x["a"]!.rsqrt()
        case "tanh": return x["a"]!.tanh()
        case "sigmoid": return x["a"]!.sigmoid()
        case "relu": return x["a"]!.relu()
        case "abs": return x["a"]!.abs()
        case "silu": return x["a"]!.silu()
        case "gelu": return x["a"]!.gelu()
        case "gelu_tanh": return x["a"]!.gelu(approximateWithTanh: true)
        case "clamp": return x["a"]!.clamped(min: p.min!, max: p.max!)
        case "where": return Tensor.where(p.condition!.tensor, x["a"]!, x["b"]!)
        case "sum_all": return x["a"]!.sum()
        case "mean_all": return x["a"]!.mean()
        case "reshape": return x["a"]!.reshaped([6, 10])
        case "permute": return x["a"]!.permuted(p.axes!)
        case "transpose": return x["a"]!.transposed(0, 2)
        case "concatenate": return Tensor.concatenate([x["a"]!, x["b"]!], axis: p.axis!)
        case "split":
            let pieces = x["a"]!.split(sizes: [2, 1, 4], axis: 1)
            return pieces[2] * 2 + pieces[0].sum()
        case "slice": return x["a"]!.sliced(axis: p.axis!, p.start!..<p.end!)
        case "index_select": return x["a"]!.indexSelect(p.indices!)
        case "gather": return x["a"]!.gatherLast(p.indices!)
        case "embedding": return Tensor.embedding(x["w"]!, ids: p.ids!, shape: p.shape!)
        case "matmul_nn": return Tensor.matmul(x["a"]!, x["b"]!)
        case "matmul_nt": return Tensor.matmul(x["a"]!, x["b"]!, transposeB: true)
        case "matmul_tn": return Tensor.matmul(x["a"]!, x["b"]!, transposeA: true)
        case "matmul_tt": return Tensor.matmul(x["a"]!, x["b"]!, transposeA: true, transposeB: true)
        case "matmul_batched": return Tensor.matmul(x["a"]!, x["b"]!)
        case "matmul_shared": return Tensor.matmul(x["a"]!, x["b"]!, transposeB: true)
        case "linear": return Tensor.linear(x["x"]!, weight: x["w"]!, bias: x["b"]!)
        case "softmax": return x["a"]!.softmax()
        case "log_softmax": return x["a"]!.logSoftmax()
        case "rms_norm", "rms_norm_one": return x["x"]!.rmsNorm(weight: x["w"]!, epsilon: p.eps!, addingOneToWeight: p.one!)
        case "rope_halfSplit", "rope_interleaved":
            let rotary = RotaryEmbedding(dimension: x["x"]!.shape[3], base: p.base!,
                                         layout: RotaryEmbedding.Layout(rawValue: p.layout!)!)
            return x["x"]!.applyingRotaryEmbedding(rotary, positions: p.positions!)
        case let name where name.hasPrefix("attention_"):
            return Tensor.scaledDotProductAttention(query: x["q"]!, key: x["k"]!, value: x["v"]!, mask: attentionMask(), scale: p.scale)
        case let name where name.hasPrefix("cross_entropy_"):
            return Tensor.crossEntropy(logits: x["logits"]!, targets: p.targets!, reduction: LossReduction(rawValue: p.reduction!)!)
        case let name where name.hasPrefix("sum_"): return x["a"]!.sum(axis: p.axis!, keepingDimension: p.keep!)
        case let name where name.hasPrefix("mean_"): return x["a"]!.mean(axis: p.axis!, keepingDimension: p.keep!)
        case let name where name.hasPrefix("max_"): return x["a"]!.max(axis: p.axis!, keepingDimension: p.keep!)
        case let name where name.hasPrefix("logsumexp_"): return x["a"]!.logSumExp(axis: p.axis!, keepingDimension: p.keep!)
        default:
            XCTFail("no Swift computation for fixture case \(test.name)")
            return Tensor(0)
        }
    }

    func testEveryOpMatchesPyTorch() throws {
        let file = try loadFixture("ops.json", as: File.self)
        XCTAssertGreaterThan(file.cases.count, 70)
        for test in file.cases {
            let inputs = test.inputs.mapValues { Tensor(shape: $0.shape, storage: $0.data, requiresGrad: true) }
            let output = compute(test, inputs)
            assertClose(output, test.output.tensor, relative: 1e-5, absolute: 1e-5, "\(test.name) forward")
            (output * test.cotangent.tensor).sum().backward()
            for (name, expected) in test.gradients {
                let actual = inputs[name]!.grad ?? Tensor.zeros(expected.shape)
                assertClose(actual, expected.tensor, relative: 1e-4, absolute: 1e-5, "\(test.name) gradient of \(name)")
            }
        }
    }
}
