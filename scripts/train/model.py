"""The llama architecture exactly as llama.cpp runs a GGUF "llama" model, in
PyTorch: pre-norm blocks with RMSNorm (eps 1e-5, weight times normalized x),
multi-head causal attention with RoPE applied to ADJACENT pairs (x[2i],
x[2i+1]) of each head - what llama.cpp's LLAMA rope mode does to the weights
it reads - SwiGLU feed-forward down(silu(gate(x)) * up(x)), final RMSNorm and
a classifier tied to the token embedding. Because training uses the adjacent
pair rotation, the q/k weights are exported as they are (no permutation as
HF-converted checkpoints need). Linear weights are [out, in], which is the
GGUF layout (ne0 = in)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(head_dim, ctx, base):
    inv = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    ang = torch.arange(ctx, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def apply_rope(x, cos, sin):
    # x: [B, H, T, hd]; rotates (x[2i], x[2i+1]) by pos * base^(-2i/hd).
    x0, x1 = x[..., 0::2], x[..., 1::2]
    c, s = cos[: x.shape[2]], sin[: x.shape[2]]
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, hp):
        super().__init__()
        d, f = hp["dim"], hp["ffn"]
        self.heads = hp["heads"]
        self.attn_norm = RMSNorm(d, hp["eps"])
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        self.ffn_norm = RMSNorm(d, hp["eps"])
        self.w_gate = nn.Linear(d, f, bias=False)
        self.w_up = nn.Linear(d, f, bias=False)
        self.w_down = nn.Linear(f, d, bias=False)
        self.dropout = hp.get("dropout", 0.0)

    def forward(self, x, cos, sin):
        B, T, D = x.shape
        h = self.attn_norm(x)
        q, k, v = (w(h).view(B, T, self.heads, -1).transpose(1, 2) for w in (self.wq, self.wk, self.wv))
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(q.shape[-1]))
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        x = x + F.dropout(self.wo(y), self.dropout, self.training)
        h = self.ffn_norm(x)
        return x + F.dropout(self.w_down(F.silu(self.w_gate(h)) * self.w_up(h)), self.dropout, self.training)


class Llama(nn.Module):
    def __init__(self, hp):
        super().__init__()
        self.hp = hp
        self.tok = nn.Embedding(hp["vocab"], hp["dim"])
        self.blocks = nn.ModuleList(Block(hp) for _ in range(hp["layers"]))
        self.norm = RMSNorm(hp["dim"], hp["eps"])
        cos, sin = rope_tables(hp["dim"] // hp["heads"], hp["ctx"], hp["rope_base"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.apply(self._init)
        # GPT-2 style: residual projections scaled down with depth.
        for b in self.blocks:
            for w in (b.wo, b.w_down):
                nn.init.normal_(w.weight, std=0.02 / math.sqrt(2 * hp["layers"]))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, idx):
        x = self.tok(idx)
        for b in self.blocks:
            x = b(x, self.cos, self.sin)
        return self.norm(x) @ self.tok.weight.t()   # tied classifier

    def n_params(self):
        return sum(p.numel() for p in self.parameters())


def load_checkpoint(path):
    """The Llama of a train.py checkpoint, in eval mode, with its dict."""
    ck = torch.load(path, map_location="cpu")
    model = Llama(ck["hp"])
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck
