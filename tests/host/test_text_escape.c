/* Host tests: shell/text_escape.c, the one function every string from a
 * disk is printed through (issue 8: a general.name of ESC [2J ESC [31m
 * cleared the terminal and turned it red). */
#include <string.h>
#include "check.h"
#include "lib/errno.h"
#include "shell/args.h"
#include "shell/text_escape.h"

static const char *esc(const char *s, size_t len, size_t max)
{
    static char out[256];
    return text_escape(out, sizeof(out), s, len, max);
}

#define ESC(lit, max) esc(lit, sizeof(lit) - 1, max)

static void test_terminal_controls(void)
{
    CHECK_EQ_STR(ESC("\x1b[2J\x1b[31m", 100), "\\x1b[2J\\x1b[31m");
    CHECK_EQ_STR(ESC("a\nb\tc\rd\\e\"f", 100), "a\\nb\\tc\\rd\\\\e\\\"f");
    CHECK_EQ_STR(ESC("\x7f\x01\x00z", 100), "\\x7f\\x01\\x00z");
    /* C1 controls as UTF-8 (U+009B is CSI on some terminals) are escaped. */
    CHECK_EQ_STR(ESC("\xc2\x9b" "31m", 100), "\\xc2\\x9b31m");
    /* Valid UTF-8 text is kept, broken UTF-8 escaped byte by byte. */
    CHECK_EQ_STR(ESC("caf\xc3\xa9 \xe2\x96\x81 \xf0\x9f\x98\x80", 100), "caf\xc3\xa9 \xe2\x96\x81 \xf0\x9f\x98\x80");
    CHECK_EQ_STR(ESC("\xff\xc3(\xe2\x96", 100), "\\xff\\xc3(\\xe2\\x96");
    CHECK_EQ_STR(ESC("\xc0\xaf", 100), "\\xc0\\xaf");                 /* overlong '/' */
    CHECK_EQ_STR(ESC("\xed\xa0\x80", 100), "\\xed\\xa0\\x80");        /* a surrogate */
}

static void test_limits(void)
{
    CHECK_EQ_STR(ESC("abcdef", 6), "abcdef");
    CHECK_EQ_STR(ESC("abcdefg", 6), "abcdef...");
    /* The cut never splits a character. */
    CHECK_EQ_STR(ESC("ab\xc3\xa9", 3), "ab...");
    /* A small buffer is never overrun and still says it was cut. */
    char small[8];
    memset(small, 'Z', sizeof(small));
    CHECK_EQ_STR(text_escape(small, sizeof(small), "\x1b\x1b\x1b", 3, 100), "\\x1b...");
    CHECK_EQ_STR(text_escape(small, sizeof(small), "abcdefghij", 10, 100), "abcd...");
    CHECK_EQ_STR(ESC("", 10), "");
    /* 4096 bytes of ESC in a 256-byte buffer: cut, terminated. */
    static char many[4096];
    memset(many, 0x1b, sizeof(many));
    const char *r = esc(many, sizeof(many), sizeof(many));
    CHECK(strlen(r) < 256 && strstr(r, "...") != NULL && strchr(r, 0x1b) == NULL);
}

/* tokenize's text: quotes group and are dropped like every other
 * command's arguments (issue 8: `tokenize "hello"` kept them), spaces stay
 * exactly as typed, escapes pass through to text_unescape. */
static void test_unquote(void)
{
    char out[64];
    CHECK_EQ_INT(unquote_text("\"hello\"", out, sizeof(out)), 5);
    CHECK_EQ_STR(out, "hello");
    CHECK_EQ_INT(unquote_text("'a  b' c   \"d e\"", out, sizeof(out)), 12);
    CHECK_EQ_STR(out, "a  b c   d e");
    CHECK_EQ_INT(unquote_text("\"\"", out, sizeof(out)), 0);
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(unquote_text("it\"'\"s", out, sizeof(out)), 4);     /* a ' inside "..." */
    CHECK_EQ_STR(out, "it's");
    CHECK_EQ_INT(unquote_text("\\x22q\\\\", out, sizeof(out)), 7);   /* escapes untouched */
    CHECK_EQ_STR(out, "\\x22q\\\\");
    CHECK_EQ_INT(unquote_text("\"open", out, sizeof(out)), -EINVAL);
    CHECK_EQ_INT(unquote_text("what's up", out, sizeof(out)), -EINVAL);
    CHECK_EQ_INT(unquote_text("abcdef", out, 4), -E2BIG);
    char text[64];
    CHECK_EQ_INT(unquote_text("\"tab\\there\"", out, sizeof(out)), 9);
    CHECK_EQ_INT(text_unescape(out, text, sizeof(text)), 8);
    CHECK(memcmp(text, "tab\there", 8) == 0);
}

int main(void)
{
    test_unquote();
    test_terminal_controls();
    test_limits();
    return check_summary("test_text_escape");
}
