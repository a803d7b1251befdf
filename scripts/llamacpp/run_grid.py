#!/usr/bin/env python3
"""Run the probe over the grid and write data/llamacpp/buffers.csv.

Part of scripts/llamacpp/measure.sh -- NEVER run in CI (it needs the llama.cpp build and the
sparse GGUFs of gen_gguf.py).

usage: run_grid.py PROBE GGUF_DIR OUT_CSV model:ftype [model:ftype ...]
"""
import csv
import os
import subprocess
import sys

HEADER = ["case", "model", "ftype", "n_ctx_req", "n_seq", "n_ubatch", "n_batch", "flash_attn", "type_k", "type_v",
          "n_ctx", "model_bytes", "kv_bytes", "kv_swa_bytes", "compute_bytes", "output_bytes",
          # extra columns (after the contract's): llama_n_ctx_seq, the kv_unified flag, the K and V parts
          # of each KV cache (llama_kv_cache::size_k_bytes/size_v_bytes) and the model buffers by type
          "n_ctx_seq", "kv_unified", "swa_full", "kv_k_bytes", "kv_v_bytes", "kv_swa_k_bytes", "kv_swa_v_bytes", "model_buffers"]

# n_ctx, n_seq, n_ubatch, n_batch, flash_attn, type_k, type_v, kv_unified (swa_full = 0 unless SWA_FULL)
BASE = [
    (4096, 1, 512, 2048, "off", "f16", "f16", 0),
    (4096, 1, 512, 2048, "on", "f16", "f16", 0),
    (32768, 1, 512, 2048, "off", "f16", "f16", 0),
    (32768, 1, 512, 2048, "on", "f16", "f16", 0),
    (8192, 1, 512, 2048, "on", "q8_0", "q8_0", 0),
    (8192, 1, 512, 2048, "on", "q4_0", "q4_0", 0),
    (8192, 1, 512, 2048, "off", "q8_0", "f16", 0),   # a quantized K alone does not need flash attention
    (8192, 1, 128, 128, "on", "f16", "f16", 0),
    (8192, 1, 2048, 2048, "on", "f16", "f16", 0),
    (8192, 1, 512, 4096, "off", "f16", "f16", 0),
    (8192, 2, 256, 1024, "off", "f16", "f16", 0),
    (16384, 4, 512, 2048, "on", "f16", "f16", 0),
    (16384, 4, 512, 2048, "on", "f16", "f16", 1),
    (5000, 1, 512, 2048, "off", "f16", "f16", 0),      # not a multiple of 256: llama.cpp pads n_ctx
]
# long contexts only where the KV buffer stays < 6 GiB (the measuring machine has 24 GB)
LONG = {
    "qwen2.5-7b": [(65536, 1, 512, 2048, "on", "f16", "f16", 0)],
    "gemma-3-12b": [(65536, 1, 512, 2048, "on", "f16", "f16", 0)],
    "gpt-oss-20b": [(65536, 1, 512, 2048, "on", "f16", "f16", 0), (131072, 1, 512, 2048, "on", "f16", "f16", 0)],
    "deepseek-v2-lite": [(65536, 1, 512, 2048, "on", "f16", "f16", 0), (131072, 1, 512, 2048, "on", "q8_0", "q8_0", 0)],
}
SWA = {"gemma-3-12b", "gpt-oss-20b"}
# --swa-full (the library's default; llama-server/llama-cli default to a small SWA cache)
SWA_FULL = [(8192, 1, 512, 2048, "on", "f16", "f16", 0), (16384, 4, 512, 2048, "on", "f16", "f16", 0)]
MLA = {"deepseek-v2-lite"}  # llama.cpp refuses type_k != type_v for MLA models (llama-context.cpp)


def grid(model):
    rows = [r + (0,) for r in BASE + LONG.get(model, [])]
    if model in SWA:
        rows += [r + (1,) for r in SWA_FULL]
    if model in MLA:
        rows = [r for r in rows if r[5] == r[6]]
    return rows


def main():
    probe, gguf_dir, out_csv = sys.argv[1:4]
    existing = []
    out = []
    for spec in sys.argv[4:]:
        model, ftype = spec.split(":")
        lines, meta = [], {}
        for (n_ctx, n_seq, ub, b, fa, tk, tv, uni, swf) in grid(model):
            case = f"{model}-{ftype}-c{n_ctx}-s{n_seq}-u{ub}-b{b}-fa{fa}-{tk}-{tv}" + ("-unified" if uni else "") \
                + ("-swafull" if swf else "")
            meta[case] = (model, ftype, n_ctx, n_seq, ub, b, fa, tk, tv, uni, swf)
            lines.append(f"{case} {n_ctx} {n_seq} {ub} {b} {fa} {tk} {tv} {uni} {swf}\n")
        path = os.path.join(gguf_dir, f"{model}-{ftype}.gguf")
        res = subprocess.run([probe, path], input="".join(lines), capture_output=True, text=True)
        if res.returncode != 0:
            sys.stderr.write(res.stderr[-4000:])
        for ln in res.stdout.splitlines():
            f = ln.split(",")
            if f[1] == "ERROR":
                print("REFUSED", ln, file=sys.stderr)
                continue
            (case, n_ctx, n_ctx_seq, model_b, kv, kv_swa, comp, outb, kk, kvv, sk, sv, bufs, fa_used) = f
            m = meta[case]
            assert fa_used == m[6], (case, fa_used)
            out.append([case, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], n_ctx, model_b, kv, kv_swa,
                        comp, outb, n_ctx_seq, m[9], m[10], kk, kvv, sk, sv, bufs])
        print(spec, "rows:", sum(1 for r in out if r[1] == model and r[2] == ftype), file=sys.stderr)
    with open(out_csv, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(existing + out)


if __name__ == "__main__":
    main()
