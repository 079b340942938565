/* The serial shell: prompt, line editing, dispatch through the command table. */
#ifndef EMBODIOS_SHELL_SHELL_H
#define EMBODIOS_SHELL_SHELL_H

#define SHELL_PROMPT "EMBODIOS> "

/* Runs the read-eval loop forever. */
__attribute__((noreturn)) void shell_run(void);
/* Runs one command line (exposed for tests and scripts). */
int shell_execute(const char *line);
/* The line being executed, exactly as typed (for commands such as tokenize
 * that need the raw text, spaces included). */
const char *shell_current_line(void);
/* hook() runs after help's command list. */
void shell_set_help_hook(void (*hook)(void));

void sys_commands_register(void);

#endif
