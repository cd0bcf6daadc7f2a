import ImprintModel
import ImprintTensor

/// The SFT loss: token-level cross-entropy over every label of an optimizer step, as TRL's `nll` loss with
/// transformers' `num_items_in_batch`:
/// `loss = Σ_micro-batches Σ_labels −log p(label) / (labels in the whole step)`.
enum SFTLoss {
    /// Sums over one micro-batch.
    struct Measurement {
        /// Σ −log p(label) over the batch's labels.
        var lossSum: Double = 0
        /// Labels whose arg-max prediction is right (`mean_token_accuracy`'s numerator).
        var correct = 0
        /// Labels counted.
        var targets = 0

        static func + (a: Measurement, b: Measurement) -> Measurement {
            Measurement(lossSum: a.lossSum + b.lossSum, correct: a.correct + b.correct, targets: a.targets + b.targets)
        }

        var meanLoss: Double { lossSum / Double(max(targets, 1)) }
        var accuracy: Double { Double(correct) / Double(max(targets, 1)) }
    }

    /// Forward and backward of one micro-batch: the gradient of `lossSum / stepTargetCount` is added to the
    /// trainable parameters' gradients.
    static func accumulateGradients(model: TransformerDecoder, batch: SFTBatch, stepTargetCount: Int) -> Measurement {
        let (loss, measurement) = forward(model: model, batch: batch)
        (loss / Float(stepTargetCount)).backward()
        return measurement
    }

    /// The loss sums of `batch` without gradients (evaluation).
    static func measure(model: TransformerDecoder, batch: SFTBatch) -> Measurement {
        withoutGradients { forward(model: model, batch: batch).measurement }
    }

    private static func forward(model: TransformerDecoder, batch: SFTBatch) -> (loss: Tensor, measurement: Measurement) {
        let tokens = batch.tokens
        let targets = TransformerDecoder.shiftedLabels(batch.labels, batchSize: tokens.batchSize, length: tokens.length)
        let logits = model(tokens)  // [B, T, vocabulary]
        let loss = Tensor.crossEntropy(logits: logits, targets: targets, reduction: .sum)
        let correct = correctPredictions(logits: logits, targets: targets)
        return (loss, Measurement(lossSum: Double(loss.item), correct: correct, targets: targets.filter { $0 != -100 }.count))
    }

    /// How many rows of `logits` `[rows, V]` have their largest logit at the target (ties go to the first index,
    /// as `argmax`).
    static func correctPredictions(logits: Tensor, targets: [Int]) -> Int {
        let width = logits.shape.last!
        return logits.storage.withUnsafeBufferPointer { values in
            var correct = 0
            for (row, target) in targets.enumerated() where target != -100 {
                let base = row * width
                var best = 0
                for column in 1..<width where values[base + column] > values[base + best] { best = column }
                if best == target { correct += 1 }
            }
            return correct
        }
    }
}
