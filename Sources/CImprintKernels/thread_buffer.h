// A thread's scratch buffer, kept for the thread's life and grown when a call needs more: the packed GEMM's panels
// (gemm.c), the streaming products' decoded weight panel (quantized.c). Private to the C kernels.
#ifndef IMPRINT_THREAD_BUFFER_H
#define IMPRINT_THREAD_BUFFER_H

#include <stdlib.h>

typedef struct {
    float *data;
    size_t floats;
} thread_buffer;

/// The buffer, at least `floats` long (64-byte aligned), or NULL when memory is short.
static inline float *reserve(thread_buffer *buffer, size_t floats) {
    if (buffer->floats < floats) {
        free(buffer->data);
        buffer->data = aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
        buffer->floats = buffer->data == NULL ? 0 : floats;
    }
    return buffer->data;
}

#endif
