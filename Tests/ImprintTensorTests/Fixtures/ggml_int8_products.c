// Records ggml's CPU arithmetic for Tests/ImprintTensorTests/Fixtures/int8_products.json (run by
// make_int8_fixture.py, which compiles it against the llama.cpp build of
// scripts/llama-cpp/build-llama-cpp.sh). Reads "m k n", m·k activations and n·k weights (floats,
// whitespace-separated) from stdin and prints one JSON object: for Q8_0 and Q8_1 the activation
// blocks of ggml's CPU quantizer (`from_float`, x86 `quantize_row_q8_0` / `_q8_1`), and for every
// weight type the weight blocks (`ggml_quantize_chunk`) and the products y[i][n] from the CPU
// backend's `vec_dot` with the activations quantized to its `vec_dot_type`.
#include <ggml.h>
#include <ggml-cpu.h>
#include <stdio.h>
#include <stdlib.h>

static void print_hex(const void *data, size_t bytes) {
    const unsigned char *p = (const unsigned char *)data;
    putchar('"');
    for (size_t i = 0; i < bytes; i++) printf("%02x", p[i]);
    putchar('"');
}

int main(void) {
    int m, k, n;
    if (scanf("%d %d %d", &m, &k, &n) != 3) return 1;
    float *x = malloc(sizeof(float) * m * k), *w = malloc(sizeof(float) * n * k);
    for (int i = 0; i < m * k; i++) if (scanf("%f", &x[i]) != 1) return 1;
    for (int i = 0; i < n * k; i++) if (scanf("%f", &w[i]) != 1) return 1;
    ggml_cpu_init();
    printf("{\"activations\": {");
    enum ggml_type activation_types[2] = {GGML_TYPE_Q8_0, GGML_TYPE_Q8_1};
    for (int t = 0; t < 2; t++) {
        size_t row = ggml_row_size(activation_types[t], k);
        unsigned char *blocks = malloc(row * m);
        for (int i = 0; i < m; i++) ggml_get_type_traits_cpu(activation_types[t])->from_float(x + i * k, blocks + i * row, k);
        printf("%s\"%s\": ", t ? ", " : "", ggml_type_name(activation_types[t]));
        print_hex(blocks, row * m);
        free(blocks);
    }
    printf("}, \"weights\": {");
    enum ggml_type weight_types[6] = {GGML_TYPE_Q8_0, GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_IQ4_NL};
    for (int t = 0; t < 6; t++) {
        enum ggml_type type = weight_types[t];
        const struct ggml_type_traits_cpu *traits = ggml_get_type_traits_cpu(type);
        size_t row = ggml_row_size(type, k), activation_row = ggml_row_size(traits->vec_dot_type, k);
        unsigned char *blocks = malloc(row * n), *activations = malloc(activation_row * m);
        ggml_quantize_chunk(type, w, blocks, 0, n, k, NULL);
        for (int i = 0; i < m; i++) ggml_get_type_traits_cpu(traits->vec_dot_type)->from_float(x + i * k, activations + i * activation_row, k);
        printf("%s\"%s\": {\"blocks\": ", t ? ", " : "", ggml_type_name(type));
        print_hex(blocks, row * n);
        printf(", \"products\": [");
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float y;
                traits->vec_dot(k, &y, 0, blocks + j * row, 0, activations + i * activation_row, 0, 1);
                printf("%s%.9g", i + j ? ", " : "", y);
            }
        printf("]}");
        free(blocks);
        free(activations);
    }
    printf("}}\n");
    return 0;
}
