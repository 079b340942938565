/* Host tests: core/heap_core.c — sizes from 16 bytes up, alignment,
 * coalescing, fragmentation and reuse, growth, corruption detection. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "core/heap_core.h"
#include "lib/errno.h"

#define ARENA (8u << 20)

struct grow_ctx {
    void *arenas[64];
    int count;
    int limit;      /* how many arenas grow may hand out */
};

static void *grow(size_t min_bytes, size_t *got, void *vctx)
{
    struct grow_ctx *ctx = vctx;
    if (ctx->count >= ctx->limit)
        return NULL;
    size_t len = min_bytes > ARENA ? min_bytes : ARENA;
    void *p = malloc(len);
    if (!p)
        return NULL;
    ctx->arenas[ctx->count++] = p;
    *got = len;
    return p;
}

static void free_arenas(struct grow_ctx *ctx)
{
    for (int i = 0; i < ctx->count; i++)
        free(ctx->arenas[i]);
    ctx->count = 0;
}

static void test_basic(void)
{
    struct grow_ctx ctx = { .limit = 1 };
    struct heap h;
    heap_core_init(&h, grow, &ctx);
    void *a = heap_core_alloc(&h, 16, 0);
    void *b = heap_core_alloc(&h, 100, 0);
    void *c = heap_core_alloc(&h, 1, 0);
    CHECK(a && b && c);
    CHECK(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0);
    CHECK(heap_core_usable_size(b) >= 100);
    memset(a, 0xAA, 16);
    memset(b, 0xBB, 100);
    memset(c, 0xCC, 1);
    CHECK(((unsigned char *)a)[15] == 0xAA && ((unsigned char *)b)[0] == 0xBB);
    CHECK_EQ_INT(h.allocations, 3);
    CHECK_EQ_INT(heap_core_check(&h), 0);
    CHECK_EQ_INT(heap_core_free(&h, b), 0);
    CHECK_EQ_INT(heap_core_free(&h, b), -EFAULT);   /* double free caught */
    CHECK_EQ_INT(heap_core_free(&h, (char *)a + 16), -EFAULT);   /* not a block start */
    CHECK_EQ_INT(heap_core_free(&h, a), 0);
    CHECK_EQ_INT(heap_core_free(&h, c), 0);
    CHECK_EQ_INT(heap_core_free(&h, NULL), 0);
    /* Everything coalesces back into one free block. */
    CHECK_EQ_INT(h.allocations, 0);
    CHECK_EQ_INT(h.used_bytes, 0);
    CHECK_EQ_INT(heap_core_check(&h), 0);
    CHECK(heap_core_largest_free(&h) > ARENA - 128);
    CHECK(heap_core_alloc(&h, (size_t)1 << 50, 0) == NULL);    /* absurd size */
    CHECK(heap_core_alloc(&h, 64, 24) == NULL);                /* not a power of two */
    free_arenas(&ctx);
}

static void test_alignment(void)
{
    struct grow_ctx ctx = { .limit = 4 };
    struct heap h;
    heap_core_init(&h, grow, &ctx);
    void *ptrs[64];
    int n = 0;
    for (size_t align = 16; align <= 65536; align <<= 1)
        for (size_t size = 1; size <= 20000; size = size * 3 + 1) {
            void *p = heap_core_alloc(&h, size, align);
            CHECK(p && ((uintptr_t)p & (align - 1)) == 0);
            if (p)
                memset(p, 0x5A, size);
            if (n < 64)
                ptrs[n++] = p;
            else
                heap_core_free(&h, p);
        }
    CHECK_EQ_INT(heap_core_check(&h), 0);
    for (int i = 0; i < n; i++)
        CHECK_EQ_INT(heap_core_free(&h, ptrs[i]), 0);
    CHECK_EQ_INT(h.allocations, 0);
    CHECK_EQ_INT(heap_core_check(&h), 0);
    free_arenas(&ctx);
}

/* Fragment the heap (free every other block), check that the holes are
 * reused for requests that fit and that freeing the rest coalesces. */
static void test_fragmentation(void)
{
    struct grow_ctx ctx = { .limit = 1 };
    struct heap h;
    heap_core_init(&h, grow, &ctx);
    enum { N = 1000 };
    void *p[N];
    for (int i = 0; i < N; i++)
        p[i] = heap_core_alloc(&h, 1000, 0);
    uint64_t arena_before = h.arena_bytes;
    for (int i = 0; i < N; i += 2)
        CHECK_EQ_INT(heap_core_free(&h, p[i]), 0);
    CHECK_EQ_INT(heap_core_check(&h), 0);
    for (int i = 0; i < N; i += 2) {
        p[i] = heap_core_alloc(&h, 900, 0);    /* fits the holes */
        CHECK(p[i] != NULL);
    }
    CHECK_EQ_INT(h.arena_bytes, arena_before);     /* no growth needed */
    for (int i = 0; i < N; i++)
        heap_core_free(&h, p[i]);
    CHECK_EQ_INT(heap_core_check(&h), 0);
    CHECK_EQ_INT(h.free_bytes, h.arena_bytes - 32);  /* one block: arena minus prologue/epilogue */
    free_arenas(&ctx);
}

/* Random allocate/free with contents checked: catches overlap bugs. */
static void test_random(void)
{
    struct grow_ctx ctx = { .limit = 64 };
    struct heap h;
    heap_core_init(&h, grow, &ctx);
    enum { SLOTS = 512 };
    unsigned char *slot[SLOTS] = { 0 };
    size_t len[SLOTS] = { 0 };
    srand(1234);
    int corrupt = 0;
    for (int iter = 0; iter < 50000; iter++) {
        int i = rand() % SLOTS;
        if (slot[i]) {
            for (size_t k = 0; k < len[i]; k++)
                if (slot[i][k] != (unsigned char)(i + k))
                    corrupt++;
            heap_core_free(&h, slot[i]);
            slot[i] = NULL;
        } else {
            len[i] = (size_t)(rand() % 4 == 0 ? rand() % 200000 : rand() % 300) + 1;
            size_t align = (size_t)16 << (rand() % 8);
            slot[i] = heap_core_alloc(&h, len[i], align);
            if (!slot[i])
                continue;
            if ((uintptr_t)slot[i] & (align - 1))
                corrupt++;
            for (size_t k = 0; k < len[i]; k++)
                slot[i][k] = (unsigned char)(i + k);
        }
    }
    CHECK_EQ_INT(corrupt, 0);
    CHECK_EQ_INT(heap_core_check(&h), 0);
    for (int i = 0; i < SLOTS; i++)
        heap_core_free(&h, slot[i]);
    CHECK_EQ_INT(h.allocations, 0);
    CHECK_EQ_INT(heap_core_check(&h), 0);
    free_arenas(&ctx);
}

static void test_large_and_exhaustion(void)
{
    struct grow_ctx ctx = { .limit = 2 };
    struct heap h;
    heap_core_init(&h, grow, &ctx);
    void *big = heap_core_alloc(&h, 64u << 20, 4096);   /* grows an arena for it */
    CHECK(big != NULL && ((uintptr_t)big & 4095) == 0);
    if (big)
        memset(big, 1, 64u << 20);
    void *big2 = heap_core_alloc(&h, 32u << 20, 0);
    CHECK(big2 != NULL);
    CHECK(heap_core_alloc(&h, 32u << 20, 0) == NULL);   /* grow refuses: NULL, no crash */
    CHECK_EQ_INT(heap_core_free(&h, big), 0);
    void *again = heap_core_alloc(&h, 60u << 20, 0);     /* reuses the freed space */
    CHECK(again != NULL);
    CHECK_EQ_INT(ctx.count, 2);
    heap_core_free(&h, again);
    heap_core_free(&h, big2);
    CHECK_EQ_INT(heap_core_check(&h), 0);
    free_arenas(&ctx);
}

int main(void)
{
    test_basic();
    test_alignment();
    test_fragmentation();
    test_random();
    test_large_and_exhaustion();
    return check_summary("test_heap");
}
