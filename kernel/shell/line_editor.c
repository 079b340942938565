#include "shell/line_editor.h"
#include "lib/string.h"

#define TAB    0x09
#define CTRL_C 0x03
#define CTRL_U 0x15
#define BS     0x08
#define DEL    0x7F
#define ESC    0x1B
#define ESC_MAX_LEN 16   /* longest escape sequence we bother to parse */

static void echo(struct line_editor *le, const char *s, size_t n)
{
    if (le->echo && n)
        le->echo(s, n, le->echo_ctx);
}

void line_editor_init(struct line_editor *le, line_echo_fn fn, void *ctx)
{
    memset(le, 0, sizeof(*le));
    le->browse = -1;
    le->echo = fn;
    le->echo_ctx = ctx;
}

/* Removes the last UTF-8 character (its continuation bytes and lead byte)
 * from the buffer and the screen. */
static int erase_char(struct line_editor *le)
{
    if (!le->len)
        return 0;
    do {
        le->len--;
    } while (le->len && ((unsigned char)le->buf[le->len] & 0xC0) == 0x80);
    echo(le, "\b \b", 3);
    return 1;
}

static void erase_line(struct line_editor *le)
{
    while (erase_char(le))
        ;
}

static void replace_line(struct line_editor *le, const char *text)
{
    erase_line(le);
    le->len = strlcpy(le->buf, text, sizeof(le->buf));
    if (le->len >= sizeof(le->buf))
        le->len = sizeof(le->buf) - 1;
    echo(le, le->buf, le->len);
}

const char *line_editor_history(const struct line_editor *le, int back)
{
    if (back < 0 || back >= le->history_count)
        return NULL;
    int i = (le->history_newest - back + LINE_EDITOR_HISTORY) % LINE_EDITOR_HISTORY;
    return le->history[i];
}

static void history_add(struct line_editor *le, const char *line)
{
    if (!*line)
        return;
    const char *newest = line_editor_history(le, 0);
    if (newest && strcmp(newest, line) == 0)
        return;
    le->history_newest = (le->history_newest + 1) % LINE_EDITOR_HISTORY;
    strlcpy(le->history[le->history_newest], line, LINE_EDITOR_MAX);
    if (le->history_count < LINE_EDITOR_HISTORY)
        le->history_count++;
}

static void history_step(struct line_editor *le, int older)
{
    if (older) {
        if (le->browse + 1 >= le->history_count)
            return;
        if (le->browse < 0) {
            le->buf[le->len] = 0;
            strlcpy(le->draft, le->buf, sizeof(le->draft));
        }
        le->browse++;
        replace_line(le, line_editor_history(le, le->browse));
    } else {
        if (le->browse < 0)
            return;
        le->browse--;
        replace_line(le, le->browse < 0 ? le->draft : line_editor_history(le, le->browse));
    }
}

/* Escape sequences: ESC [ A / ESC O A (up), ... B (down); other sequences
 * are consumed and ignored. Returns 0 when c does not belong to a sequence
 * (a lone ESC, or a control byte inside one) and must be handled normally. */
static int feed_escape(struct line_editor *le, unsigned char c)
{
    if (le->esc_state == 1) {
        le->esc_state = (c == '[' || c == 'O') ? 2 : 0;
        le->esc_len = 0;
        return le->esc_state != 0;
    }
    if (c < 0x20 || ++le->esc_len > ESC_MAX_LEN) {
        le->esc_state = 0;                  /* not a sequence we know: drop it */
        return 0;
    }
    if (c >= 0x40 && c <= 0x7E) {          /* final byte */
        le->esc_state = 0;
        if (le->esc_len == 1 && c == 'A')
            history_step(le, 1);
        else if (le->esc_len == 1 && c == 'B')
            history_step(le, 0);
    }
    return 1;
}

void line_editor_set_completion(struct line_editor *le, line_complete_fn fn, const char *prompt)
{
    le->complete = fn;
    le->prompt = prompt;
}

size_t line_editor_long_bytes(const struct line_editor *le) { return le->long_bytes; }
size_t line_editor_long_chars(const struct line_editor *le) { return le->long_chars; }

/* Bytes in the UTF-8 sequence a lead byte starts (1 for ASCII and for
 * bytes that cannot start one: those are kept as single bytes). */
static size_t utf8_length(unsigned char lead)
{
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 4;
    return 1;
}

/* Stores and echoes one byte; a byte that starts a character which cannot
 * fit whole turns the line into an overlong one instead. */
static void insert_byte(struct line_editor *le, unsigned char c)
{
    if (le->overflow) {
        le->extra_bytes++;
        le->extra_chars += (c & 0xC0) != 0x80;
        return;
    }
    size_t need = (c & 0xC0) == 0x80 ? 1 : utf8_length(c);
    if (le->len + need >= LINE_EDITOR_MAX) {
        le->overflow = 1;                  /* reject the whole line at its end */
        le->extra_bytes = 1;
        le->extra_chars = (c & 0xC0) != 0x80;
        return;
    }
    le->buf[le->len++] = (char)c;
    echo(le, (const char *)&c, 1);
}

static void insert_text(struct line_editor *le, const char *s)
{
    for (; *s; s++)
        insert_byte(le, (unsigned char)*s);
}

/* Tab: in the first word, complete it (or list the choices when they
 * share nothing more); elsewhere a space, which separates arguments as a
 * tab would, without a tab's trouble on the screen and with Backspace. */
static void tab(struct line_editor *le)
{
    if (le->overflow)
        return;
    size_t start = 0;
    int first_word = 1;
    while (start < le->len && le->buf[start] == ' ')
        start++;
    for (size_t i = start; i < le->len; i++)
        if (le->buf[i] == ' ')
            first_word = 0;
    if (!le->complete || !first_word || start == le->len) {
        insert_byte(le, ' ');
        return;
    }
    char add[LINE_EDITOR_MAX];
    add[0] = 0;
    int matches = le->complete(le->buf + start, le->len - start, add, sizeof(add), 0, le->echo_ctx);
    if (add[0])
        insert_text(le, add);
    if (matches == 1) {
        insert_byte(le, ' ');
    } else if (matches > 1 && !add[0]) {
        echo(le, "\n", 1);
        le->complete(le->buf + start, le->len - start, add, sizeof(add), 1, le->echo_ctx);
        if (le->prompt)
            echo(le, le->prompt, strlen(le->prompt));
        echo(le, le->buf, le->len);
    }
}

static enum line_event finish_line(struct line_editor *le)
{
    echo(le, "\n", 1);
    enum line_event ev = le->overflow ? LINE_TOO_LONG : LINE_READY;
    if (le->overflow) {
        size_t chars = 0;
        for (size_t i = 0; i < le->len; i++)
            chars += ((unsigned char)le->buf[i] & 0xC0) != 0x80;
        le->long_bytes = le->len + le->extra_bytes;
        le->long_chars = chars + le->extra_chars;
    }
    le->buf[le->len] = 0;
    if (ev == LINE_READY)
        history_add(le, le->buf);
    else
        le->buf[0] = 0;
    le->len = 0;
    le->overflow = 0;
    le->browse = -1;
    return ev;
}

enum line_event line_editor_feed(struct line_editor *le, unsigned char c)
{
    int after_cr = le->after_cr;
    le->after_cr = 0;

    if (le->esc_state && feed_escape(le, c))
        return LINE_NONE;
    switch (c) {
    case '\r':
        le->after_cr = 1;
        return finish_line(le);
    case '\n':
        return after_cr ? LINE_NONE : finish_line(le);   /* CRLF ends one line */
    case TAB:
        tab(le);
        return LINE_NONE;
    case CTRL_C:
        echo(le, "^C\n", 3);
        le->len = 0;
        le->overflow = 0;
        le->browse = -1;
        return LINE_CANCELLED;
    case CTRL_U:
        erase_line(le);
        return LINE_NONE;
    case BS:
    case DEL:
        if (!le->overflow)
            erase_char(le);
        return LINE_NONE;
    case ESC:
        le->esc_state = 1;
        return LINE_NONE;
    default:
        break;
    }
    if (c < 0x20)
        return LINE_NONE;                  /* other control bytes: ignored */
    insert_byte(le, c);
    return LINE_NONE;
}

const char *line_editor_text(const struct line_editor *le)
{
    return le->buf;
}
