/* The shell's command table. Subsystems register their commands at boot. */
#ifndef EMBODIOS_SHELL_COMMAND_H
#define EMBODIOS_SHELL_COMMAND_H

#include <stddef.h>

#define SHELL_MAX_ARGS 32

struct shell_command {
    const char *name;
    const char *usage;   /* e.g. "blkinfo [dev]" */
    const char *help;    /* one line */
    /* Returns 0 or a negative error code; the shell prints nothing extra for
     * a failure (the handler explains it), it only stays alive. */
    int (*handler)(int argc, char **argv);
    /* Takes free text (tokenize): the shell does not split or unquote the
     * line; the handler gets argc 1 and reads shell_current_line(). */
    int raw_text;
};

/* Registers an array of commands (the array must outlive the shell). */
int shell_register(const struct shell_command *cmds, size_t count);
const struct shell_command *shell_find(const char *name);
/* Prints "Usage: <usage>" for the named command. Returns -EINVAL. */
int shell_usage(const char *name);
/* Drains pending serial input into the shell's buffer, so long-running
 * commands never make the UART drop bytes; returns 1 if Ctrl-C was seen. */
int shell_poll_interrupt(void);

#endif
