#include "shell/shell.h"
#include "arch/x86_64/serial.h"
#include "core/printk.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "shell/args.h"
#include "shell/command.h"
#include "shell/line_editor.h"

#define MAX_COMMANDS 64

static const struct shell_command *commands[MAX_COMMANDS];
static int command_count;
static struct line_editor editor;
static char current_line[LINE_EDITOR_MAX];

int shell_register(const struct shell_command *cmds, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (command_count == MAX_COMMANDS) {
            printk("shell: command table full, '%s' not registered\n", cmds[i].name);
            return -ENOSPC;
        }
        if (shell_find(cmds[i].name)) {
            printk("shell: duplicate command '%s' ignored\n", cmds[i].name);
            continue;
        }
        /* Keep the table sorted by name so `help` lists it alphabetically. */
        int pos = command_count++;
        while (pos > 0 && strcmp(commands[pos - 1]->name, cmds[i].name) > 0) {
            commands[pos] = commands[pos - 1];
            pos--;
        }
        commands[pos] = &cmds[i];
    }
    return 0;
}

const struct shell_command *shell_find(const char *name)
{
    for (int i = 0; i < command_count; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

int shell_usage(const char *name)
{
    const struct shell_command *c = shell_find(name);
    if (c)
        printk("Usage: %s\n", c->usage);
    return -EINVAL;
}

int shell_poll_interrupt(void)
{
    return serial_take_interrupt();
}

const char *shell_current_line(void)
{
    return current_line;
}

/* Called after help's command list (main.c: model_disk_hint names the model
 * on the first disk). A hook, so the shell does not depend on the model code. */
static void (*help_hook)(void);

void shell_set_help_hook(void (*hook)(void))
{
    help_hook = hook;
}

static int cmd_help(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage("help");
    if (argc == 2) {
        const struct shell_command *c = shell_find(argv[1]);
        if (!c) {
            printk("Unknown command: %s (type 'help')\n", argv[1]);
            return -ENOENT;
        }
        printk("Usage: %s\n  %s\n", c->usage, c->help);
        return 0;
    }
    printk("Commands (help <command> for usage):\n");
    for (int i = 0; i < command_count; i++)
        printk("  %-12s %s\n", commands[i]->name, commands[i]->help);
    if (help_hook)
        help_hook();
    return 0;
}

static const struct shell_command help_command[] = {
    { "help", "help [command]", "list commands, or show one command's usage", cmd_help, 0 },
};

int shell_execute(const char *line)
{
    char work[LINE_EDITOR_MAX];
    char *argv[SHELL_MAX_ARGS];
    strlcpy(current_line, line, sizeof(current_line));
    strlcpy(work, line, sizeof(work));
    /* Commands that take free text get the line as typed. */
    char name[32];
    size_t at = 0, n = 0;
    while (line[at] == ' ' || line[at] == '\t')
        at++;
    while (line[at + n] && line[at + n] != ' ' && line[at + n] != '\t' && n + 1 < sizeof(name)) {
        name[n] = line[at + n];
        n++;
    }
    name[n] = 0;
    const struct shell_command *raw = shell_find(name);
    if (raw && raw->raw_text) {
        argv[0] = name;
        return raw->handler(1, argv);
    }
    int argc = split_args(work, argv, SHELL_MAX_ARGS);
    if (argc == -E2BIG) {
        printk("Too many arguments (at most %d)\n", SHELL_MAX_ARGS - 1);
        return argc;
    }
    if (argc == -EINVAL) {
        printk("Unterminated quote\n");
        return argc;
    }
    if (argc <= 0)
        return 0;
    const struct shell_command *c = shell_find(argv[0]);
    if (!c) {
        printk("Unknown command: %s (type 'help')\n", argv[0]);
        return -ENOENT;
    }
    return c->handler(argc, argv);
}

/* Tab completion of command names (the line editor's callback). */
static int complete_command(const char *word, size_t len, char *add, size_t add_size, int list, void *ctx)
{
    (void)ctx;
    const char *first = NULL;
    size_t common = 0;
    int matches = 0;
    for (int i = 0; i < command_count; i++) {
        const char *name = commands[i]->name;
        if (strncmp(name, word, len) != 0 || strlen(name) < len)
            continue;
        if (list)
            printk("  %s\n", name);
        if (!first) {
            first = name;
            common = strlen(name);
        } else {
            size_t k = len;
            while (k < common && name[k] == first[k])
                k++;
            common = k;
        }
        matches++;
    }
    size_t n = first ? common - len : 0;
    if (n >= add_size)
        n = add_size - 1;
    if (first)
        memcpy(add, first + len, n);
    add[n] = 0;
    return matches;
}

static void echo_to_console(const char *s, size_t len, void *ctx)
{
    (void)ctx;
    console_write(s, len);
}

void shell_run(void)
{
    shell_register(help_command, 1);
    line_editor_init(&editor, echo_to_console, NULL);
    line_editor_set_completion(&editor, complete_command, SHELL_PROMPT);
    printk(SHELL_PROMPT);
    for (;;) {
        int c = serial_read_byte();
        if (c < 0) {
            serial_wait_for_input();
            continue;
        }
        switch (line_editor_feed(&editor, (unsigned char)c)) {
        case LINE_READY:
            shell_execute(line_editor_text(&editor));
            break;
        case LINE_TOO_LONG:
            printk("Line too long: %lu characters (%lu bytes), at most %d bytes fit; ignored\n",
                   (unsigned long)line_editor_long_chars(&editor), (unsigned long)line_editor_long_bytes(&editor),
                   LINE_EDITOR_MAX - 1);
            break;
        case LINE_CANCELLED:
            break;
        case LINE_NONE:
            continue;
        }
        printk(SHELL_PROMPT);
    }
}
