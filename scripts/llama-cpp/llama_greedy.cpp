// Greedy decoding with llama.cpp's library, for scripts/llama-cpp/check-gguf-export.sh.
//
//   llama_greedy MODEL.gguf N_NEW < prompts.txt
//
// Each stdin line is one prompt as space-separated token ids (the ids `imprint tokenize` gives,
// so both sides start from the same tokens). For each prompt, a fresh context decodes the prompt
// and then N_NEW tokens, each the argmax of the last position's logits (no sampler; ties go to the
// lowest id, as Imprint's greedy sampler does), stopping early at an end-of-generation token,
// which is printed. Prints one line of generated ids per prompt. Attention runs in float32.
//
//   llama_greedy MODEL.gguf --logits < prompts.txt
//
// Prints the last position's logits of each prompt (space-separated token ids), one line each.
//
//   llama_greedy MODEL.gguf --tokenize < texts.txt
//
// Prints llama.cpp's token ids (special tokens parsed, BOS/EOS as the vocabulary says) of each
// stdin line, with the two-character escape "\n" read as a newline.
#include "llama.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

static void quiet_log(ggml_log_level, const char *, void *) {}

static std::string unescape_newlines(const std::string & line) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == 'n') {
            text += '\n';
            ++i;
        } else {
            text += line[i];
        }
    }
    return text;
}

static int tokenize_lines(const llama_vocab * vocab) {
    std::string line;
    while (std::getline(std::cin, line)) {
        const std::string text = unescape_newlines(line);
        const int count = -llama_tokenize(vocab, text.c_str(), (int32_t) text.size(), nullptr, 0, true, true);
        std::vector<llama_token> ids(count);
        if (llama_tokenize(vocab, text.c_str(), (int32_t) text.size(), ids.data(), count, true, true) < 0) {
            std::fprintf(stderr, "llama_greedy: cannot tokenize: %s\n", line.c_str());
            return 1;
        }
        for (size_t i = 0; i < ids.size(); ++i) std::printf(i ? " %d" : "%d", ids[i]);
        std::printf("\n");
    }
    return 0;
}

/// new_tokens 0: print the logits of the prompt's last position instead of generating.
static int generate_lines(llama_model * model, const llama_vocab * vocab, int new_tokens) {
    const int vocabulary = llama_vocab_n_tokens(vocab);
    std::string line;
    while (std::getline(std::cin, line)) {
        std::vector<llama_token> prompt;
        std::istringstream stream(line);
        for (int id; stream >> id;) prompt.push_back(id);
        if (prompt.empty()) continue;

        llama_context_params parameters = llama_context_default_params();
        parameters.n_ctx = (uint32_t) (prompt.size() + std::max(new_tokens, 1) + 8);
        parameters.n_batch = parameters.n_ctx;
        parameters.no_perf = true;
        // Float32 keys and values (llama.cpp's default cache is F16) and no flash attention (its CPU
        // kernel rounds queries to F16), as Imprint computes attention: with both, the logits of
        // an F32 file agree with Imprint's to about 1e-6 of the largest.
        parameters.type_k = GGML_TYPE_F32;
        parameters.type_v = GGML_TYPE_F32;
        parameters.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
        llama_context * context = llama_init_from_model(model, parameters);
        if (context == nullptr) {
            std::fprintf(stderr, "llama_greedy: cannot create a context\n");
            return 1;
        }
        std::vector<llama_token> generated;
        llama_batch batch = llama_batch_get_one(prompt.data(), (int32_t) prompt.size());
        llama_token next = 0;
        if (new_tokens == 0) {
            if (llama_decode(context, batch) != 0) {
                std::fprintf(stderr, "llama_greedy: llama_decode failed\n");
                return 1;
            }
            const float * logits = llama_get_logits_ith(context, -1);
            for (int id = 0; id < vocabulary; ++id) std::printf(id ? " %.9g" : "%.9g", logits[id]);
        }
        for (int step = 0; step < new_tokens; ++step) {
            if (llama_decode(context, batch) != 0) {
                std::fprintf(stderr, "llama_greedy: llama_decode failed\n");
                return 1;
            }
            const float * logits = llama_get_logits_ith(context, -1);
            next = 0;
            for (int id = 1; id < vocabulary; ++id) {
                if (logits[id] > logits[next]) next = id;
            }
            generated.push_back(next);
            if (llama_vocab_is_eog(vocab, next)) break;
            batch = llama_batch_get_one(&next, 1);
        }
        for (size_t i = 0; i < generated.size(); ++i) std::printf(i ? " %d" : "%d", generated[i]);
        std::printf("\n");
        std::fflush(stdout);
        llama_free(context);
    }
    return 0;
}

int main(int argc, char ** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s MODEL.gguf N_NEW|--logits|--tokenize < lines\n", argv[0]);
        return 2;
    }
    llama_log_set(quiet_log, nullptr);
    llama_backend_init();
    llama_model_params model_parameters = llama_model_default_params();
    model_parameters.n_gpu_layers = 0;
    llama_model * model = llama_model_load_from_file(argv[1], model_parameters);
    if (model == nullptr) {
        std::fprintf(stderr, "llama_greedy: cannot load %s\n", argv[1]);
        return 1;
    }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    int status;
    if (std::strcmp(argv[2], "--tokenize") == 0) {
        status = tokenize_lines(vocab);
    } else if (std::strcmp(argv[2], "--logits") == 0) {
        status = generate_lines(model, vocab, 0);
    } else {
        status = generate_lines(model, vocab, std::max(1, std::atoi(argv[2])));
    }
    llama_model_free(model);
    llama_backend_free();
    return status;
}
