/* Host tests only: prototypes for the emb_-prefixed copies of lib/string.c,
 * so tests can call EMBODIOS's own implementations next to the C library's. */
#ifndef EMBODIOS_LIB_STRING_HOST_NAMES_H
#define EMBODIOS_LIB_STRING_HOST_NAMES_H
#include <stddef.h>
void *emb_memcpy(void *dst, const void *src, size_t n);
void *emb_memmove(void *dst, const void *src, size_t n);
void *emb_memset(void *dst, int c, size_t n);
int emb_memcmp(const void *a, const void *b, size_t n);
size_t emb_strlen(const char *s);
size_t emb_strnlen(const char *s, size_t max);
int emb_strcmp(const char *a, const char *b);
int emb_strncmp(const char *a, const char *b, size_t n);
char *emb_strchr(const char *s, int c);

#endif
