/* Pre-tokenizers of llama.cpp's byte-level BPE: the regular expressions of
 * each pre-type (src/llama-vocab.cpp), implemented by hand as scanners that
 * split the same way as llama.cpp's unicode_regex_split (its own fast paths
 * for the GPT-2 and Llama 3 patterns, std::regex on its "collapsed" text
 * for the others). No regex engine. */
#ifndef EMBODIOS_MODEL_BPE_PRETOK_H
#define EMBODIOS_MODEL_BPE_PRETOK_H

#include <stddef.h>
#include <stdint.h>

enum bpe_pre {
    BPE_PRE_DEFAULT,    /* [\p{P}\$\+<=>\^~\|]+ ; GPT-2 ; \p{N}+ ; [0-9][0-9][0-9] */
    BPE_PRE_LLAMA3,     /* Llama 3: contractions (any case), letters, 1-3 digits, ... */
    BPE_PRE_QWEN2,      /* as Llama 3 with single digits */
    BPE_PRE_GPT2,       /* GPT-2's pattern */
    BPE_PRE_STARCODER,  /* \p{N} ; GPT-2's pattern (smollm, starcoder, refact, command-r) */
};

/* Splits n code points into pieces. flags[i] = unicode_flags(cps[i]).
 * Writes the pieces' lengths (in code points, each > 0) to out and returns
 * their number; out and tmp must each hold n entries. */
size_t bpe_pretokenize(enum bpe_pre pre, const uint32_t *cps, const uint16_t *flags, size_t n, uint32_t *out,
                       uint32_t *tmp);

#endif
