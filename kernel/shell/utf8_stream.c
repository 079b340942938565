#include "shell/utf8_stream.h"
#include "lib/format.h"

void utf8_stream_init(struct utf8_stream *u, void (*out)(void *ctx, const char *s, size_t n), void *ctx)
{
    u->n_held = u->need = 0;
    u->mid_line = 0;
    u->out = out;
    u->ctx = ctx;
}

static void emit_hex(struct utf8_stream *u, unsigned char c)
{
    char hex[5];
    snprintf(hex, sizeof(hex), "\\x%02x", c);
    u->out(u->ctx, hex, 4);
    u->mid_line = 1;
}

void utf8_stream_flush(struct utf8_stream *u)
{
    for (unsigned i = 0; i < u->n_held; i++)
        emit_hex(u, (unsigned char)u->held[i]);
    u->n_held = u->need = 0;
}

/* Bytes in the sequence a lead byte starts (0: not a lead byte). C0, C1
 * and F5-FF never start a valid sequence. */
static unsigned utf8_length(unsigned char lead)
{
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

void utf8_stream_put(struct utf8_stream *u, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (u->n_held) {
            if ((c & 0xC0) == 0x80) {
                u->held[u->n_held++] = (char)c;
                if (u->n_held == u->need) {
                    u->out(u->ctx, u->held, u->n_held);
                    u->mid_line = 1;
                    u->n_held = u->need = 0;
                }
                continue;
            }
            utf8_stream_flush(u);              /* the sequence broke off: show its bytes */
        }
        unsigned n = utf8_length(c);
        if (n) {
            u->held[0] = (char)c;
            u->n_held = 1;
            u->need = n;
        } else if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F)) {
            char ch = (char)c;
            u->out(u->ctx, &ch, 1);
            u->mid_line = c != '\n';
        } else {
            emit_hex(u, c);                    /* control byte, stray continuation, invalid lead */
        }
    }
}
