//! Bidirectional encoders (BERT, RoBERTa, XLM-RoBERTa) read as embedding and reranker models:
//! one forward pass per request, no KV cache.
//!
//! Source: huggingface/transformers v4.57.0 `models/bert/modeling_bert.py` and
//! `models/xlm_roberta/modeling_xlm_roberta.py`:
//! - `BertEmbeddings`: `word_embeddings` (vocab × h), `position_embeddings`
//!   (`max_position_embeddings` × h), `token_type_embeddings` (`type_vocab_size` × h), `LayerNorm`
//!   (weight and bias, 2·h);
//! - per `BertLayer`: `query`/`key`/`value` Linear(h, h, bias), `attention.output.dense`
//!   Linear(h, h, bias) + LayerNorm (2·h), `intermediate.dense` Linear(h, I, bias),
//!   `output.dense` Linear(I, h, bias) + LayerNorm (2·h) — an ungated GELU MLP, no final norm;
//! - `BertPooler` (`BertModel(add_pooling_layer=True)`, the default of `XLMRobertaModel` and
//!   `BertModel`): Linear(h, h, bias);
//! - `XLMRobertaForSequenceClassification` builds `XLMRobertaModel(add_pooling_layer=False)` and
//!   `XLMRobertaClassificationHead`: `dense` Linear(h, h, bias), `out_proj` Linear(h, num_labels,
//!   bias); `BertForSequenceClassification` keeps the pooler and adds `classifier` Linear(h,
//!   num_labels, bias); `num_labels` is the length of `id2label` (PretrainedConfig default 2);
//! - `*ForMaskedLM`: no pooler; the LM head's `dense` Linear(h, h, bias) + LayerNorm and a decoder
//!   tied to the word embeddings with its own bias (vocab).

use alloc::vec::Vec;

use crate::error::InputError;
use crate::json::Value;
use crate::model::{Role, Tensor, NO_LAYER};

/// What an encoder checkpoint stores beside its layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encoder {
    /// Rows of `position_embeddings` (`max_position_embeddings`).
    pub positions: u64,
    /// Rows of `token_type_embeddings` (`type_vocab_size`).
    pub token_types: u64,
    /// `BertPooler`: Linear(h, h, bias).
    pub pooler: bool,
    /// The head on top: none, a sequence classifier with this many labels, or the masked-LM head.
    pub head: EncoderHead,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncoderHead {
    None,
    /// RoBERTa-style classification head (`dense` h → h, `out_proj` h → labels).
    RobertaClassifier(u64),
    /// BERT's `classifier` (h → labels) on the pooler.
    BertClassifier(u64),
    MaskedLm,
}

/// Reads an encoder's extras from its config; `architectures[0]` decides the head.
pub(super) fn read(f: &super::Fields, model_type: &str) -> Result<Encoder, InputError> {
    let arch_name = f.obj.get("architectures").and_then(Value::as_array).and_then(|a| a.first()).and_then(Value::as_str).unwrap_or("");
    let labels = match f.obj.get("id2label").and_then(Value::as_object) {
        Some(m) if !m.is_empty() => m.len() as u64,
        // PretrainedConfig: num_labels defaults to 2.
        _ => f.opt_u64("num_labels", super::MAX_VOCAB)?.unwrap_or(2),
    };
    let roberta = model_type != "bert";
    let head = if arch_name.ends_with("ForSequenceClassification") {
        if roberta { EncoderHead::RobertaClassifier(labels) } else { EncoderHead::BertClassifier(labels) }
    } else if arch_name.ends_with("ForMaskedLM") {
        EncoderHead::MaskedLm
    } else {
        EncoderHead::None
    };
    let pooler = match head {
        EncoderHead::None => true,
        EncoderHead::BertClassifier(_) => true,
        EncoderHead::RobertaClassifier(_) | EncoderHead::MaskedLm => false,
    };
    Ok(Encoder {
        // BertConfig default 512, type_vocab_size default 2.
        positions: f.opt_u64("max_position_embeddings", super::MAX_VOCAB)?.unwrap_or(512),
        token_types: f.opt_u64("type_vocab_size", super::MAX_VOCAB)?.unwrap_or(2),
        pooler,
        head,
    })
}

impl Encoder {
    /// Position and token-type embeddings and the embedding LayerNorm.
    pub(crate) fn push_embeddings(&self, h: u64, t: &mut Vec<Tensor>) {
        super::push(t, Role::Embed, NO_LAYER, self.positions, h, 1);
        super::push(t, Role::Embed, NO_LAYER, self.token_types, h, 1);
        super::push(t, Role::Vector, NO_LAYER, 1, 2 * h, 1);
    }

    /// The pooler and the head.
    pub(crate) fn push_head(&self, h: u64, vocab: u64, t: &mut Vec<Tensor>) {
        if self.pooler {
            super::push(t, Role::Head, NO_LAYER, h, h, 1);
            super::push(t, Role::Vector, NO_LAYER, 1, h, 1);
        }
        match self.head {
            EncoderHead::None => {}
            EncoderHead::BertClassifier(n) => {
                super::push(t, Role::Head, NO_LAYER, n, h, 1);
                super::push(t, Role::Vector, NO_LAYER, 1, n, 1);
            }
            EncoderHead::RobertaClassifier(n) => {
                super::push(t, Role::Head, NO_LAYER, h, h, 1);
                super::push(t, Role::Head, NO_LAYER, n, h, 1);
                super::push(t, Role::Vector, NO_LAYER, 1, h + n, 1);
            }
            EncoderHead::MaskedLm => {
                super::push(t, Role::Head, NO_LAYER, h, h, 1);
                super::push(t, Role::Vector, NO_LAYER, 1, 3 * h + vocab, 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Arch, LoraTargets, Task};

    fn bert_base(arch: &str) -> Arch {
        Arch::from_config_json(&format!(
            r#"{{"architectures": ["{arch}"], "model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12,
            "num_attention_heads": 12, "intermediate_size": 3072, "vocab_size": 30522, "max_position_embeddings": 512,
            "type_vocab_size": 2}}"#
        ))
        .unwrap()
    }

    #[test]
    fn bert_base_counts_exactly_and_is_an_embedding_model() {
        // bert-base-uncased as BertModel: 109,482,240 parameters (sum(p.numel()) with the pooler,
        // the figure the BERT model cards and `BertModel.num_parameters()` give).
        let a = bert_base("BertModel");
        assert_eq!(a.param_counts().0, 109_482_240);
        assert_eq!(a.ext.task, Task::Embed);
        assert!(a.layer_kinds.iter().all(|k| k.has_kv()), "attention layers, but nothing is cached (task embed)");
        // The sequence classifier adds Linear(768, 2) to the pooler.
        let c = bert_base("BertForSequenceClassification");
        assert_eq!(c.param_counts().0, 109_482_240 + 768 * 2 + 2);
        assert_eq!(c.ext.task, Task::Score);
        // LoRA targets carry BERT's module names, not q_proj…
        let names: Vec<&str> = a.lora_modules_for(&LoraTargets::Attention).unwrap().iter().take(4).map(|m| m.name).collect();
        assert_eq!(names, ["query", "key", "value", "dense"]);
        assert!(a.lora_modules_for(&LoraTargets::parse("q_proj").unwrap()).is_err());
    }

    #[test]
    fn an_embedding_model_keeps_no_kv_cache() {
        use crate::memory::{estimate, Model, Workload};
        let a = bert_base("BertModel");
        let w = Workload { batch: 32, prompt: 512, new_tokens: 0, ..Workload::default() };
        let e = estimate(&Model::new(a.clone()), &w).unwrap();
        assert_eq!(e.breakdown.kv_cache, 0);
        assert!(e.breakdown.activations > 0);
        // The same decoder read for generation keeps one; read for embedding, none.
        let cfg = r#"{"model_type": "qwen3", "hidden_size": 1024, "num_hidden_layers": 28, "num_attention_heads": 16,
            "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 3072, "vocab_size": 151669, "tie_word_embeddings": false}"#;
        let gen = Arch::from_config_json(cfg).unwrap();
        let emb = gen.clone().with_task(Task::Embed);
        assert_eq!(gen.param_counts().0 - emb.param_counts().0, 151_669 * 1024, "no LM head");
        assert!(estimate(&Model::new(gen), &w).unwrap().breakdown.kv_cache > 0);
        let e = estimate(&Model::new(emb), &w).unwrap();
        assert_eq!(e.breakdown.kv_cache, 0);
        // Twice the batch, about twice the activations (batch × sequence).
        let e2 = estimate(&Model::new(a), &Workload { batch: 64, ..w.clone() }).unwrap();
        let one = estimate(&Model::new(bert_base("BertModel")), &w).unwrap();
        assert!(e2.breakdown.activations > one.breakdown.activations * 19 / 10);
    }
}
