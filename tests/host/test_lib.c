/* Host tests: lib/format.c (vsnprintf) and lib/string.c. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string_host_names.h"

size_t strlcpy(char *dst, const char *src, size_t size);

int emb_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define FMT(expect, ...) do { \
        char b_[256]; \
        int n_ = emb_snprintf(b_, sizeof(b_), __VA_ARGS__); \
        CHECK_EQ_STR(b_, expect); \
        CHECK_EQ_INT(n_, (int)strlen(expect)); \
    } while (0)

static void test_format(void)
{
    FMT("42", "%d", 42);
    FMT("-42", "%i", -42);
    FMT("-2147483648", "%d", INT_MIN);
    FMT("4294967295", "%u", UINT_MAX);
    FMT("ff FF", "%x %X", 255, 255);
    FMT("ffffffffffffffff", "%lx", ULONG_MAX);
    FMT("18446744073709551615", "%lu", ULONG_MAX);
    FMT("18446744073709551615", "%llu", ULLONG_MAX);
    FMT("-9223372036854775808", "%lld", LLONG_MIN);
    FMT("123456789012", "%zu", (size_t)123456789012ULL);
    FMT("0x1000", "%p", (void *)0x1000);
    FMT("hi there", "%s %s", "hi", "there");
    {
        const char *volatile null_string = NULL;   /* hidden from -Wformat-overflow */
        FMT("(null)", "%s", null_string);
    }
    FMT("x", "%c", 'x');
    FMT("100%", "%d%%", 100);
    FMT("   42", "%5d", 42);
    FMT("00042", "%05d", 42);
    FMT("-0042", "%05d", -42);
    FMT("42   |", "%-5d|", 42);
    FMT("ab   |", "%-5s|", "ab");
    FMT("   ab", "%5s", "ab");
    FMT("abc", "%.3s", "abcdef");
    FMT("  7", "%*d", 3, 7);
    FMT("0x00ff", "0x%04x", 255);
    FMT("0000000000000001", "%016lx", 1UL);
    FMT("0", "%u", 0);
    FMT("-1", "%hhd", (signed char)-1);

    /* Truncation: output cut, always terminated, full length returned. */
    char small[5];
    int n = emb_snprintf(small, sizeof(small), "%s", "abcdefgh");
    CHECK_EQ_STR(small, "abcd");
    CHECK_EQ_INT(n, 8);
    CHECK_EQ_INT(emb_snprintf(NULL, 0, "%d", 12345), 5);
}

static void test_parse(void)
{
    unsigned long long v = 0;
    CHECK_EQ_INT(parse_u64("0", &v), 0);
    CHECK_EQ_INT(v, 0);
    CHECK_EQ_INT(parse_u64("12345", &v), 0);
    CHECK_EQ_INT(v, 12345);
    CHECK_EQ_INT(parse_u64("0x1F", &v), 0);
    CHECK_EQ_INT(v, 31);
    CHECK_EQ_INT(parse_u64("18446744073709551615", &v), 0);
    CHECK(v == ULLONG_MAX);
    CHECK_EQ_INT(parse_u64("18446744073709551616", &v), -ERANGE);
    CHECK_EQ_INT(parse_u64("", &v), -EINVAL);
    CHECK_EQ_INT(parse_u64("0x", &v), -EINVAL);
    CHECK_EQ_INT(parse_u64("12a", &v), -EINVAL);
    CHECK_EQ_INT(parse_u64("-1", &v), -EINVAL);
}

static void test_string(void)
{
    unsigned char a[300], b[300];
    for (int i = 0; i < 300; i++)
        a[i] = (unsigned char)(i * 7);
    /* memcpy / memset / memcmp at every small offset and length. */
    for (int off = 0; off < 16; off++)
        for (int len = 0; len < 64; len++) {
            memset(b, 0xEE, sizeof(b));
            emb_memcpy(b + off, a, (size_t)len);
            CHECK(memcmp(b + off, a, (size_t)len) == 0 && b[off + len] == 0xEE);
        }
    emb_memset(b, 0x11, 100);
    CHECK(b[0] == 0x11 && b[99] == 0x11 && b[100] != 0x11);
    /* memmove in both directions. */
    for (int i = 0; i < 300; i++)
        b[i] = (unsigned char)i;
    emb_memmove(b + 10, b, 100);
    CHECK(b[10] == 0 && b[109] == 99);
    for (int i = 0; i < 300; i++)
        b[i] = (unsigned char)i;
    emb_memmove(b, b + 10, 100);
    CHECK(b[0] == 10 && b[99] == 109);
    CHECK(emb_memcmp("abc", "abd", 3) < 0);
    CHECK(emb_memcmp("abd", "abc", 3) > 0);
    CHECK(emb_memcmp("abc", "abc", 3) == 0);
    CHECK(emb_memcmp("\xff", "\x01", 1) > 0);
    CHECK_EQ_INT(emb_strlen("hello"), 5);
    CHECK_EQ_INT(emb_strnlen("hello", 3), 3);
    CHECK(emb_strcmp("a", "b") < 0 && emb_strcmp("b", "a") > 0 && emb_strcmp("x", "x") == 0);
    CHECK(emb_strncmp("abcX", "abcY", 3) == 0 && emb_strncmp("abcX", "abcY", 4) < 0);
    CHECK(emb_strchr("hello", 'l') != NULL && *emb_strchr("hello", 'l') == 'l');
    CHECK(emb_strchr("hello", 'z') == NULL);
    char dst[4];
    CHECK_EQ_INT(strlcpy(dst, "abcdef", sizeof(dst)), 6);
    CHECK_EQ_STR(dst, "abc");
}

static void test_errors(void)
{
    CHECK_EQ_STR(error_name(-EIO), "EIO");
    CHECK_EQ_STR(error_name(EIO), "EIO");
    CHECK_EQ_STR(error_text(-EROFS), "device is read-only");
    CHECK_EQ_STR(error_name(-9999), "E?");
    CHECK_EQ_INT(EBADMAGIC, 1);   /* the spec's "Failed to load model (error -1)" */
}

int main(void)
{
    test_format();
    test_parse();
    test_string();
    test_errors();
    return check_summary("test_lib");
}
