/* The shell's line editor: turns received bytes into complete lines, with
 * echo, erase, Ctrl-C, Ctrl-U, Tab completion of the first word and a
 * history walked with the arrow keys. Pure code (output and completion go
 * through callbacks) so host tests can drive it.
 *
 * A line holds at most LINE_EDITOR_MAX - 1 bytes. A multi-byte UTF-8
 * character that would not fit whole ends the line as too long before any
 * of its bytes is stored or echoed, so the echo never stops inside one. */
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
/* Tab in the first word: returns how many names start with the len bytes
 * at word, and writes to add (a C string of at most add_size - 1 bytes)
 * what every one of them continues with. With list set, prints the
 * matching names instead (each on its own line). */
typedef int (*line_complete_fn)(const char *word, size_t len, char *add, size_t add_size, int list,
                                void *ctx);

struct line_editor {
    char buf[LINE_EDITOR_MAX];
    size_t len;
    int overflow;            /* past the buffer: swallow until end of line */
    size_t extra_bytes;      /* received after the overflow ... */
    size_t extra_chars;
    size_t long_bytes;       /* the last rejected line's length in bytes ... */
    size_t long_chars;       /* ... and in characters (line_editor_long_*) */
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
    line_complete_fn complete;   /* NULL: Tab inserts a space */
    const char *prompt;          /* re-echoed after a completion list */
};

void line_editor_init(struct line_editor *le, line_echo_fn echo, void *ctx);
enum line_event line_editor_feed(struct line_editor *le, unsigned char byte);
/* The finished line (valid after LINE_READY until the next feed). */
const char *line_editor_text(const struct line_editor *le);
/* Enables Tab completion; prompt is printed again after a list. */
void line_editor_set_completion(struct line_editor *le, line_complete_fn fn, const char *prompt);
/* After LINE_TOO_LONG: the rejected line's length in bytes and characters. */
size_t line_editor_long_bytes(const struct line_editor *le);
size_t line_editor_long_chars(const struct line_editor *le);
/* History entry `back` steps from the newest (0), or NULL. */
const char *line_editor_history(const struct line_editor *le, int back);

#endif
