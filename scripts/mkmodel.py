#!/usr/bin/env python3
"""Writes a llama-architecture GGUF model for EMBODIOS's tests (python3
standard library only).

The shape is TinyStories-15M's (dim 288, 6 layers, 6 heads, FFN 768, context
256, vocabulary 32000, classifier shared with the embedding: 15.2M
parameters); the weights are deterministic, not trained. The vocabulary is
LLaMA's real SentencePiece model (tokenizer.model: 32000 pieces with their
scores and types), read from the file tools/fetch-vocab.mjs extracts.

  mkmodel.py --vocab build/models/tokenizer.model --out model.gguf
             [--version 2|3] [--type f32|f16] [--tokenizer llama|gpt2]
             [--layers N] [--vocab-only] [--untied-output]
             [--user-token TEXT]... [--add-eos]

--user-token appends a user-defined token (type 4, score 0) after LLaMA's
32000 pieces (vocabulary-only files: the embedding has 32000 rows);
--add-eos sets tokenizer.ggml.add_eos_token. Both change token ids, as in
llama.cpp: user-defined tokens are split out of the text before encoding.

The tensors are named as llama.cpp's llama architecture names them. There is
no output.weight by default: TinyStories-15M shares its classifier with the
embedding (llama.cpp then uses token_embd.weight), which is what makes it
15M; --untied-output adds output.weight [288, 32000] (24.4M parameters).
"""
import argparse
import array
import os
import struct
import sys

# GGUF metadata value types
U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
GGML_F32, GGML_F16, GGML_BF16 = 0, 1, 30
ALIGNMENT = 32


def read_sentencepiece(path):
    """Parses the pieces (text, score, type) out of a SentencePiece
    ModelProto: field 1 = repeated SentencePiece {1: piece, 2: score, 3: type},
    field 3 = NormalizerSpec {3: add_dummy_prefix}."""
    data = open(path, "rb").read()

    def varint(buf, i):
        shift = value = 0
        while True:
            b = buf[i]
            i += 1
            value |= (b & 0x7F) << shift
            if b < 0x80:
                return value, i
            shift += 7

    def fields(buf):
        i = 0
        while i < len(buf):
            key, i = varint(buf, i)
            num, wire = key >> 3, key & 7
            if wire == 0:
                val, i = varint(buf, i)
            elif wire == 1:
                val, i = buf[i:i + 8], i + 8
            elif wire == 2:
                n, i = varint(buf, i)
                val, i = buf[i:i + n], i + n
            elif wire == 5:
                val, i = buf[i:i + 4], i + 4
            else:
                raise ValueError(f"unsupported protobuf wire type {wire}")
            yield num, wire, val

    pieces, add_dummy_prefix = [], True
    for num, wire, val in fields(data):
        if num == 1 and wire == 2:
            text, score, kind = b"", 0.0, 1
            for n2, w2, v2 in fields(val):
                if n2 == 1:
                    text = bytes(v2)
                elif n2 == 2 and w2 == 5:
                    score = struct.unpack("<f", v2)[0]
                elif n2 == 3:
                    kind = v2
            pieces.append((text, score, kind))
        elif num == 3 and wire == 2:
            for n2, _, v2 in fields(val):
                if n2 == 3:
                    add_dummy_prefix = bool(v2)
    return pieces, add_dummy_prefix


class GGUFWriter:
    def __init__(self, version):
        self.version = version
        self.kv = []
        self.tensors = []

    @staticmethod
    def _str(s):
        b = s if isinstance(s, bytes) else s.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    def add(self, key, vtype, value, elem_type=None):
        self.kv.append((key, vtype, value, elem_type))

    def _value(self, vtype, value, elem_type):
        scalar = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
                  BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}
        if vtype == STRING:
            return self._str(value)
        if vtype == ARRAY:
            out = [struct.pack("<IQ", elem_type, len(value))]
            if elem_type == STRING:
                out += [self._str(v) for v in value]
            else:
                out.append(struct.pack("<%d%s" % (len(value), scalar[elem_type][1]), *value))
            return b"".join(out)
        return struct.pack(scalar[vtype], value)

    def add_tensor(self, name, dims, ggml_type, data):
        self.tensors.append((name, dims, ggml_type, data))

    def write(self, path):
        with open(path, "wb") as f:
            f.write(b"GGUF" + struct.pack("<IQQ", self.version, len(self.tensors), len(self.kv)))
            for key, vtype, value, elem_type in self.kv:
                f.write(self._str(key) + struct.pack("<I", vtype) + self._value(vtype, value, elem_type))
            offset = 0
            for name, dims, ggml_type, data in self.tensors:
                f.write(self._str(name) + struct.pack("<I", len(dims)) +
                        struct.pack("<%dQ" % len(dims), *dims) + struct.pack("<IQ", ggml_type, offset))
                offset += (len(data) + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
            f.write(b"\0" * (-f.tell() % ALIGNMENT))
            for _, _, _, data in self.tensors:
                f.write(data)
                f.write(b"\0" * (-len(data) % ALIGNMENT))


PERIOD = 65521   # a prime: no two rows of any shape here repeat each other


def add_sentencepiece_vocab(w, pieces, model="llama"):
    """A SentencePiece vocabulary's keys: (text, score, type) pieces and the
    special ids <unk> 0, <s> 1, </s> 2."""
    w.add("tokenizer.ggml.model", STRING, model)
    w.add("tokenizer.ggml.tokens", ARRAY, [p[0] for p in pieces], STRING)
    w.add("tokenizer.ggml.scores", ARRAY, [p[1] for p in pieces], F32)
    w.add("tokenizer.ggml.token_type", ARRAY, [p[2] for p in pieces], I32)
    w.add("tokenizer.ggml.bos_token_id", U32, 1)
    w.add("tokenizer.ggml.eos_token_id", U32, 2)
    w.add("tokenizer.ggml.unknown_token_id", U32, 0)


def weights(count, seed, ggml_type, constant=None):
    """Deterministic values in [-0.1, 0.1): a 65521-value block that depends
    on the seed, repeated (fast: no per-value Python loop over millions).
    The period is prime, so rows of any width never repeat within a tensor
    (a power-of-two period made whole embedding rows equal, which ties the
    logits of many tokens)."""
    if constant is not None:
        block = [constant] * PERIOD
    else:
        x = (seed * 2654435761 + 12345) & 0xFFFFFFFF
        block = []
        for _ in range(PERIOD):
            x = (x * 1664525 + 1013904223) & 0xFFFFFFFF      # LCG; the top bits are well mixed
            block.append(((x >> 8) % 20000 - 10000) / 100000.0)
    if ggml_type == GGML_F32:
        raw = array.array("f", block).tobytes()
    elif ggml_type == GGML_BF16:
        raw = b"".join(struct.pack("<H", bf16_bits(v)) for v in block)
    else:
        raw = struct.pack("<%de" % PERIOD, *block)
    size = 4 if ggml_type == GGML_F32 else 2
    reps = -(-count // PERIOD)
    return (raw * reps)[:count * size]


def bf16_bits(v):
    """ggml's fp32 -> bf16: round to nearest even (NaN aside)."""
    u = struct.unpack("<I", struct.pack("<f", v))[0]
    return ((u + (0x7FFF + ((u >> 16) & 1))) >> 16) & 0xFFFF


QUANT_TYPES = {"q4_0": 2, "q4_1": 3, "q5_0": 6, "q5_1": 7, "q8_0": 8, "q2_k": 10, "q3_k": 11,
               "q4_k": 12, "q5_k": 13, "q6_k": 14}
QUANTIZE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "quantize")


class Quantized:
    """Adds matrices in a quantized type: the float32 weights go through the
    math layer's quantizer (tools/quantize, `make build/quantize`)."""

    def __init__(self, w, name):
        self.w, self.name, self.type = w, name, QUANT_TYPES[name]

    # llama.cpp's fallback (llama-quant.cpp) for K-quant rows that are not
    # whole 256-blocks, e.g. the 15M shape's 288 columns: what Q4_K_M gives there.
    FALLBACK = {"q2_k": "q4_0", "q3_k": "q4_0", "q4_k": "q5_0", "q5_k": "q5_1", "q6_k": "q8_0"}

    def add_tensor(self, tname, dims, ggml_type, data):
        if ggml_type != GGML_F32 or len(dims) < 2:
            return self.w.add_tensor(tname, dims, ggml_type, data)
        import subprocess
        name = self.name
        if name in self.FALLBACK and dims[0] % 256:
            name = self.FALLBACK[name]
        out = subprocess.run([QUANTIZE, name, str(dims[1]), str(dims[0])], input=data,
                             capture_output=True, check=True).stdout
        self.w.add_tensor(tname, dims, QUANT_TYPES[name], out)


def llama_tensors(w, args):
    dim, ffn, vocab = args.dim, args.ffn, 32000
    kv_dim = dim // args.heads * args.kv_heads
    if args.type in QUANT_TYPES:
        w = Quantized(w, args.type)
        t = GGML_F32
    else:
        t = {"f32": GGML_F32, "f16": GGML_F16, "bf16": GGML_BF16}[args.type]
    seed = iter(range(1, 1000))
    w.add_tensor("token_embd.weight", [dim, vocab], t, weights(dim * vocab, next(seed), t))
    for layer in range(args.layers):
        p = f"blk.{layer}."
        w.add_tensor(p + "attn_norm.weight", [dim], GGML_F32, weights(dim, 0, GGML_F32, 1.0))
        for name, rows in (("attn_q", dim), ("attn_k", kv_dim), ("attn_v", kv_dim), ("attn_output", dim)):
            w.add_tensor(p + name + ".weight", [dim, rows], t, weights(dim * rows, next(seed), t))
        if args.arch == "qwen2":                   # qwen2: biases on Q, K and V (always F32)
            for name, rows in (("attn_q", dim), ("attn_k", kv_dim), ("attn_v", kv_dim)):
                w.add_tensor(p + name + ".bias", [rows], GGML_F32, weights(rows, next(seed) + 500, GGML_F32))
        w.add_tensor(p + "ffn_norm.weight", [dim], GGML_F32, weights(dim, 0, GGML_F32, 1.0))
        w.add_tensor(p + "ffn_gate.weight", [dim, ffn], t, weights(dim * ffn, next(seed), t))
        w.add_tensor(p + "ffn_down.weight", [ffn, dim], t, weights(dim * ffn, next(seed), t))
        w.add_tensor(p + "ffn_up.weight", [dim, ffn], t, weights(dim * ffn, next(seed), t))
    w.add_tensor("output_norm.weight", [dim], GGML_F32, weights(dim, 0, GGML_F32, 1.0))
    if args.rope_freqs:                        # factors from 1 to 8, as Llama 3.1's long-wavelength ones
        half = dim // args.heads // 2
        w.add_tensor("rope_freqs.weight", [half], GGML_F32,
                     array.array("f", [1.0 + 7.0 * i / max(half - 1, 1) for i in range(half)]).tobytes())
    if args.untied_output:
        w.add_tensor("output.weight", [dim, vocab], t, weights(dim * vocab, next(seed), t))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab", required=True, help="SentencePiece tokenizer.model (tools/fetch-vocab.mjs)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", type=int, choices=(2, 3), default=3)
    ap.add_argument("--type", choices=("f32", "f16", "bf16") + tuple(QUANT_TYPES), default="f32")
    ap.add_argument("--dim", type=int, default=288, help="embedding width (default 288)")
    ap.add_argument("--ffn", type=int, default=768, help="feed-forward width (default 768)")
    ap.add_argument("--heads", type=int, default=6, help="attention heads (default 6)")
    ap.add_argument("--kv-heads", type=int, default=0, help="key/value heads (default: --heads)")
    ap.add_argument("--ctx", type=int, default=256, help="context_length (default 256)")
    ap.add_argument("--rope-scale", type=float, default=0, help="rope.scaling.factor (linear RoPE scaling)")
    ap.add_argument("--rope-freqs", action="store_true", help="add rope_freqs.weight (Llama 3 frequency factors)")
    ap.add_argument("--arch", default="llama", help="general.architecture (tests of refusal; default llama)")
    ap.add_argument("--tokenizer", choices=("llama", "gpt2"), default="llama")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--vocab-only", action="store_true", help="metadata and vocabulary, no tensors")
    ap.add_argument("--untied-output", action="store_true", help="add output.weight (not shared with token_embd)")
    ap.add_argument("--user-token", action="append", default=[], help="append a user-defined token")
    ap.add_argument("--add-eos", action="store_true", help="set tokenizer.ggml.add_eos_token")
    args = ap.parse_args()
    args.kv_heads = args.kv_heads or args.heads
    if args.dim % args.heads or args.heads % args.kv_heads:
        sys.exit("mkmodel: --dim must be a multiple of --heads, and --heads of --kv-heads")
    if args.user_token and not args.vocab_only:
        sys.exit("mkmodel: --user-token only with --vocab-only (the embedding has 32000 rows)")

    pieces, add_dummy_prefix = read_sentencepiece(args.vocab)
    if len(pieces) != 32000:
        sys.exit(f"mkmodel: expected 32000 pieces in {args.vocab}, found {len(pieces)}")
    USER_DEFINED = 4
    pieces = pieces + [(t, 0.0, USER_DEFINED) for t in args.user_token]
    w = GGUFWriter(args.version)
    w.add("general.architecture", STRING, args.arch)
    w.add("general.name", STRING, "tinystories-15m (EMBODIOS synthetic weights)")
    ftype = {"f32": 0, "f16": 1, "bf16": 32, "q4_0": 2, "q4_1": 3, "q8_0": 7, "q5_0": 8, "q5_1": 9,
             "q2_k": 10, "q3_k": 12, "q4_k": 15, "q5_k": 17, "q6_k": 18}[args.type]   # llama_ftype (_M for K)
    w.add("general.file_type", U32, ftype)
    w.add("general.alignment", U32, ALIGNMENT)
    w.add(args.arch + ".context_length", U32, args.ctx)
    w.add(args.arch + ".embedding_length", U32, args.dim)
    w.add(args.arch + ".block_count", U32, args.layers)
    w.add(args.arch + ".feed_forward_length", U32, args.ffn)
    w.add(args.arch + ".attention.head_count", U32, args.heads)
    w.add(args.arch + ".attention.head_count_kv", U32, args.kv_heads)
    w.add(args.arch + ".rope.dimension_count", U32, args.dim // args.heads)
    w.add(args.arch + ".attention.layer_norm_rms_epsilon", F32, 1e-5)
    w.add(args.arch + ".vocab_size", U32, len(pieces))
    if args.rope_scale:
        w.add(args.arch + ".rope.scaling.type", STRING, "linear")
        w.add(args.arch + ".rope.scaling.factor", F32, args.rope_scale)
    add_sentencepiece_vocab(w, pieces, args.tokenizer)
    w.add("tokenizer.ggml.padding_token_id", U32, 0)
    w.add("tokenizer.ggml.add_bos_token", BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", BOOL, args.add_eos)
    w.add("tokenizer.ggml.add_space_prefix", BOOL, add_dummy_prefix)
    if not args.vocab_only:
        llama_tensors(w, args)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    w.write(args.out)
    print(f"mkmodel: wrote {args.out} ({os.path.getsize(args.out)} bytes, GGUF v{args.version}, "
          f"{args.type}, {len(w.tensors)} tensors, tokenizer {args.tokenizer})")


if __name__ == "__main__":
    main()
