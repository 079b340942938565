#ifndef EMBODIOS_SHELL_MODEL_COMMANDS_H
#define EMBODIOS_SHELL_MODEL_COMMANDS_H
/* loadmodel, modelinfo, tokenize, detokenize (shell/cmd_model.c). */
void model_commands_register(void);
struct model;
struct llama_weights;
struct llama_state;
struct loaded_model {
    struct model *model;
    struct llama_weights *weights;   /* NULL: a vocabulary-only file */
    struct llama_state *state;
    const char *device;
};
/* The model loadmodel loaded: 0, or -ENOENT when there is none. */
int model_commands_loaded(struct loaded_model *out);
/* generate (shell/cmd_generate.c). */
void generate_commands_register(void);
/* Names the GGUF model on the first disk, if there is one (after help). */
void model_disk_hint(void);
#endif
