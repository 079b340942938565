#ifndef EMBODIOS_SHELL_MATH_COMMANDS_H
#define EMBODIOS_SHELL_MATH_COMMANDS_H
/* mathbench (shell/cmd_math.c). */
void math_commands_register(void);
#endif
