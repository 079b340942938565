#include "arch/x86_64/pit.h"
#include "arch/x86_64/io.h"

#define PIT_CH2_DATA 0x42
#define PIT_COMMAND  0x43
#define PORT_B       0x61   /* bit 0: channel 2 gate, bit 1: speaker */

#define CMD_CH2_LATCH      0x80   /* channel 2, counter latch */
#define CMD_CH2_RATE_LOHI  0xB4   /* channel 2, lobyte/hibyte, mode 2 (rate generator) */

void pit_start_free_running(void)
{
    uint8_t portb = inb(PORT_B) & ~0x03;
    outb(PORT_B, portb);              /* gate low, speaker off while programming */
    outb(PIT_COMMAND, CMD_CH2_RATE_LOHI);
    outb(PIT_CH2_DATA, 0);            /* reload 0 means 65536 */
    outb(PIT_CH2_DATA, 0);
    outb(PORT_B, portb | 0x01);       /* gate high: counting starts */
}

uint64_t pit_read_ticks(void)
{
    /* The latch freezes both bytes at once, so they belong together. */
    outb(PIT_COMMAND, CMD_CH2_LATCH);
    uint16_t lo = inb(PIT_CH2_DATA);
    uint16_t hi = inb(PIT_CH2_DATA);
    uint16_t count = (uint16_t)(hi << 8 | lo);
    return (uint16_t)(0u - count);    /* a down-counter, turned to count up */
}
