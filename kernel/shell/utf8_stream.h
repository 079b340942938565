/* Streaming generated text to the serial line: a UTF-8 character split
 * across tokens is held back until its last byte arrives and then printed
 * whole; control bytes other than newline and tab, and bytes that are not
 * valid UTF-8, are printed as \xHH. Output goes through a callback (the
 * console in the kernel, a buffer in host tests). */
#ifndef EMBODIOS_SHELL_UTF8_STREAM_H
#define EMBODIOS_SHELL_UTF8_STREAM_H

#include <stddef.h>

struct utf8_stream {
    char held[4];
    unsigned n_held, need;
    int mid_line;              /* text printed since the last newline */
    void (*out)(void *ctx, const char *s, size_t n);
    void *ctx;
};

void utf8_stream_init(struct utf8_stream *u, void (*out)(void *ctx, const char *s, size_t n), void *ctx);
void utf8_stream_put(struct utf8_stream *u, const char *s, size_t len);
/* Prints a held incomplete sequence as \xHH bytes (end of text). */
void utf8_stream_flush(struct utf8_stream *u);

#endif
