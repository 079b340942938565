#include "arch/x86_64/pit.h"
#include "arch/x86_64/io.h"

#define PIT_CH2_DATA 0x42
#define PIT_COMMAND  0x43
#define PORT_B       0x61   /* bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2 */

uint64_t pit_measure_tsc(uint16_t ticks)
{
    /* Gate low and speaker off while programming. */
    uint8_t portb = inb(PORT_B) & ~0x03;
    outb(PORT_B, portb);
    /* Channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count):
     * OUT2 goes high when the count reaches zero. */
    outb(PIT_COMMAND, 0xB0);
    outb(PIT_CH2_DATA, ticks & 0xFF);
    outb(PIT_CH2_DATA, ticks >> 8);

    outb(PORT_B, portb | 0x01);      /* gate high: counting starts */
    uint64_t start = rdtsc();
    while (!(inb(PORT_B) & 0x20))
        ;
    uint64_t end = rdtsc();
    outb(PORT_B, portb);
    return end - start;
}
