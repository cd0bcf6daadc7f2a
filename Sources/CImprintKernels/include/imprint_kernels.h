// Vector kernels that Swift's SIMD types compile poorly (lane-by-lane min/max, shifts, masks).
// Each has an AVX2+FMA clone chosen at load time where the CPU supports it, and a portable
// SSE2 version otherwise; results are identical to within float rounding of the FMA.
#ifndef IMPRINT_KERNELS_H
#define IMPRINT_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// out[i] = exp(in[i] - shift) for i < count; returns the sum of the outputs. `in` may equal `out`.
float imprint_exp_shifted(const float *in, float *out, size_t count, float shift);

/// out[i] = exp(in[i] - shift) * factor, in one pass (the softmax-times-gradient of cross-entropy).
void imprint_exp_shifted_scaled(const float *in, float *out, size_t count, float shift, float factor);

/// The sum of exp(in[i] - shift), without storing the terms.
float imprint_sum_exp_shifted(const float *in, size_t count, float shift);

/// The largest value of in[0..<count] (-inf when count is 0). NaN-free input assumed.
float imprint_maximum(const float *in, size_t count);

/// out[i] = in[i] * factor.
void imprint_scale(const float *in, float *out, size_t count, float factor);

/// values[i] *= factor (in place; a separate function so the loop vectorizes without alias checks).
void imprint_scale_in_place(float *values, size_t count, float factor);

/// exp(x) by the same polynomial (for scalars and tests).
float imprint_exp(float x);

/// out[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i]  (SwiGLU).
void imprint_swiglu(const float *gate, const float *up, float *out, size_t count);

/// The softmax backward pass of one row, in place: g[i] = p[i] · (g[i] − Σ_j p[j] g[j]).
void imprint_softmax_backward_row(const float *p, float *g, size_t count);

/// The SwiGLU backward pass: with s = sigmoid(gate), d_gate = dy · up · s (1 + gate (1 − s)), d_up = dy · gate · s.
void imprint_swiglu_backward(const float *gate, const float *up, const float *dy, float *d_gate, float *d_up, size_t count);

/// scores[r, j] = scale · Σ_t queries[r, t] · keys[j, t] for `rows` queries and `width` keys of
/// `dimension` values (rows contiguous): attention scores of a few query rows (decoding), without
/// the packing a matrix product does. Each dot product sums sixteen lanes in a fixed order.
void imprint_attention_scores(const float *queries, long rows, const float *keys, long width, long dimension, float scale,
                              float *scores);

/// out[r, t] = Σ_j probabilities[r, j] · values[j, t], keys in order: the attention output of a few
/// query rows (decoding).
void imprint_attention_values(const float *probabilities, long rows, long width, const float *values, long dimension,
                              float *out);

/// The calling thread's count of open `withoutGradients` scopes (ImprintTensor's GradientMode), kept
/// in a C thread-local: every operation reads it, and Foundation's thread dictionary cost a string hash
/// and a cast per read.
long imprint_gradient_disabled_depth(void);
void imprint_set_gradient_disabled_depth(long depth);

#ifdef __cplusplus
}
#endif

#endif
