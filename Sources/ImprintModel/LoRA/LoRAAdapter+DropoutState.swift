import ImprintTensor

extension LoRAAdapter {
    /// The state of every layer's dropout-mask generator, in layer order: what a training checkpoint saves so that a
    /// resumed run draws the same masks as an uninterrupted one.
    ///
    /// - Precondition (set): one generator per layer.
    public var dropoutGenerators: [RandomGenerator] {
        get { layers.map(\.update.dropoutGenerator) }
        set {
            precondition(newValue.count == layers.count,
                         "the adapter has \(layers.count) layers, got \(newValue.count) dropout generators")
            for (layer, generator) in zip(layers, newValue) { layer.update.dropoutGenerator = generator }
        }
    }
}
