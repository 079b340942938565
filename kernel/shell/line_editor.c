#include "shell/line_editor.h"
#include "lib/string.h"

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

static enum line_event finish_line(struct line_editor *le)
{
    echo(le, "\n", 1);
    enum line_event ev = le->overflow ? LINE_TOO_LONG : LINE_READY;
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
    if (le->overflow)
        return LINE_NONE;
    if (le->len + 1 >= LINE_EDITOR_MAX) {
        le->overflow = 1;                  /* reject the whole line at its end */
        return LINE_NONE;
    }
    le->buf[le->len++] = (char)c;
    echo(le, (const char *)&c, 1);
    return LINE_NONE;
}

const char *line_editor_text(const struct line_editor *le)
{
    return le->buf;
}
