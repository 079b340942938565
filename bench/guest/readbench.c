/* Runs inside the Linux guest: O_DIRECT reads of /dev/vda, timed with
 * CLOCK_MONOTONIC, one request at a time (queue depth 1, like dd).
 *   readbench seq BS_BYTES TOTAL_BYTES
 *   readbench rand BS_BYTES COUNT
 *   readbench now          (monotonic microseconds, to time dd from the shell)
 * Prints "RESULT <mode> <bs> <bytes> <usec>". Built static on the host. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "now") == 0) {
        printf("%llu\n", (unsigned long long)now_us());
        return 0;
    }
    if (argc != 4)
        return 2;
    int random = strcmp(argv[1], "rand") == 0;
    uint64_t bs = strtoull(argv[2], 0, 0), n = strtoull(argv[3], 0, 0);
    int fd = open("/dev/vda", O_RDONLY | O_DIRECT);
    uint64_t size = 0;
    if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0) {
        perror("readbench: /dev/vda");
        return 1;
    }
    void *buf;
    if (posix_memalign(&buf, 4096, bs))
        return 1;
    uint64_t count = random ? n : n / bs, slots = size / bs, state = 88172645463325252ULL, bytes = 0;
    uint64_t t0 = now_us();
    for (uint64_t i = 0; i < count; i++) {
        uint64_t off;
        if (random) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            off = (state % slots) * bs;
        } else {
            off = (i * bs) % (slots * bs);
        }
        if (pread(fd, buf, bs, (off_t)off) != (ssize_t)bs) {
            perror("readbench: pread");
            return 1;
        }
        bytes += bs;
    }
    printf("RESULT %s %llu %llu %llu\n", argv[1], (unsigned long long)bs, (unsigned long long)bytes,
           (unsigned long long)(now_us() - t0));
    return 0;
}
