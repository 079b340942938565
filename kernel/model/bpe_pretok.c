/* Each scanner follows the alternatives of its regex in order at every
 * position, as llama.cpp's hand-written matchers do (src/unicode.cpp), so
 * that the pieces are the same down to the odd cases: positions past the
 * end of a fragment read as "no character" (flags 0), which is what makes
 * \s+(?!\S) take a whole trailing whitespace run. */
#include "model/bpe_pretok.h"
#include "model/unicode_class.h"

#define OUT_OF_RANGE 0xFFFFFFFFu
#define WLN (UC_WHITESPACE | UC_LETTER | UC_NUMBER)

struct scan {
    const uint32_t *cps;
    const uint16_t *fl;
    size_t end;          /* end of the current fragment */
    size_t prev;         /* end of the last piece */
    uint32_t *out;
    size_t n_out;
};

static uint32_t cpt(const struct scan *s, size_t pos)
{
    return pos < s->end ? s->cps[pos] : OUT_OF_RANGE;
}

static uint16_t flg(const struct scan *s, size_t pos)
{
    return pos < s->end ? s->fl[pos] : 0;
}

/* Ends a piece at end (if it is not empty); returns its length. */
static size_t add(struct scan *s, size_t end)
{
    size_t len = end - s->prev;
    if (len)
        s->out[s->n_out++] = (uint32_t)len;
    s->prev = end;
    return len;
}

/* Whitespace at pos: \s+(?!\S) leaves the last one of a run followed by
 * something, \s+ takes the rest. Returns the new position. */
static size_t whitespace_tail(struct scan *s, size_t pos, size_t nws)
{
    if (nws > 1 && cpt(s, pos + nws) != OUT_OF_RANGE)
        pos += nws - 1;
    else if (nws > 0)
        pos += nws;
    else
        pos++;                                  /* no alternative matched */
    add(s, pos);
    return pos;
}

/* 's|'t|'re|'ve|'m|'ll|'d (case-insensitive when fold is set): the length
 * matched at pos, or 0. */
static size_t contraction(const struct scan *s, size_t pos, int fold)
{
    if (cpt(s, pos) != '\'' || pos + 1 >= s->end)
        return 0;
    uint32_t a = cpt(s, pos + 1);
    if (fold)
        a = unicode_tolower_ascii(a);
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
        return 2;
    if (pos + 2 >= s->end)
        return 0;
    uint32_t b = cpt(s, pos + 2);
    if (fold)
        b = unicode_tolower_ascii(b);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        return 3;
    return 0;
}

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static void split_gpt2(struct scan *s, size_t pos)
{
    while (pos < s->end) {
        uint32_t c = cpt(s, pos);
        size_t k = contraction(s, pos, 0);
        if (k) {
            pos += add(s, pos + k);
            continue;
        }
        uint16_t f2 = c == ' ' ? flg(s, pos + 1) : flg(s, pos);
        uint16_t want = (f2 & UC_LETTER) ? UC_LETTER : (f2 & UC_NUMBER) ? UC_NUMBER : 0;
        if (want) {
            pos += (c == ' ');
            while (f2 & want)
                f2 = flg(s, ++pos);
            add(s, pos);
            continue;
        }
        if (!(f2 & WLN) && f2) {
            pos += (c == ' ');
            while (!(f2 & WLN) && f2)
                f2 = flg(s, ++pos);
            add(s, pos);
            continue;
        }
        size_t nws = 0;
        while (flg(s, pos + nws) & UC_WHITESPACE)
            nws++;
        pos = whitespace_tail(s, pos, nws);
    }
}

static int is_crlf(uint32_t c)
{
    return c == '\r' || c == '\n';
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max_digits}|
 *  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static void split_llama3(struct scan *s, size_t pos, unsigned max_digits)
{
    while (pos < s->end) {
        uint32_t c = cpt(s, pos);
        uint16_t f = flg(s, pos);
        size_t k = contraction(s, pos, 1);
        if (k) {
            pos += add(s, pos + k);
            continue;
        }
        if (!(is_crlf(c) || (f & UC_NUMBER)) && ((f & UC_LETTER) || (flg(s, pos + 1) & UC_LETTER))) {
            pos++;
            while (flg(s, pos) & UC_LETTER)
                pos++;
            add(s, pos);
            continue;
        }
        if (f & UC_NUMBER) {
            size_t start = pos;
            while (flg(s, pos) & UC_NUMBER) {
                if (++pos - start >= max_digits) {
                    add(s, pos);
                    start = pos;
                }
            }
            add(s, pos);
            continue;
        }
        uint16_t f2 = c == ' ' ? flg(s, pos + 1) : f;
        if (!(f2 & WLN) && f) {
            pos += (c == ' ');
            while (!(f2 & WLN) && f2)
                f2 = flg(s, ++pos);
            while (is_crlf(cpt(s, pos)))
                pos++;
            add(s, pos);
            continue;
        }
        size_t nws = 0, last_crlf_end = 0;
        while (flg(s, pos + nws) & UC_WHITESPACE) {
            if (is_crlf(cpt(s, pos + nws)))
                last_crlf_end = pos + nws + 1;
            nws++;
        }
        if (last_crlf_end > 0) {                /* \s*[\r\n]+ */
            pos = last_crlf_end;
            add(s, pos);
            continue;
        }
        pos = whitespace_tail(s, pos, nws);
    }
}

/* Splits [pos, end) into maximal runs of code points in or out of a class
 * (a regex `[class]+`, or `[class]` with single set: every member alone). */
static void split_runs(struct scan *s, size_t pos, int (*in)(uint32_t, uint16_t), int single)
{
    while (pos < s->end) {
        int member = in(s->cps[pos], s->fl[pos]);
        pos++;
        if (!(member && single))
            while (pos < s->end && in(s->cps[pos], s->fl[pos]) == member && !(member && single))
                pos++;
        add(s, pos);
    }
}

/* \p{N}: llama.cpp matches it on a copy where every non-ASCII code point is
 * one byte standing for its category, so it is exactly the N category. */
static int is_number(uint32_t c, uint16_t f)
{
    (void)c;
    return (f & UC_NUMBER) != 0;
}

/* [\p{P}\$\+<=>\^~\|]: llama.cpp's ASCII stand-in for \p{P} is
 * !"#%&'()*,-./:;?@[\]_{} ; with the listed symbols every ASCII
 * punctuation or symbol but the backquote. Beyond ASCII: category P, not
 * whitespace. */
static int is_default_punct(uint32_t c, uint16_t f)
{
    if (c < 0x80)
        return c > 0x20 && c < 0x7F && !(c >= '0' && c <= '9') && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
               c != '`';
    return (f & UC_PUNCT) && !(f & UC_WHITESPACE);
}

static int ascii_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

/* [0-9][0-9][0-9]: leftmost non-overlapping triples of ASCII digits. */
static void split_triples(struct scan *s, size_t pos)
{
    while (pos + 3 <= s->end) {
        if (ascii_digit(s->cps[pos]) && ascii_digit(s->cps[pos + 1]) && ascii_digit(s->cps[pos + 2])) {
            add(s, pos);
            pos += 3;
            add(s, pos);
        } else {
            pos++;
        }
    }
    add(s, s->end);
}

enum stage { ST_GPT2, ST_LLAMA3, ST_QWEN2, ST_DIGITS, ST_DEFAULT_PUNCT, ST_NUMBER_RUNS, ST_TRIPLES };

static size_t run_stage(enum stage st, const uint32_t *cps, const uint16_t *flags, const uint32_t *in, size_t n_in,
                        uint32_t *out)
{
    struct scan s = { .cps = cps, .fl = flags, .out = out };
    size_t start = 0;
    for (size_t i = 0; i < n_in; i++) {
        s.end = start + in[i];
        s.prev = start;
        switch (st) {
        case ST_GPT2: split_gpt2(&s, start); break;
        case ST_LLAMA3: split_llama3(&s, start, 3); break;
        case ST_QWEN2: split_llama3(&s, start, 1); break;
        case ST_DIGITS: split_runs(&s, start, is_number, 1); break;
        case ST_DEFAULT_PUNCT: split_runs(&s, start, is_default_punct, 0); break;
        case ST_NUMBER_RUNS: split_runs(&s, start, is_number, 0); break;
        case ST_TRIPLES: split_triples(&s, start); break;
        }
        start = s.end;
    }
    return s.n_out;
}

size_t bpe_pretokenize(enum bpe_pre pre, const uint32_t *cps, const uint16_t *flags, size_t n, uint32_t *out,
                       uint32_t *tmp)
{
    static const enum stage stages[][4] = {
        [BPE_PRE_DEFAULT] = { ST_DEFAULT_PUNCT, ST_GPT2, ST_NUMBER_RUNS, ST_TRIPLES },
        [BPE_PRE_LLAMA3] = { ST_LLAMA3 },
        [BPE_PRE_QWEN2] = { ST_QWEN2 },
        [BPE_PRE_GPT2] = { ST_GPT2 },
        [BPE_PRE_STARCODER] = { ST_DIGITS, ST_GPT2 },
    };
    static const unsigned counts[] = {
        [BPE_PRE_DEFAULT] = 4, [BPE_PRE_LLAMA3] = 1, [BPE_PRE_QWEN2] = 1, [BPE_PRE_GPT2] = 1, [BPE_PRE_STARCODER] = 2,
    };
    if (n == 0)
        return 0;
    /* Stages alternate between the two buffers and end in out. */
    unsigned k = counts[pre];
    uint32_t *bufs[2] = { (k % 2) ? tmp : out, (k % 2) ? out : tmp };
    bufs[0][0] = (uint32_t)n;
    size_t count = 1;
    for (unsigned i = 0; i < k; i++)
        count = run_stage(stages[pre][i], cps, flags, bufs[i % 2], count, bufs[(i + 1) % 2]);
    return count;
}
