/* Host tests: shell/line_editor.c and shell/args.c. */
#include <string.h>
#include "check.h"
#include "lib/errno.h"
#include "shell/args.h"
#include "shell/line_editor.h"

static char screen[8192];
static size_t screen_len;

static void capture(const char *s, size_t n, void *ctx)
{
    (void)ctx;
    if (screen_len + n < sizeof(screen)) {
        memcpy(screen + screen_len, s, n);
        screen_len += n;
        screen[screen_len] = 0;
    }
}

/* Feeds a string; returns the last non-NONE event and copies the line. */
static enum line_event feed(struct line_editor *le, const char *s, size_t n, char *line_out)
{
    enum line_event last = LINE_NONE;
    for (size_t i = 0; i < n; i++) {
        enum line_event ev = line_editor_feed(le, (unsigned char)s[i]);
        if (ev != LINE_NONE) {
            last = ev;
            if (line_out)
                strcpy(line_out, line_editor_text(le));
        }
    }
    return last;
}
#define FEED(le, s, out) feed(le, s, sizeof(s) - 1, out)

static void test_editing(void)
{
    static struct line_editor le;
    char line[LINE_EDITOR_MAX];
    line_editor_init(&le, capture, NULL);

    CHECK_EQ_INT(FEED(&le, "hello\r", line), LINE_READY);
    CHECK_EQ_STR(line, "hello");
    CHECK(strstr(screen, "hello\n") != NULL);                 /* echoed */
    CHECK_EQ_INT(FEED(&le, "abX\bc\r", line), LINE_READY);
    CHECK_EQ_STR(line, "abc");
    CHECK_EQ_INT(FEED(&le, "abX\x7f" "c\n", line), LINE_READY);
    CHECK_EQ_STR(line, "abc");
    CHECK_EQ_INT(FEED(&le, "\b\b\bq\r", line), LINE_READY);    /* erase on empty is harmless */
    CHECK_EQ_STR(line, "q");
    CHECK_EQ_INT(FEED(&le, "h\xc3\xa9\x7fi\r", line), LINE_READY);  /* UTF-8 é erased whole */
    CHECK_EQ_STR(line, "hi");
    CHECK_EQ_INT(FEED(&le, "gone\x03", line), LINE_CANCELLED);
    CHECK_EQ_INT(FEED(&le, "\r", line), LINE_READY);
    CHECK_EQ_STR(line, "");                                    /* Ctrl-C left nothing behind */
    CHECK_EQ_INT(FEED(&le, "gone\x15kept\r", line), LINE_READY);
    CHECK_EQ_STR(line, "kept");
    /* Controls and stray escapes are ignored; high bytes pass through. */
    CHECK_EQ_INT(FEED(&le, "a\x01\x02\x07\x1b[5~b\xff\r", line), LINE_READY);
    CHECK_EQ_STR(line, "ab\xff");
    /* A lone ESC followed by Enter still ends the line. */
    CHECK_EQ_INT(FEED(&le, "x\x1b\r", line), LINE_READY);
    CHECK_EQ_STR(line, "x");
}

static void test_line_endings(void)
{
    static struct line_editor le;
    line_editor_init(&le, capture, NULL);
    int ready = 0;
    const char *in = "a\rb\nc\r\nd\r\r\n\n";
    /* a, b, c, d, then an empty CR line, CRLF folded into it, then LF: 6 lines */
    for (const char *p = in; *p; p++)
        if (line_editor_feed(&le, (unsigned char)*p) == LINE_READY)
            ready++;
    CHECK_EQ_INT(ready, 6);
}

static void test_long_lines(void)
{
    static struct line_editor le;
    char line[LINE_EDITOR_MAX];
    line_editor_init(&le, capture, NULL);
    char big[1200];
    memset(big, 'x', sizeof(big));
    CHECK_EQ_INT(feed(&le, big, sizeof(big), NULL), LINE_NONE);
    CHECK_EQ_INT(FEED(&le, "\r", line), LINE_TOO_LONG);
    CHECK_EQ_INT(FEED(&le, "next\r", line), LINE_READY);
    CHECK_EQ_STR(line, "next");                                /* nothing of the long line leaks */
    CHECK(line_editor_history(&le, 0) && strcmp(line_editor_history(&le, 0), "next") == 0);
    /* Exactly the maximum fits. */
    CHECK_EQ_INT(feed(&le, big, LINE_EDITOR_MAX - 1, NULL), LINE_NONE);
    CHECK_EQ_INT(FEED(&le, "\r", line), LINE_READY);
    CHECK_EQ_INT(strlen(line), LINE_EDITOR_MAX - 1);
}

static void test_history(void)
{
    static struct line_editor le;
    char line[LINE_EDITOR_MAX], cmd[32];
    line_editor_init(&le, capture, NULL);
    for (int i = 0; i < 40; i++) {
        int n = snprintf(cmd, sizeof(cmd), "cmd%02d\r", i);
        feed(&le, cmd, (size_t)n, NULL);
    }
    FEED(&le, "cmd39\r", NULL);                               /* repeat: not stored twice */
    CHECK_EQ_STR(line_editor_history(&le, 0), "cmd39");
    CHECK_EQ_STR(line_editor_history(&le, 1), "cmd38");
    CHECK_EQ_STR(line_editor_history(&le, LINE_EDITOR_HISTORY - 1), "cmd08");
    CHECK(line_editor_history(&le, LINE_EDITOR_HISTORY) == NULL);
    CHECK_EQ_INT(FEED(&le, "\x1b[A\x1b[A\r", line), LINE_READY);
    CHECK_EQ_STR(line, "cmd38");
    CHECK_EQ_INT(FEED(&le, "draft\x1b[A\x1b[B\r", line), LINE_READY);
    CHECK_EQ_STR(line, "draft");                              /* Down past newest restores the draft */
    CHECK_EQ_INT(FEED(&le, "\x1bOA\r", line), LINE_READY);   /* SS3 form of Up */
    CHECK_EQ_STR(line, "draft");
    for (int i = 0; i < 100; i++)
        line_editor_feed(&le, 0x1b), line_editor_feed(&le, '['), line_editor_feed(&le, 'A');
    CHECK_EQ_INT(FEED(&le, "\r", line), LINE_READY);          /* stops at the oldest */
    CHECK_EQ_STR(line, "cmd10");   /* cmd10..cmd39, cmd38, draft: the oldest */
}

/* A completer over a fixed list, as shell.c's is over the command table. */
static const char *const names[] = { "blkcrc", "blkdevs", "blkinfo", "blkperf", "echo", "help" };
static int complete_names(const char *word, size_t len, char *add, size_t add_size, int list, void *ctx)
{
    (void)ctx;
    const char *first = NULL;
    size_t common = 0;
    int matches = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strncmp(names[i], word, len) != 0)
            continue;
        if (list)
            capture(names[i], strlen(names[i]), NULL), capture("\n", 1, NULL);
        if (!first) {
            first = names[i];
            common = strlen(first);
        }
        size_t k = len;
        while (k < common && names[i][k] == first[k])
            k++;
        common = k;
        matches++;
    }
    size_t n = first ? common - len : 0;
    if (n >= add_size)
        n = add_size - 1;
    memcpy(add, first ? first + len : "", n);
    add[n] = 0;
    return matches;
}

static void test_tab(void)
{
    static struct line_editor le;
    char line[LINE_EDITOR_MAX];
    line_editor_init(&le, capture, NULL);
    /* Without a completer a Tab is a space, never dropped. */
    CHECK_EQ_INT(FEED(&le, "echo\ta\tb\r", line), LINE_READY);
    CHECK_EQ_STR(line, "echo a b");
    line_editor_set_completion(&le, complete_names, "P> ");
    CHECK_EQ_INT(FEED(&le, "ec\tx\r", line), LINE_READY);        /* unique: completed plus a space */
    CHECK_EQ_STR(line, "echo x");
    CHECK_EQ_INT(FEED(&le, "  he\t\r", line), LINE_READY);       /* after leading spaces too */
    CHECK_EQ_STR(line, "  help ");
    CHECK_EQ_INT(FEED(&le, "b\t\r", line), LINE_READY);           /* extends to the common prefix */
    CHECK_EQ_STR(line, "blk");
    screen_len = 0;
    screen[0] = 0;
    CHECK_EQ_INT(FEED(&le, "blk\tp\t\r", line), LINE_READY);     /* ambiguous: lists, then goes on */
    CHECK_EQ_STR(line, "blkperf ");
    CHECK(strstr(screen, "blk\nblkcrc\nblkdevs\nblkinfo\nblkperf\nP> blk") != NULL);
    CHECK_EQ_INT(FEED(&le, "zz\t\r", line), LINE_READY);          /* no match: nothing happens */
    CHECK_EQ_STR(line, "zz");
    CHECK_EQ_INT(FEED(&le, "echo bl\t\r", line), LINE_READY);     /* arguments are not commands */
    CHECK_EQ_STR(line, "echo bl ");
}

/* UTF-8 at the end of the buffer: a character that does not fit whole is
 * neither stored nor echoed, and the lengths are counted both ways. */
static void test_utf8_limit(void)
{
    static struct line_editor le;
    char line[LINE_EDITOR_MAX];
    char big[LINE_EDITOR_MAX + 8];
    line_editor_init(&le, capture, NULL);
    memset(big, 'x', LINE_EDITOR_MAX - 2);                     /* 510 bytes: room for one more */
    memcpy(big + LINE_EDITOR_MAX - 2, "\xc3\xa9", 2);          /* é needs 2 */
    screen_len = 0;
    CHECK_EQ_INT(feed(&le, big, LINE_EDITOR_MAX, NULL), LINE_NONE);
    CHECK(screen_len == LINE_EDITOR_MAX - 2);                  /* no half character on the screen */
    CHECK_EQ_INT(FEED(&le, "\r", line), LINE_TOO_LONG);
    CHECK_EQ_INT(line_editor_long_bytes(&le), LINE_EDITOR_MAX);
    CHECK_EQ_INT(line_editor_long_chars(&le), LINE_EDITOR_MAX - 1);
    /* 509 ASCII + é: exactly 511 bytes, accepted. */
    memcpy(big + LINE_EDITOR_MAX - 3, "\xc3\xa9", 2);
    CHECK_EQ_INT(feed(&le, big, LINE_EDITOR_MAX - 1, NULL), LINE_NONE);
    CHECK_EQ_INT(FEED(&le, "\r", line), LINE_READY);
    CHECK_EQ_INT(strlen(line), LINE_EDITOR_MAX - 1);
    /* 300 three-byte characters: 300 characters, 900 bytes. */
    for (int i = 0; i < 300; i++)
        FEED(&le, "\xe2\x82\xac", NULL);
    CHECK_EQ_INT(FEED(&le, "\r", line), LINE_TOO_LONG);
    CHECK_EQ_INT(line_editor_long_chars(&le), 300);
    CHECK_EQ_INT(line_editor_long_bytes(&le), 900);
    CHECK_EQ_INT(le.len, 0);
}

static void test_args(void)
{
    char buf[128];
    char *argv[8];
    strcpy(buf, "  blkread   vda 0x10\t512  ");
    CHECK_EQ_INT(split_args(buf, argv, 8), 4);
    CHECK_EQ_STR(argv[0], "blkread");
    CHECK_EQ_STR(argv[1], "vda");
    CHECK_EQ_STR(argv[2], "0x10");
    CHECK_EQ_STR(argv[3], "512");
    strcpy(buf, "echo \"two words\" 'single q' mid\"dle\"x");
    CHECK_EQ_INT(split_args(buf, argv, 8), 4);
    CHECK_EQ_STR(argv[1], "two words");
    CHECK_EQ_STR(argv[2], "single q");
    CHECK_EQ_STR(argv[3], "middlex");
    strcpy(buf, "echo \"\" x");
    CHECK_EQ_INT(split_args(buf, argv, 8), 3);
    CHECK_EQ_STR(argv[1], "");
    strcpy(buf, "echo \"open");
    CHECK_EQ_INT(split_args(buf, argv, 8), -EINVAL);
    strcpy(buf, "a b c d e f g h i");
    CHECK_EQ_INT(split_args(buf, argv, 8), -E2BIG);
    strcpy(buf, "   ");
    CHECK_EQ_INT(split_args(buf, argv, 8), 0);

    unsigned long long v;
    CHECK_EQ_INT(arg_to_u64("4096", 1, 8192, &v), 0);
    CHECK_EQ_INT(v, 4096);
    CHECK_EQ_INT(arg_to_u64("0", 1, 8192, &v), -ERANGE);
    CHECK_EQ_INT(arg_to_u64("9000", 1, 8192, &v), -ERANGE);
    CHECK_EQ_INT(arg_to_u64("12x", 1, 8192, &v), -EINVAL);
}

int main(void)
{
    test_editing();
    test_line_endings();
    test_long_lines();
    test_history();
    test_tab();
    test_utf8_limit();
    test_args();
    return check_summary("test_shell");
}
