import Foundation

/// Learning-rate schedules with warmup, matching `transformers`' `get_*_schedule_with_warmup`.
///
/// `multiplier(step)` is the factor the scheduler's `LambdaLR` applies after `step` calls of
/// `scheduler.step()` (the first optimizer step uses step 0).
public enum LearningRateSchedule: Sendable, Hashable, Codable {
    /// `get_constant_schedule`: always 1.
    case constant
    /// `get_constant_schedule_with_warmup`: linear from 0 to 1 over `warmupSteps`, then 1.
    case constantWithWarmup(warmupSteps: Int)
    /// `get_linear_schedule_with_warmup`: warmup, then linear decay to 0 at `totalSteps`.
    case linear(warmupSteps: Int, totalSteps: Int)
    /// `get_cosine_schedule_with_warmup`: warmup, then cosine decay over `cycles` (0.5 = to 0).
    case cosine(warmupSteps: Int, totalSteps: Int, cycles: Double = 0.5)

    /// The factor applied to the base learning rate at `step`.
    public func multiplier(step: Int) -> Double {
        switch self {
        case .constant:
            return 1
        case .constantWithWarmup(let warmup):
            return step < warmup ? Double(step) / Double(Swift.max(1, warmup)) : 1
        case .linear(let warmup, let total):
            if step < warmup { return Double(step) / Double(Swift.max(1, warmup)) }
            return Swift.max(0, Double(total - step) / Double(Swift.max(1, total - warmup)))
        case .cosine(let warmup, let total, let cycles):
            if step < warmup { return Double(step) / Double(Swift.max(1, warmup)) }
            let progress = Double(step - warmup) / Double(Swift.max(1, total - warmup))
            return Swift.max(0, 0.5 * (1 + Foundation.cos(Double.pi * cycles * 2 * progress)))
        }
    }

    /// `baseLearningRate * multiplier(step)`, in float32 as the optimizer uses it.
    public func learningRate(base: Float, step: Int) -> Float {
        Float(Double(base) * multiplier(step: step))
    }
}
