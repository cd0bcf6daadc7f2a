import Foundation

/// TRL 1.16's GRPO loss (`GRPOTrainer._compute_loss`) on one micro-batch, with its gradient with respect to the
/// per-token log-probabilities, computed in float32 element by element as PyTorch does:
///
/// ```
/// s      = logp − logp_old                      (token level)      s_i = Σ_t m (logp − logp_old) / max(1, Σ_t m)  (sequence)
/// ρ      = exp(s),  ρ̄ = clamp(ρ, 1 − ε, 1 + ε_high),  ρ ← min(ρ, δ) when δ is set
/// ℓ      = −min(ρ A, ρ̄ A) + β · k3 · ρ            k3 = exp(logp_ref − logp) − (logp_ref − logp) − 1, ρ uncapped
///          (· ρ: `use_bias_correction_kl`, TRL 1.16's default; without it, + β · k3)
/// loss   = grpo:    mean_i Σ_t m ℓ / max(1, Σ_t m)            / GA
///          bnpo:    Σ m ℓ / max(1, Σ m)                       / GA
///          dr_grpo: Σ m ℓ / (B · maxCompletionLength)         / GA
///          dapo:    Σ m ℓ / max(1, tokens of the whole step)
/// ```
/// `logp_old` is `logp` itself (detached, ρ = 1) when the step has no old log-probabilities (μ = 1). The gradient
/// follows PyTorch's conventions where a function has a kink: `clamp` passes the gradient at its bounds, `minimum`
/// splits it in half on ties.
public enum GRPOLoss {
    /// What the loss needs besides the current log-probabilities.
    public struct Inputs {
        /// `[B][T]` log-probabilities of the sampled tokens before the update (nil: μ = 1, the current ones detached).
        public var oldLogProbabilities: [[Float]]?
        /// `[B][T]` log-probabilities of the reference policy (needed when β ≠ 0).
        public var referenceLogProbabilities: [[Float]]?
        /// One per completion.
        public var advantages: [Float]
        /// `[B][T]`: the completion tokens that count.
        public var mask: [[Bool]]
        /// Micro-batches per optimizer step.
        public var gradientAccumulationSteps: Int
        /// Tokens counted (`mask` true) over every micro-batch of the step: DAPO's normalizer.
        public var stepTokenCount: Int
        /// When these rows are a slice of a micro-batch (to bound memory), the micro-batch's completions and counted
        /// tokens, which the grpo, bnpo and dr_grpo normalizers use; nil when the rows are the whole micro-batch.
        public var microBatch: (rows: Int, tokens: Int)? = nil

        public init(oldLogProbabilities: [[Float]]?, referenceLogProbabilities: [[Float]]?, advantages: [Float],
                    mask: [[Bool]], gradientAccumulationSteps: Int, stepTokenCount: Int) {
            self.oldLogProbabilities = oldLogProbabilities
            self.referenceLogProbabilities = referenceLogProbabilities
            self.advantages = advantages
            self.mask = mask
            self.gradientAccumulationSteps = gradientAccumulationSteps
            self.stepTokenCount = stepTokenCount
        }
    }

    /// The loss of a micro-batch, its gradient and TRL's logged metrics for it.
    public struct Result {
        /// The value `_compute_loss` returns (already divided for gradient accumulation).
        public var loss: Float
        /// `[B * T]`: ∂loss/∂logp, row-major.
        public var gradient: [Float]
        /// `kl` (nil when β = 0), `clip_ratio/low_mean`, `clip_ratio/low_min`, `clip_ratio/high_mean`,
        /// `clip_ratio/high_max`, `clip_ratio/region_mean`.
        public var metrics: [String: Double]
    }

    /// - Parameter logProbabilities: `[B][T]` current log-probabilities of the sampled tokens (0 where masked).
    public static func evaluate(logProbabilities logps: [[Float]], inputs: Inputs,
                                configuration: GRPOConfiguration) -> Result {
        let rows = logps.count, width = logps.first?.count ?? 0
        let beta = Float(configuration.beta)
        let low = Float(1 - configuration.epsilon), high = Float(1 + configuration.upperEpsilon)
        let delta = configuration.delta.map(Float.init)
        let ga = Float(inputs.gradientAccumulationSteps)
        let mask = inputs.mask.map { $0.map { $0 ? Float(1) : 0 } }
        let rowTokens = mask.map { $0.reduce(0, +) }
        let batchTokens = rowTokens.reduce(0, +)
        let normalizingRows = Float(inputs.microBatch?.rows ?? rows)
        let normalizingTokens = inputs.microBatch.map { Float($0.tokens) } ?? batchTokens

        // Aggregation weight of each token: loss = Σ w ℓ.
        func weight(_ i: Int, _ t: Int) -> Float {
            let m = mask[i][t]
            switch configuration.lossType {
            case .grpo: return m / Swift.max(rowTokens[i], 1) / normalizingRows / ga
            case .bnpo: return m / Swift.max(normalizingTokens, 1) / ga
            case .drGRPO: return m / (normalizingRows * Float(configuration.maxCompletionLength)) / ga
            case .dapo: return m / Swift.max(Float(inputs.stepTokenCount), 1)
            }
        }

        // The log-ratio, per token or per sequence.
        let sequenceLevel = configuration.importanceSamplingLevel == .sequence
        var logRatio = [[Float]](repeating: [Float](repeating: 0, count: width), count: rows)
        if let old = inputs.oldLogProbabilities {
            for i in 0..<rows { for t in 0..<width { logRatio[i][t] = logps[i][t] - old[i][t] } }
        }
        let sequenceLogRatio: [Float] = (0..<rows).map { i in
            var sum: Float = 0
            for t in 0..<width { sum += logRatio[i][t] * mask[i][t] }
            return sum / Swift.max(rowTokens[i], 1)
        }

        // The clipped surrogate and its derivative with respect to s, for one s and advantage.
        func surrogate(_ s: Float, _ advantage: Float) -> (value: Float, derivative: Float, ratio: Float, uncapped: Float) {
            let ratio = Foundation.exp(s)
            let clipped = Swift.min(Swift.max(ratio, low), high)
            let clippedSlope: Float = ratio >= low && ratio <= high ? 1 : 0
            var capped = ratio, cappedSlope: Float = 1
            if let delta { capped = Swift.min(ratio, delta); cappedSlope = ratio <= delta ? 1 : 0 }
            let first = capped * advantage, second = clipped * advantage
            let (w1, w2): (Float, Float) = first < second ? (1, 0) : (first > second ? (0, 1) : (0.5, 0.5))
            let derivative = -(w1 * advantage * cappedSlope + w2 * advantage * clippedSlope) * ratio
            return (-Swift.min(first, second), derivative, capped, ratio)
        }

        var loss: Float = 0
        var gradient = [Float](repeating: 0, count: rows * width)
        var klSum: Float = 0
        var lowSum: Float = 0, highSum: Float = 0, regionSum: Float = 0
        var lowPerRow = [Float](repeating: 0, count: rows), highPerRow = [Float](repeating: 0, count: rows)
        for i in 0..<rows {
            let advantage = inputs.advantages[i]
            let sequence = sequenceLevel ? surrogate(sequenceLogRatio[i], advantage) : nil
            var rowWeight: Float = 0, rowKLWeight: Float = 0
            for t in 0..<width {
                let w = weight(i, t)
                let term = sequence ?? surrogate(logRatio[i][t], advantage)
                var value = term.value
                var slope = sequenceLevel ? 0 : term.derivative
                if beta != 0, let reference = inputs.referenceLogProbabilities {
                    let difference = reference[i][t] - logps[i][t]
                    let kl = Foundation.exp(difference) - difference - 1
                    let klSlope = 1 - Foundation.exp(difference)
                    if configuration.useBiasCorrectionKL {
                        // kl · ρ with the uncapped ratio; ∂ρ/∂logp = ρ (token level), handled below (sequence level).
                        value += beta * kl * term.uncapped
                        slope += beta * klSlope * term.uncapped + (sequenceLevel ? 0 : beta * kl * term.uncapped)
                        rowKLWeight += w * beta * kl
                        klSum += kl * term.uncapped * mask[i][t]
                    } else {
                        value += beta * kl
                        slope += beta * klSlope
                        klSum += kl * mask[i][t]
                    }
                }
                loss += w * value
                gradient[i * width + t] = w * slope
                rowWeight += w
                if !sequenceLevel {
                    let isLow: Float = term.ratio < low && advantage < 0 ? 1 : 0
                    let isHigh: Float = term.ratio > high && advantage > 0 ? 1 : 0
                    lowSum += isLow * mask[i][t]
                    highSum += isHigh * mask[i][t]
                    regionSum += Swift.max(isLow, isHigh) * mask[i][t]
                    lowPerRow[i] += isLow * mask[i][t]
                    highPerRow[i] += isHigh * mask[i][t]
                }
            }
            if let sequence {
                // ∂s_i/∂logp_t = m_t / max(1, Σ m); every token of the row carries the sequence's surrogate.
                let klTerm = configuration.useBiasCorrectionKL ? rowKLWeight * sequence.uncapped : 0
                for t in 0..<width {
                    gradient[i * width + t] += (rowWeight * sequence.derivative + klTerm) * mask[i][t] / Swift.max(rowTokens[i], 1)
                }
                let isLow: Float = sequence.ratio < low && advantage < 0 ? 1 : 0
                let isHigh: Float = sequence.ratio > high && advantage > 0 ? 1 : 0
                lowSum += isLow
                highSum += isHigh
                regionSum += Swift.max(isLow, isHigh)
                lowPerRow[i] = isLow
                highPerRow[i] = isHigh
            }
        }
        // Global masked means: over tokens (token level), over completions (sequence level).
        let count = sequenceLevel ? Float(rows) : Swift.max(batchTokens, 1)
        var metrics: [String: Double] = [
            "clip_ratio/low_mean": Double(lowSum / count),
            "clip_ratio/high_mean": Double(highSum / count),
            "clip_ratio/region_mean": Double(regionSum / count),
        ]
        // Per-completion means (NaN for a completion with no counted token), then their nan-min / nan-max.
        let perRowCount = sequenceLevel ? [Float](repeating: 1, count: rows) : rowTokens
        let lowMeans = (0..<rows).map { lowPerRow[$0] / perRowCount[$0] }.filter { !$0.isNaN }
        let highMeans = (0..<rows).map { highPerRow[$0] / perRowCount[$0] }.filter { !$0.isNaN }
        metrics["clip_ratio/low_min"] = Double(lowMeans.min() ?? .nan)
        metrics["clip_ratio/high_max"] = Double(highMeans.max() ?? .nan)
        if beta != 0 { metrics["kl"] = Double(klSum / Swift.max(batchTokens, 1)) }
        return Result(loss: loss, gradient: gradient, metrics: metrics)
    }
}
