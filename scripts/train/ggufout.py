"""GGUF output for the trained llama: metadata, the (cut) LLaMA vocabulary
and tensors, written with scripts/mkmodel.py's GGUFWriter (one writer in the
repository)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import mkmodel  # noqa: E402
from mkmodel import BOOL, F32, STRING, U32  # noqa: E402

GGML_F32, GGML_F16, GGML_Q8_0, GGML_Q4_K = 0, 1, 8, 12
# general.file_type (llama_ftype) for each whole-model type.
FILE_TYPE = {GGML_F32: 0, GGML_F16: 1, GGML_Q8_0: 7, GGML_Q4_K: 15}


def read_pieces(tokenizer_model):
    return mkmodel.read_sentencepiece(tokenizer_model)


def cut_pieces(pieces, keep_ids):
    """The pieces kept, in their original order (ids renumbered densely)."""
    keep = sorted(set(keep_ids))
    return [pieces[i] for i in keep], keep


def new_writer(pieces, add_dummy_prefix, hp, name, file_type=0):
    """A writer holding every metadata key llama.cpp's llama loader reads.
    hp: dict with dim, layers, heads, kv_heads, ffn, ctx, eps, rope_base."""
    w = mkmodel.GGUFWriter(3)
    w.add("general.architecture", STRING, "llama")
    w.add("general.name", STRING, name)
    w.add("general.file_type", U32, file_type)
    w.add("general.alignment", U32, mkmodel.ALIGNMENT)
    if hp:
        w.add("llama.context_length", U32, hp["ctx"])
        w.add("llama.embedding_length", U32, hp["dim"])
        w.add("llama.block_count", U32, hp["layers"])
        w.add("llama.feed_forward_length", U32, hp["ffn"])
        w.add("llama.attention.head_count", U32, hp["heads"])
        w.add("llama.attention.head_count_kv", U32, hp["kv_heads"])
        w.add("llama.rope.dimension_count", U32, hp["dim"] // hp["heads"])
        w.add("llama.rope.freq_base", F32, float(hp["rope_base"]))
        w.add("llama.attention.layer_norm_rms_epsilon", F32, float(hp["eps"]))
    w.add("llama.vocab_size", U32, len(pieces))
    mkmodel.add_sentencepiece_vocab(w, pieces)
    w.add("tokenizer.ggml.add_bos_token", BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", BOOL, False)
    w.add("tokenizer.ggml.add_space_prefix", BOOL, add_dummy_prefix)
    return w


def write(w, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    w.write(path)
