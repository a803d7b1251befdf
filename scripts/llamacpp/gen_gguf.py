#!/usr/bin/env python3
"""Write sparse GGUF files with the exact tensor names, shapes and types of real models.

Part of scripts/llamacpp/measure.sh -- NEVER run in CI (it needs the llama.cpp build).

The shapes come from the Hugging Face config.json copies in data/catalog.json (`models[].config`).
Tensor names/shapes follow the vendored llama.cpp's loaders (src/models/<arch>.cpp, create_tensor)
and its converter (conversion/base.py: 1-D tensors, norms, ffn_gate_inp and biases are F32, the
rest F16/BF16 at conversion). The per-tensor types of a quantized ftype are asked of the vendored
llama.cpp itself via the `qtypes` tool (llama_quant_compute_types = llama-quantize's
llama_tensor_get_type). Only the header is written; the file is then extended to its full size
with truncate (sparse, no data on disk). The vocabulary is a SentencePiece-style ("llama") one
with n_vocab compact tokens.

usage: gen_gguf.py CATALOG.json QTYPES_BIN OUT_DIR MODELS_JSON_DIR model:ftype [model:ftype ...]
"""
import json
import os
import subprocess
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

FTYPES = {  # llama_ftype values (include/llama.h)
    "F16": 1, "Q8_0": 7, "Q4_K_M": 15, "MXFP4_MOE": 38,
}
HF_REPO = {}


def norm_cfg(c):
    c = dict(c)
    if "rope_parameters" in c and "rope_theta" not in c:
        c["rope_theta"] = c["rope_parameters"].get("rope_theta")
    return c


def tensors_llama(c):
    e, L, nh, nkv = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["num_key_value_heads"]
    hd = c.get("head_dim") or e // nh
    ff, V = c["intermediate_size"], c["vocab_size"]
    t = [("token_embd.weight", [e, V]), ("output_norm.weight", [e])]
    if not c.get("tie_word_embeddings"):
        t.append(("output.weight", [e, V]))
    if (c.get("rope_scaling") or {}).get("rope_type") == "llama3" or c.get("_llama3_rope"):
        t.append(("rope_freqs.weight", [hd // 2]))
    for i in range(L):
        p = f"blk.{i}."
        t += [(p + "attn_norm.weight", [e]), (p + "attn_q.weight", [e, nh * hd]), (p + "attn_k.weight", [e, nkv * hd]),
              (p + "attn_v.weight", [e, nkv * hd]), (p + "attn_output.weight", [nh * hd, e]), (p + "ffn_norm.weight", [e]),
              (p + "ffn_gate.weight", [e, ff]), (p + "ffn_up.weight", [e, ff]), (p + "ffn_down.weight", [ff, e])]
    return t


def tensors_qwen2(c):
    t = tensors_llama(c)
    e, nh, nkv = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
    hd = e // nh
    out = []
    for name, shape in t:
        out.append((name, shape))
        for w, n in (("attn_q", nh * hd), ("attn_k", nkv * hd), ("attn_v", nkv * hd)):
            if name.endswith(w + ".weight"):
                out.append((name[:-len("weight")] + "bias", [n]))
    return out


def tensors_qwen3moe(c):
    e, L, nh, nkv, hd = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    V, ffe = c["vocab_size"], c["moe_intermediate_size"]
    ne = c.get("num_experts") or c["num_local_experts"]
    t = [("token_embd.weight", [e, V]), ("output_norm.weight", [e])]
    if not c.get("tie_word_embeddings"):
        t.append(("output.weight", [e, V]))
    for i in range(L):
        p = f"blk.{i}."
        t += [(p + "attn_norm.weight", [e]), (p + "attn_q.weight", [e, nh * hd]), (p + "attn_k.weight", [e, nkv * hd]),
              (p + "attn_v.weight", [e, nkv * hd]), (p + "attn_output.weight", [nh * hd, e]),
              (p + "attn_q_norm.weight", [hd]), (p + "attn_k_norm.weight", [hd]), (p + "ffn_norm.weight", [e]),
              (p + "ffn_gate_inp.weight", [e, ne]), (p + "ffn_gate_exps.weight", [e, ffe, ne]),
              (p + "ffn_up_exps.weight", [e, ffe, ne]), (p + "ffn_down_exps.weight", [ffe, e, ne])]
    return t


def tensors_gemma3(c):
    e, L, nh, nkv, hd = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    ff, V = c["intermediate_size"], c["vocab_size"]
    t = [("token_embd.weight", [e, V]), ("output_norm.weight", [e])]
    for i in range(L):
        p = f"blk.{i}."
        t += [(p + "attn_norm.weight", [e]), (p + "attn_q.weight", [e, nh * hd]), (p + "attn_k.weight", [e, nkv * hd]),
              (p + "attn_v.weight", [e, nkv * hd]), (p + "attn_output.weight", [nh * hd, e]),
              (p + "attn_q_norm.weight", [hd]), (p + "attn_k_norm.weight", [hd]), (p + "post_attention_norm.weight", [e]),
              (p + "ffn_norm.weight", [e]), (p + "ffn_gate.weight", [e, ff]), (p + "ffn_up.weight", [e, ff]),
              (p + "ffn_down.weight", [ff, e]), (p + "post_ffw_norm.weight", [e])]
    return t


def tensors_gptoss(c):
    e, L, nh, nkv, hd = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    V, ffe, ne = c["vocab_size"], c["intermediate_size"], c["num_local_experts"]
    t = [("token_embd.weight", [e, V]), ("output_norm.weight", [e]), ("output.weight", [e, V])]
    for i in range(L):
        p = f"blk.{i}."
        t += [(p + "attn_norm.weight", [e]), (p + "post_attention_norm.weight", [e]),
              (p + "attn_q.weight", [e, nh * hd]), (p + "attn_q.bias", [nh * hd]),
              (p + "attn_k.weight", [e, nkv * hd]), (p + "attn_k.bias", [nkv * hd]),
              (p + "attn_v.weight", [e, nkv * hd]), (p + "attn_v.bias", [nkv * hd]),
              (p + "attn_output.weight", [nh * hd, e]), (p + "attn_output.bias", [e]),
              (p + "attn_sinks.weight", [nh]),
              (p + "ffn_gate_inp.weight", [e, ne]), (p + "ffn_gate_inp.bias", [ne]),
              (p + "ffn_gate_exps.weight", [e, ffe, ne]), (p + "ffn_gate_exps.bias", [ffe, ne]),
              (p + "ffn_up_exps.weight", [e, ffe, ne]), (p + "ffn_up_exps.bias", [ffe, ne]),
              (p + "ffn_down_exps.weight", [ffe, e, ne]), (p + "ffn_down_exps.bias", [e, ne])]
    return t


def tensors_deepseek2(c):
    e, L, nh = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"]
    V, ff, ffe = c["vocab_size"], c["intermediate_size"], c["moe_intermediate_size"]
    kvr, nope, rope, vd = c["kv_lora_rank"], c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
    ne, nsh, dense = c["n_routed_experts"], c["n_shared_experts"], c["first_k_dense_replace"]
    qr = c.get("q_lora_rank")
    t = [("token_embd.weight", [e, V]), ("output_norm.weight", [e])]
    if not c.get("tie_word_embeddings"):
        t.append(("output.weight", [e, V]))
    for i in range(L):
        p = f"blk.{i}."
        t += [(p + "attn_norm.weight", [e]), (p + "attn_kv_a_norm.weight", [kvr])]
        if qr:
            t += [(p + "attn_q_a_norm.weight", [qr]), (p + "attn_q_a.weight", [e, qr]), (p + "attn_q_b.weight", [qr, nh * (nope + rope)])]
        else:
            t += [(p + "attn_q.weight", [e, nh * (nope + rope)])]
        t += [(p + "attn_kv_a_mqa.weight", [e, kvr + rope]), (p + "attn_k_b.weight", [nope, kvr, nh]),
              (p + "attn_v_b.weight", [kvr, vd, nh]), (p + "attn_output.weight", [nh * vd, e]), (p + "ffn_norm.weight", [e])]
        if i < dense:
            t += [(p + "ffn_gate.weight", [e, ff]), (p + "ffn_up.weight", [e, ff]), (p + "ffn_down.weight", [ff, e])]
        else:
            t += [(p + "ffn_gate_inp.weight", [e, ne]), (p + "ffn_gate_exps.weight", [e, ffe, ne]),
                  (p + "ffn_up_exps.weight", [e, ffe, ne]), (p + "ffn_down_exps.weight", [ffe, e, ne]),
                  (p + "ffn_gate_shexp.weight", [e, ffe * nsh]), (p + "ffn_up_shexp.weight", [e, ffe * nsh]),
                  (p + "ffn_down_shexp.weight", [ffe * nsh, e])]
    return t


def meta(arch, c):
    """GGUF metadata as convert_hf_to_gguf.py (vendored) writes it for this architecture."""
    e, L, nh = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"]
    m = {
        f"{arch}.context_length": c["max_position_embeddings"], f"{arch}.embedding_length": e,
        f"{arch}.block_count": L, f"{arch}.attention.head_count": nh,
        f"{arch}.attention.head_count_kv": c.get("num_key_value_heads", nh),
        f"{arch}.rope.freq_base": float(c.get("rope_theta") or 10000.0),
        f"{arch}.attention.layer_norm_rms_epsilon": float(c["rms_norm_eps"]),
        f"{arch}.feed_forward_length": c["intermediate_size"],
    }
    if arch == "llama":
        m[f"{arch}.rope.dimension_count"] = e // nh
        m[f"{arch}.vocab_size"] = c["vocab_size"]
    if arch == "qwen3moe":
        m.update({f"{arch}.attention.key_length": c["head_dim"], f"{arch}.attention.value_length": c["head_dim"],
                  f"{arch}.expert_count": c.get("num_experts") or c["num_local_experts"],
                  f"{arch}.expert_used_count": c["num_experts_per_tok"],
                  f"{arch}.expert_feed_forward_length": c["moe_intermediate_size"]})
    if arch == "gemma3":
        m.update({f"{arch}.attention.key_length": c["head_dim"], f"{arch}.attention.value_length": c["head_dim"],
                  f"{arch}.attention.sliding_window": c["sliding_window"]})
        rs = c.get("rope_scaling") or {}
        if rs.get("rope_type") == "linear":
            m[f"{arch}.rope.scaling.type"] = "linear"
            m[f"{arch}.rope.scaling.factor"] = float(rs["factor"])
    if arch == "gpt-oss":
        rs = c["rope_scaling"]
        m.update({f"{arch}.attention.key_length": c["head_dim"], f"{arch}.attention.value_length": c["head_dim"],
                  f"{arch}.attention.sliding_window": c["sliding_window"],
                  f"{arch}.expert_count": c["num_local_experts"], f"{arch}.expert_used_count": c["experts_per_token"],
                  f"{arch}.expert_feed_forward_length": c["intermediate_size"],
                  f"{arch}.rope.scaling.type": "yarn", f"{arch}.rope.scaling.factor": float(rs["factor"]),
                  f"{arch}.rope.scaling.original_context_length": rs["original_max_position_embeddings"]})
    if arch == "deepseek2":
        kvr, nope, rope, vd = c["kv_lora_rank"], c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
        rs = c.get("rope_scaling") or {}
        m.update({f"{arch}.attention.head_count_kv": 1, f"{arch}.vocab_size": c["vocab_size"],
                  f"{arch}.leading_dense_block_count": c["first_k_dense_replace"],
                  f"{arch}.attention.kv_lora_rank": kvr,
                  f"{arch}.attention.key_length": kvr + rope, f"{arch}.attention.value_length": kvr,
                  f"{arch}.attention.key_length_mla": nope + rope, f"{arch}.attention.value_length_mla": vd,
                  f"{arch}.expert_feed_forward_length": c["moe_intermediate_size"],
                  f"{arch}.expert_count": c["n_routed_experts"], f"{arch}.expert_shared_count": c["n_shared_experts"],
                  f"{arch}.expert_weights_scale": float(c.get("routed_scaling_factor", 1.0)),
                  f"{arch}.expert_used_count": c["num_experts_per_tok"], f"{arch}.rope.dimension_count": rope,
                  f"{arch}.expert_gating_func": 1})
        if c.get("q_lora_rank"):
            m[f"{arch}.attention.q_lora_rank"] = c["q_lora_rank"]
        if rs.get("type") == "yarn" or rs.get("rope_type") == "yarn":
            m.update({f"{arch}.rope.scaling.type": "yarn", f"{arch}.rope.scaling.factor": float(rs["factor"]),
                      f"{arch}.rope.scaling.original_context_length": rs["original_max_position_embeddings"],
                      f"{arch}.rope.scaling.yarn_log_multiplier": 0.1 * float(rs.get("mscale_all_dim", 1.0))})
    return m


ARCH = {  # catalog id -> (gguf arch, tensor builder)
    "llama-3.1-8b": ("llama", tensors_llama),
    "qwen2.5-7b": ("qwen2", tensors_qwen2),
    "qwen3-30b-a3b": ("qwen3moe", tensors_qwen3moe),
    "gemma-3-12b": ("gemma3", tensors_gemma3),
    "gpt-oss-20b": ("gpt-oss", tensors_gptoss),
    "deepseek-v2-lite": ("deepseek2", tensors_deepseek2),
}


def base_type(name, shape, ftype):
    """Type as convert_hf_to_gguf.py writes it (conversion/base.py), before llama-quantize."""
    if len(shape) <= 1 or name.endswith("_norm.weight") or "ffn_gate_inp" in name or not name.endswith(".weight"):
        return T.F32
    if "_exps." in name and ftype == "MXFP4_MOE":
        return T.MXFP4  # gpt-oss experts ship as MXFP4 and the converter keeps them (tensor_force_quant)
    return T.F16


def quant_types(qtypes_bin, arch, c, m, tensors, ftype):
    nh = c["num_attention_heads"]
    hk = m.get(f"{arch}.attention.key_length", c["hidden_size"] // nh)
    hv = m.get(f"{arch}.attention.value_length", c["hidden_size"] // nh)
    n_expert = m.get(f"{arch}.expert_count", 0)
    head = f"{arch} {c['hidden_size']} {c['intermediate_size']} {c['num_hidden_layers']} {nh} " \
           f"{m[f'{arch}.attention.head_count_kv']} {n_expert} {hk} {hv} {FTYPES[ftype]}\n"
    body = "".join(f"{n} {' '.join(str(x) for x in (s + [1, 1, 1])[:4])}\n" for n, s in tensors)
    out = subprocess.run([qtypes_bin], input=head + body, capture_output=True, text=True, check=True).stdout
    return {ln.split()[0]: ln.split()[1] for ln in out.splitlines() if ln.strip()}


def nbytes(shape, t):
    bs, ts = gguf.GGML_QUANT_SIZES[t]
    n = int(np.prod(shape))
    assert shape[0] % bs == 0, (shape, t)
    return n // bs * ts


def write(cat, qtypes_bin, out_dir, json_dir, model_id, ftype):
    entry = next(x for x in cat["models"] if x["id"] == model_id)
    c = norm_cfg(entry["config"])
    if model_id.startswith("llama-3.1"):
        # the hub's Llama-3.1 config has rope_scaling {"rope_type": "llama3", ...}; the catalog's
        # transformers-5 copy drops it. convert_hf_to_gguf writes rope_freqs.weight for it.
        c["_llama3_rope"] = True
    arch, builder = ARCH[model_id]
    tensors = builder(c)
    m = meta(arch, c)
    types = {n: base_type(n, s, ftype) for n, s in tensors}
    if ftype != "F16":
        for n, tn in quant_types(qtypes_bin, arch, c, m, tensors, ftype).items():
            types[n] = T[tn.upper()]
    n_vocab = c["vocab_size"]
    path = os.path.join(out_dir, f"{model_id}-{ftype}.gguf")
    w = gguf.GGUFWriter(path, arch)
    w.add_name(entry["name"])
    w.add_file_type(FTYPES[ftype])
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    for k, v in m.items():
        if isinstance(v, str):
            w.add_string(k, v)
        elif isinstance(v, float):
            w.add_float32(k, v)
        else:
            w.add_uint32(k, int(v))
    # SentencePiece-style vocabulary: <unk> <s> </s>, the 256 byte tokens, then compact names
    toks = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    toks += [f"<t{i}>" for i in range(len(toks), n_vocab)]
    ttypes = [2, 3, 3] + [6] * 256 + [1] * (n_vocab - 259)
    w.add_tokenizer_model("llama")
    w.add_token_list(toks)
    w.add_token_scores([0.0] * n_vocab)
    w.add_token_types(ttypes)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    total = 0
    for n, s in tensors:
        nb = nbytes(s, types[n])
        w.add_tensor_info(n, list(reversed(s)), np.float32, nb, raw_dtype=types[n])
        total += (nb + 31) // 32 * 32
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    hdr = os.path.getsize(path)
    data_start = (hdr + w.data_alignment - 1) // w.data_alignment * w.data_alignment
    os.truncate(path, data_start + total)

    md = {k: v for k, v in m.items()}
    md.update({"general.architecture": arch, "general.name": entry["name"], "general.file_type": FTYPES[ftype],
               "general.quantization_version": gguf.GGML_QUANT_VERSION, "tokenizer.ggml.model": "llama",
               "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2,
               "tokenizer.ggml.unknown_token_id": 0, "tokenizer.ggml.tokens.count": n_vocab})
    doc = {"model": model_id, "ftype": ftype, "hf_repo": entry["hf_repo"], "gguf_bytes": data_start + total,
           "metadata": dict(sorted(md.items())),
           "tensors": [{"name": n, "type": types[n].name, "shape": s} for n, s in tensors]}
    with open(os.path.join(json_dir, f"{model_id}-{ftype}.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(path, data_start + total)


def main():
    cat_path, qtypes_bin, out_dir, json_dir = sys.argv[1:5]
    cat = json.load(open(cat_path))
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(json_dir, exist_ok=True)
    for spec in sys.argv[5:]:
        model_id, ftype = spec.split(":")
        write(cat, qtypes_bin, out_dir, json_dir, model_id, ftype)


if __name__ == "__main__":
    main()
