// probe.cpp — prints llama.cpp's own buffer sizes, exact to the byte, for one model and
// a list of context configurations. Part of scripts/llamacpp/measure.sh (never run in CI).
//
// Built against the llama.cpp vendored by the llama-cpp-python sdist (see
// data/llamacpp/README.md for the version). It includes llama.cpp's internal headers
// (src/llama-context.h, src/llama-kv-cache*.h) and is compiled with -fno-access-control so
// that it can read the same buffers llama.cpp's own log lines are printed from:
//   model   : llama_model::memory_breakdown()        (the "model buffer size" lines)
//   KV      : llama_kv_cache::memory_breakdown()     (the "KV buffer size" lines), taken
//             from llama_kv_cache_iswa::get_base()/get_swa() when the model has SWA layers
//   compute : llama_get_memory_breakdown(ctx)[buft].compute
//             = ggml_backend_sched_get_buffer_size  (the "compute buffer size" lines)
//   output  : ggml_backend_buffer_get_size(llama_context::buf_output)
//                                                    (the "output buffer size" line)
//
// usage: probe MODEL.gguf < configs
//   each config line: case n_ctx n_seq n_ubatch n_batch fa(on|off) type_k type_v kv_unified(0|1) swa_full(0|1)
//   each output line (CSV): case,n_ctx,n_ctx_seq,model_bytes,kv_bytes,kv_swa_bytes,
//     compute_bytes,output_bytes,kv_k_bytes,kv_v_bytes,kv_swa_k_bytes,kv_swa_v_bytes,
//     model_buffers,flash_attn_used
//   or: case,ERROR,message
#include "llama.h"
#include "llama-context.h"
#include "llama-ext.h"
#include "llama-kv-cache.h"
#include "llama-kv-cache-iswa.h"
#include "llama-model.h"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

static ggml_type parse_type(const std::string & s) {
    for (int t = 0; t < GGML_TYPE_COUNT; t++) {
        const char * n = ggml_type_name((ggml_type) t);
        if (n && s == n) {
            return (ggml_type) t;
        }
    }
    fprintf(stderr, "unknown cache type %s\n", s.c_str());
    exit(2);
}

static size_t sum(const std::map<ggml_backend_buffer_type_t, size_t> & m) {
    size_t s = 0;
    for (const auto & kv : m) {
        s += kv.second;
    }
    return s;
}

static void quiet_log(ggml_log_level level, const char * text, void *) {
    if (level >= GGML_LOG_LEVEL_WARN || getenv("PROBE_VERBOSE")) {
        fputs(text, stderr);
    }
}

int main(int argc, char ** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL.gguf < configs\n", argv[0]);
        return 2;
    }
    llama_log_set(quiet_log, nullptr);
    llama_backend_init();

    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers    = 0;
    mp.load_mode       = LLAMA_LOAD_MODE_MMAP;
    mp.use_extra_bufts = false; // no CPU_REPACK buffers
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) {
        printf("-,ERROR,model failed to load\n");
        return 1;
    }

    const auto model_mb = model->memory_breakdown();
    std::ostringstream bufs;
    for (const auto & [buft, size] : model_mb) {
        bufs << (bufs.tellp() > 0 ? ";" : "") << ggml_backend_buft_name(buft) << ":" << size;
    }

    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream in(line);
        std::string cs, fa, tk, tv;
        uint32_t n_ctx, n_seq, n_ubatch, n_batch, unified, swa_full;
        in >> cs >> n_ctx >> n_seq >> n_ubatch >> n_batch >> fa >> tk >> tv >> unified >> swa_full;

        llama_context_params cp = llama_context_default_params();
        cp.n_ctx           = n_ctx;
        cp.n_seq_max       = n_seq;
        cp.n_ubatch        = n_ubatch;
        cp.n_batch         = n_batch;
        cp.flash_attn_type = fa == "on" ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
        cp.type_k          = parse_type(tk);
        cp.type_v          = parse_type(tv);
        cp.kv_unified      = unified != 0;
        cp.swa_full        = swa_full != 0; // library default is true; llama-server/llama-cli (common.h) use false
        cp.n_threads       = 1;
        cp.n_threads_batch = 1;

        llama_context * ctx = llama_init_from_model(model, cp);
        if (!ctx) {
            printf("%s,ERROR,context creation failed\n", cs.c_str());
            fflush(stdout);
            continue;
        }

        size_t kv = 0, kv_swa = 0, kk = 0, kvv = 0, sk = 0, sv = 0;
        llama_memory_i * mem = ctx->get_memory();
        if (auto * iswa = dynamic_cast<llama_kv_cache_iswa *>(mem)) {
            kv     = sum(iswa->get_base()->memory_breakdown());
            kv_swa = sum(iswa->get_swa()->memory_breakdown());
            kk = iswa->get_base()->size_k_bytes();
            kvv = iswa->get_base()->size_v_bytes();
            sk = iswa->get_swa()->size_k_bytes();
            sv = iswa->get_swa()->size_v_bytes();
        } else if (auto * kvc = dynamic_cast<llama_kv_cache *>(mem)) {
            kv  = sum(kvc->memory_breakdown());
            kk  = kvc->size_k_bytes();
            kvv = kvc->size_v_bytes();
        } else if (mem) {
            kv = sum(mem->memory_breakdown());
        }

        size_t compute = 0;
        for (const auto & [buft, d] : llama_get_memory_breakdown(ctx)) {
            compute += d.compute;
        }
        const size_t output = ctx->buf_output ? ggml_backend_buffer_get_size(ctx->buf_output.get()) : 0;

        printf("%s,%u,%u,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%zu,%s,%s\n", cs.c_str(), llama_n_ctx(ctx),
               llama_n_ctx_seq(ctx), sum(model_mb), kv, kv_swa, compute, output, kk, kvv, sk, sv,
               bufs.str().c_str(), ctx->cparams.flash_attn ? "on" : "off");
        fflush(stdout);
        llama_free(ctx);
    }
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
