import CImprintKernels

// The gated activation of Llama-family MLPs, fused: one pass, one output buffer.

extension Tensor {
    /// `silu(gate) ⊙ up` (SwiGLU), fused; `gate` and `up` have the same shape.
    ///
    /// Matches `F.silu(gate) * up` (`LlamaMLP`). Backward, with `s = sigmoid(g)`:
    /// `d gate = dy · up · s (1 + g (1 − s))`, `d up = dy · g s`.
    public static func swiGLU(gate: Tensor, up: Tensor) -> Tensor {
        precondition(gate.shape == up.shape, "swiGLU shapes differ: gate \(gate.shape), up \(up.shape)")
        let output = gate.storage.withUnsafeBufferPointer { g in
            up.storage.withUnsafeBufferPointer { u in
                Tensor.uninitialized(gate.shape) { out in
                    // Pieces, not halves: a prefill's output is megabytes of fresh pages, and the thread whose half
                    // lies past the heap's old top takes all the page faults (an evaluation's prefill waited 6% of its
                    // time at the end of this loop with halves).
                    parallelForPieces(out.count, alignment: 16, minimum: 1 << 12, target: 1 << 16) { range in
                        imprint_swiglu(g.baseAddress! + range.lowerBound, u.baseAddress! + range.lowerBound,
                                       out.baseAddress! + range.lowerBound, range.count)
                    }
                }
            }
        }
        return record("swiglu", output, inputs: [gate, up]) { gradient in
            var gateGradient = [Float](repeating: 0, count: gate.count), upGradient = [Float](repeating: 0, count: up.count)
            gradient.storage.withUnsafeBufferPointer { dy in
                gate.storage.withUnsafeBufferPointer { g in
                    up.storage.withUnsafeBufferPointer { u in
                        gateGradient.withUnsafeMutableBufferPointer { dg in
                            upGradient.withUnsafeMutableBufferPointer { du in
                                parallelFor(gate.count, grain: 1 << 14) { range in
                                    let start = range.lowerBound
                                    imprint_swiglu_backward(g.baseAddress! + start, u.baseAddress! + start, dy.baseAddress! + start,
                                                            dg.baseAddress! + start, du.baseAddress! + start, range.count)
                                }
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: gate.shape, storage: gateGradient), Tensor(shape: up.shape, storage: upGradient)]
        }
    }
}
