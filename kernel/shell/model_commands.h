#ifndef EMBODIOS_SHELL_MODEL_COMMANDS_H
#define EMBODIOS_SHELL_MODEL_COMMANDS_H
/* loadmodel, modelinfo, tokenize, detokenize (shell/cmd_model.c). */
void model_commands_register(void);
#endif
