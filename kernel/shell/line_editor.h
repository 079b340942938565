/* The shell's line editor: turns received bytes into complete lines, with
 * echo, erase, Ctrl-C, Ctrl-U and a history walked with the arrow keys.
 * Pure code (output goes through a callback) so host tests can drive it. */
#ifndef EMBODIOS_SHELL_LINE_EDITOR_H
#define EMBODIOS_SHELL_LINE_EDITOR_H

#include <stddef.h>

#define LINE_EDITOR_MAX     512   /* bytes per line, terminator included */
#define LINE_EDITOR_HISTORY 32

enum line_event {
    LINE_NONE,       /* byte consumed, line not finished */
    LINE_READY,      /* a complete line is in line_editor_text() */
    LINE_CANCELLED,  /* Ctrl-C abandoned the line */
    LINE_TOO_LONG,   /* the line overflowed the buffer and was discarded */
};

typedef void (*line_echo_fn)(const char *s, size_t len, void *ctx);

struct line_editor {
    char buf[LINE_EDITOR_MAX];
    size_t len;
    int overflow;            /* past the buffer: swallow until end of line */
    int after_cr;            /* last byte was CR: a following LF is the same line end */
    int esc_state;           /* 0 none, 1 after ESC, 2 inside CSI/SS3 */
    int esc_len;
    char history[LINE_EDITOR_HISTORY][LINE_EDITOR_MAX];
    int history_count;       /* entries stored, up to LINE_EDITOR_HISTORY */
    int history_newest;      /* index of the newest entry */
    int browse;              /* -1 editing; else how far back we are (0 = newest) */
    char draft[LINE_EDITOR_MAX];  /* the line being typed before browsing began */
    line_echo_fn echo;
    void *echo_ctx;
};

void line_editor_init(struct line_editor *le, line_echo_fn echo, void *ctx);
enum line_event line_editor_feed(struct line_editor *le, unsigned char byte);
/* The finished line (valid after LINE_READY until the next feed). */
const char *line_editor_text(const struct line_editor *le);
/* History entry `back` steps from the newest (0), or NULL. */
const char *line_editor_history(const struct line_editor *le, int back);

#endif
