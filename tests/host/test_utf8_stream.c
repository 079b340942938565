/* generate's text stream: characters split across tokens come out whole and
 * only when complete; control and invalid bytes come out as \xHH. */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "shell/utf8_stream.h"

static char outbuf[256];
static size_t outlen;
static int writes;

static void capture(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    if (outlen + n < sizeof(outbuf)) {
        memcpy(outbuf + outlen, s, n);
        outlen += n;
        outbuf[outlen] = 0;
    }
    writes++;
}

static void reset(struct utf8_stream *u)
{
    outlen = 0;
    outbuf[0] = 0;
    writes = 0;
    utf8_stream_init(u, capture, NULL);
}

int main(void)
{
    struct utf8_stream u;
    reset(&u);
    utf8_stream_put(&u, " Hello", 6);
    CHECK_EQ_STR(outbuf, " Hello");
    CHECK_EQ_INT(u.mid_line, 1);
    /* U+1F600 (F0 9F 98 80) in two tokens: nothing until the last byte, then one write. */
    reset(&u);
    utf8_stream_put(&u, "\xF0\x9F", 2);
    CHECK_EQ_INT(outlen, 0);
    int before = writes;
    utf8_stream_put(&u, "\x98\x80!", 3);
    CHECK_EQ_STR(outbuf, "\xF0\x9F\x98\x80!");
    CHECK_EQ_INT(writes - before, 2);              /* the whole character, then "!" */
    /* byte tokens one at a time (é = C3 A9) */
    reset(&u);
    utf8_stream_put(&u, "\xC3", 1);
    CHECK_EQ_INT(outlen, 0);
    utf8_stream_put(&u, "\xA9", 1);
    CHECK_EQ_STR(outbuf, "\xC3\xA9");
    /* a sequence that breaks off shows its bytes; stray continuation and invalid lead bytes too */
    reset(&u);
    utf8_stream_put(&u, "\xE2\x82" "a\x80\xFF", 5);
    CHECK_EQ_STR(outbuf, "\\xe2\\x82a\\x80\\xff");
    /* control bytes escaped, newline and tab kept; newline ends the line */
    reset(&u);
    utf8_stream_put(&u, "a\x01\x1b\x7f\tb\n", 7);
    CHECK_EQ_STR(outbuf, "a\\x01\\x1b\\x7f\tb\n");
    CHECK_EQ_INT(u.mid_line, 0);
    /* an incomplete sequence at the end is flushed as bytes */
    reset(&u);
    utf8_stream_put(&u, "\xE4\xB8", 2);
    utf8_stream_flush(&u);
    CHECK_EQ_STR(outbuf, "\\xe4\\xb8");
    return check_summary("test_utf8_stream");
}
