// qtypes.cpp — asks the vendored llama.cpp which type llama-quantize gives each tensor.
// Part of scripts/llamacpp/measure.sh (never run in CI).
//
// Uses llama.cpp's own staging API (src/llama-ext.h: llama_quant_model_from_metadata,
// llama_quant_init, llama_quant_tensor_allows_quantization, llama_quant_compute_types), the
// same entry points as llama.cpp's tests/test-quant-type-selection.cpp, so the per-tensor types
// (e.g. Q4_K_M's Q6_K attn_v/ffn_down, the fallbacks for rows not a multiple of the block
// size) are llama_tensor_get_type's own, not a re-implementation.
//
// stdin: first line: arch n_embd n_ff n_layer n_head n_head_kv n_expert head_k head_v ftype(int)
//        then one line per tensor: name ne0 ne1 ne2 ne3
// stdout: one line per quantizable tensor: name type_name
#include "llama.h"
#include "llama-ext.h"
#include "ggml.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

int main() {
    llama_log_set([](ggml_log_level, const char *, void *) {}, nullptr);
    std::string arch;
    llama_quant_model_desc d = {};
    int ftype = 0;
    std::cin >> arch >> d.n_embd >> d.n_ff >> d.n_layer >> d.n_head >> d.n_head_kv >> d.n_expert >> d.n_embd_head_k >>
        d.n_embd_head_v >> ftype;
    d.architecture = arch.c_str();
    llama_model * model = llama_quant_model_from_metadata(&d);

    llama_model_quantize_params qp = llama_model_quantize_default_params();
    qp.ftype = (llama_ftype) ftype;
    quantize_state_impl * qs = llama_quant_init(model, &qp);

    std::vector<std::string> names;
    std::vector<std::array<int64_t, 4>> shapes;
    std::string name;
    int64_t ne[4];
    while (std::cin >> name >> ne[0] >> ne[1] >> ne[2] >> ne[3]) {
        names.push_back(name);
        shapes.push_back({ ne[0], ne[1], ne[2], ne[3] });
    }
    ggml_init_params ip = { names.size() * ggml_tensor_overhead() + 1024, nullptr, true };
    ggml_context * ctx = ggml_init(ip);
    std::vector<ggml_tensor *> q;
    for (size_t i = 0; i < names.size(); i++) {
        ggml_tensor * t = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3]);
        ggml_set_name(t, names[i].c_str());
        if (llama_quant_tensor_allows_quantization(qs, t)) {
            q.push_back(t);
        }
    }
    // llama_model_loader's weight order (layer, then name), as in test-quant-type-selection.cpp
    std::sort(q.begin(), q.end(), [](const ggml_tensor * a, const ggml_tensor * b) {
        int la = -1, lb = -1;
        sscanf(a->name, "blk.%d.", &la);
        sscanf(b->name, "blk.%d.", &lb);
        return la != lb ? la < lb : strcmp(a->name, b->name) < 0;
    });
    std::vector<ggml_type> types(q.size());
    llama_quant_compute_types(qs, (llama_ftype) ftype, q.data(), types.data(), q.size());
    for (size_t i = 0; i < q.size(); i++) {
        printf("%s %s\n", q[i]->name, ggml_type_name(types[i]));
    }
    llama_quant_free(qs);
    llama_model_free(model);
    ggml_free(ctx);
    return 0;
}
