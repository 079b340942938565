/* rdbench: the timing tool of the benchmark's Linux guest (and, built for the
 * host, of the page-cache ceiling). Static, libc only.
 *
 *   rdbench time CMD [ARG...]     run CMD, print its wall time (busybox dd
 *                                 prints no timing line of its own)
 *   rdbench read DEV BS_BYTES TOTAL_BYTES seq|random [direct|buffered] [QD]
 *                                 read TOTAL_BYTES in BS_BYTES requests, one
 *                                 at a time (queue depth 1), or with QD > 1
 *                                 (O_DIRECT only) QD requests in flight through
 *                                 Linux native AIO (io_submit): sequentially
 *                                 from offset 0 (wrapping at the end), or
 *                                 at random BS-aligned offsets over the
 *                                 whole device -- the same pattern as
 *                                 EMBODIOS `blkperf --random`
 *
 * Output is one line, "@@RESULT key=value ...", parsed by bench/bench.py.
 * Time comes from clock_gettime(CLOCK_MONOTONIC); the host also timestamps
 * the serial lines around each test to cross-check the guest's clock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef BLKGETSIZE64
#define BLKGETSIZE64 _IOR(0x12, 114, size_t)
#endif

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int cmd_time(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: rdbench time CMD [ARG...]\n");
        return 2;
    }
    uint64_t t0 = now_us();
    pid_t pid = fork();
    if (pid < 0) {
        perror("rdbench: fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("rdbench: exec");
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) {
        perror("rdbench: waitpid");
        return 1;
    }
    uint64_t us = now_us() - t0;
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    printf("@@RESULT tool=time status=%d elapsed_us=%" PRIu64 "\n", rc, us);
    fflush(stdout);
    return rc;
}

static uint64_t device_bytes(int fd)
{
    uint64_t size = 0;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        return (uint64_t)st.st_size;
    if (ioctl(fd, BLKGETSIZE64, &size) == 0)
        return size;
    off_t end = lseek(fd, 0, SEEK_END);
    return end > 0 ? (uint64_t)end : 0;
}

/* Keeps qd reads in flight with io_submit/io_getevents (raw syscalls: no
 * libaio in the static guest). Returns 0, or -1 after printing the error. */
static int read_aio(int fd, void *bufs, uint64_t bs, uint64_t count, uint64_t slots, int random,
                    unsigned qd, uint64_t *state)
{
    aio_context_t ctx = 0;
    if (syscall(SYS_io_setup, qd, &ctx) < 0) {
        fprintf(stderr, "rdbench: io_setup: %s\n", strerror(errno));
        return -1;
    }
    struct iocb cbs[qd], *ptrs[qd];
    struct io_event events[qd];
    uint64_t issued = 0, completed = 0;
    memset(cbs, 0, sizeof(cbs));
    while (completed < count) {
        /* Refill every free slot (aio_data 0) and submit them in one call. */
        long batch = 0;
        for (unsigned i = 0; i < qd && issued < count; i++) {
            if (cbs[i].aio_data)
                continue;
            uint64_t off = random ? (xorshift(state) % slots) * bs : (issued % slots) * bs;
            cbs[i] = (struct iocb){ .aio_data = i + 1, .aio_lio_opcode = IOCB_CMD_PREAD,
                                    .aio_fildes = (uint32_t)fd,
                                    .aio_buf = (uint64_t)(uintptr_t)((char *)bufs + i * bs),
                                    .aio_nbytes = bs, .aio_offset = (int64_t)off };
            ptrs[batch++] = &cbs[i];
            issued++;
        }
        if (batch && syscall(SYS_io_submit, ctx, batch, ptrs) != batch) {
            fprintf(stderr, "rdbench: io_submit: %s\n", strerror(errno));
            return -1;
        }
        long n = syscall(SYS_io_getevents, ctx, 1, (long)qd, events, NULL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "rdbench: io_getevents: %s\n", strerror(errno));
            return -1;
        }
        for (long e = 0; e < n; e++) {
            if (events[e].res != (int64_t)bs) {
                fprintf(stderr, "rdbench: aio read: %s\n",
                        events[e].res < 0 ? strerror((int)-events[e].res) : "short read");
                return -1;
            }
            cbs[events[e].data - 1].aio_data = 0;
            completed++;
        }
    }
    syscall(SYS_io_destroy, ctx);
    return 0;
}

static int cmd_read(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: rdbench read DEV BS_BYTES TOTAL_BYTES seq|random [direct|buffered]\n");
        return 2;
    }
    const char *dev = argv[2];
    uint64_t bs = strtoull(argv[3], NULL, 0), total = strtoull(argv[4], NULL, 0);
    int random = strcmp(argv[5], "random") == 0;
    int direct = !(argc > 6 && strcmp(argv[6], "buffered") == 0);
    unsigned qd = argc > 7 ? (unsigned)strtoul(argv[7], NULL, 0) : 1;
    if (qd < 1 || qd > 256 || (qd > 1 && !direct)) {
        fprintf(stderr, "rdbench: queue depth %u: 1..256, and above 1 only with direct\n", qd);
        return 2;
    }
    if (bs == 0 || bs % 512 || total < bs) {
        fprintf(stderr, "rdbench: bad sizes bs=%" PRIu64 " total=%" PRIu64 "\n", bs, total);
        return 2;
    }
    int fd = open(dev, O_RDONLY | (direct ? O_DIRECT : 0));
    if (fd < 0) {
        fprintf(stderr, "rdbench: open %s: %s\n", dev, strerror(errno));
        return 1;
    }
    uint64_t size = device_bytes(fd), slots = size / bs;
    if (slots == 0) {
        fprintf(stderr, "rdbench: %s is smaller than one block\n", dev);
        return 1;
    }
    /* Sequential reads past the end wrap to offset 0: the host ceiling reads
     * its page-cached image several times over to time something long enough. */
    uint64_t count = total / bs;
    void *buf;
    if (posix_memalign(&buf, 4096, bs * qd) != 0) {
        fprintf(stderr, "rdbench: out of memory\n");
        return 1;
    }
    uint64_t state = 0x9E3779B97F4A7C15ull ^ now_us();
    uint64_t t0 = now_us();
    if (qd > 1 && read_aio(fd, buf, bs, count, slots, random, qd, &state) < 0)
        return 1;
    for (uint64_t i = 0; qd == 1 && i < count; i++) {
        uint64_t off = random ? (xorshift(&state) % slots) * bs : (i % slots) * bs;
        ssize_t n = pread(fd, buf, bs, (off_t)off);
        if (n != (ssize_t)bs) {
            fprintf(stderr, "rdbench: read at %" PRIu64 ": %s\n", off, n < 0 ? strerror(errno) : "short read");
            return 1;
        }
    }
    uint64_t us = now_us() - t0;
    if (us == 0)
        us = 1;
    printf("@@RESULT tool=rdbench mode=%s io=%s qd=%u bs=%" PRIu64 " reads=%" PRIu64 " bytes=%" PRIu64
           " elapsed_us=%" PRIu64 " iops=%" PRIu64 " us_per_read=%.2f\n",
           random ? "random" : "seq", direct ? "direct" : "buffered", qd, bs, count, count * bs, us,
           count * 1000000u / us, (double)us / (double)count);
    fflush(stdout);
    free(buf);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "time") == 0)
        return cmd_time(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "read") == 0)
        return cmd_read(argc, argv);
    fprintf(stderr, "usage: rdbench time CMD...  |  rdbench read DEV BS TOTAL seq|random [direct|buffered] [QD]\n");
    return 2;
}
