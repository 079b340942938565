#!/usr/bin/env python3
"""The sampling-settings sweep of docs/TRAINING.md: for each (temperature,
repeat penalty), 3 samples of up to 60 tokens from 5 prompts with sample.py's
sampler (top-k 40, top-p 0.95, min-p 0.05); prints the share of repeated
3-grams, the mean length and the first sample. Run from the repository root
after scripts/train/run.sh."""
import sys, torch, subprocess
sys.path.insert(0,'scripts/train')
import sample, ggufread
from model import load_checkpoint
torch.set_num_threads(1)
m, _ = load_checkpoint('build/train/run/austen.pt')
V='build/train/data/vocab.gguf'; pieces=ggufread.read(V).kv['tokenizer.ggml.tokens']
prompts=["Once upon a time","She was","Mr. Knightley","The ball","\"I cannot"]
pids=[[int(x) for x in subprocess.run(['build/train/tok',V,'ids',p],capture_output=True,text=True).stdout.split()] for p in prompts]
def rep3(ids):
    g=[tuple(ids[i:i+3]) for i in range(len(ids)-2)]
    return 1-len(set(g))/max(1,len(g))
for temp,rp in [(0,1.0),(0,1.1),(0.7,1.0),(0.7,1.1),(0.8,1.0),(0.8,1.1),(1.0,1.0),(1.0,1.1)]:
    gen=torch.Generator().manual_seed(1); r=[]; L=[]; txt=None
    for seed in range(3):
        for p in pids:
            out=sample.sample(m,list(p),60,temp,40,0.95,0.05,rp,64,gen)
            r.append(rep3(out)); L.append(len(out))
            if txt is None: txt=sample.decode(pieces,out)
    print(f"temp {temp} rp {rp}: repeated 3-grams {sum(r)/len(r):.3f}, mean length {sum(L)/len(L):.1f} | Once upon a time{txt[:200]!r}")
