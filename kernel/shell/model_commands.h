#ifndef EMBODIOS_SHELL_MODEL_COMMANDS_H
#define EMBODIOS_SHELL_MODEL_COMMANDS_H
/* loadmodel, modelinfo, tokenize, detokenize (shell/cmd_model.c). */
void model_commands_register(void);
/* The loaded model, or NULL (for commands that use it, such as inference). */
struct model;
const struct model *model_current(void);
#endif
