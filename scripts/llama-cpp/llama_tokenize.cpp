// llama.cpp's tokenizer on a vocabulary-only GGUF, to cross-check Imprint's recorded tokenizer fixtures.
//
//   llama_tokenize VOCAB.gguf < texts.inp
//
// stdin holds texts separated by "\n__ggml_vocab_test__\n" (llama.cpp's .inp format). For each text, prints two
// lines of space-separated ids: without and with the special tokens the vocabulary adds (BOS/EOS/SEP), special
// tokens in the text parsed in both. Build against the library of scripts/llama-cpp/build-llama-cpp.sh:
//
//   c++ -std=c++17 -O2 -I$SRC/include -I$SRC/ggml/include scripts/llama-cpp/llama_tokenize.cpp \
//       -L$LIB -Wl,-rpath,$LIB -lllama -lggml -lggml-base -o llama_tokenize
//
// with SRC=/work/llama-build/llama_cpp_python-0.3.36/vendor/llama.cpp and LIB the folder holding libllama.so.
#include "llama.h"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

static void quiet_log(ggml_log_level, const char *, void *) {}

static bool print_ids(const llama_vocab * vocab, const std::string & text, bool add_special) {
    const int count = -llama_tokenize(vocab, text.c_str(), (int32_t) text.size(), nullptr, 0, add_special, true);
    std::vector<llama_token> ids(count > 0 ? count : 0);
    if (count > 0 && llama_tokenize(vocab, text.c_str(), (int32_t) text.size(), ids.data(), count, add_special, true) < 0) {
        return false;
    }
    for (size_t i = 0; i < ids.size(); ++i) std::printf(i == 0 ? "%d" : " %d", ids[i]);
    std::printf("\n");
    return true;
}

int main(int argc, char ** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s VOCAB.gguf < texts.inp\n", argv[0]);
        return 2;
    }
    llama_log_set(quiet_log, nullptr);
    llama_backend_init();
    llama_model_params parameters = llama_model_default_params();
    parameters.vocab_only = true;
    llama_model * model = llama_model_load_from_file(argv[1], parameters);
    if (model == nullptr) {
        std::fprintf(stderr, "llama_tokenize: cannot load %s\n", argv[1]);
        return 1;
    }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const std::string separator = "\n__ggml_vocab_test__\n";
    size_t start = 0;
    int status = 0;
    while (start < input.size()) {
        size_t end = input.find(separator, start);
        if (end == std::string::npos) end = input.size();
        const std::string text = input.substr(start, end - start);
        if (!print_ids(vocab, text, false) || !print_ids(vocab, text, true)) {
            std::fprintf(stderr, "llama_tokenize: cannot tokenize text at byte %zu\n", start);
            status = 1;
        }
        start = end + separator.size();
    }
    llama_model_free(model);
    llama_backend_free();
    return status;
}
