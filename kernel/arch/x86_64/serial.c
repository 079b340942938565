#include "arch/x86_64/serial.h"
#include "arch/x86_64/io.h"

#define COM1 0x3F8
/* Register offsets (16550 datasheet). */
#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20

/* Big enough for a paste of many commands; when it is full we stop reading
 * the UART, and QEMU holds further bytes back (its chardev only delivers
 * what the UART can accept), so nothing is lost either way. */
#define RX_RING_SIZE 8192
static unsigned char rx_ring[RX_RING_SIZE];
static size_t rx_head, rx_tail;   /* head: next write; tail: next read */

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);  /* no interrupts while programming */
    outb(COM1 + UART_LCR, 0x80);  /* DLAB on to set the divisor */
    outb(COM1 + UART_DATA, 1);    /* 115200 = 115200 / 1 */
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, 0x03);  /* 8 data bits, no parity, 1 stop */
    /* Turning the FIFO on resets it, so first keep any byte that arrived
     * before we got here (typed or pasted during boot). */
    serial_poll();
    outb(COM1 + UART_FCR, 0xC1);  /* enable FIFOs, 14-byte trigger */
    outb(COM1 + UART_MCR, 0x0B);  /* DTR, RTS, OUT2 (routes the IRQ to the PIC) */
    /* "Data received" interrupt: used only to wake the idle loop's hlt; the
     * bytes themselves are always moved by serial_poll. */
    outb(COM1 + UART_IER, 0x01);
}

void serial_wait_for_input(void)
{
    /* sti;hlt is atomic for interrupt delivery (the sti shadow), so a byte
     * that arrives after the check below still wakes the hlt. */
    if (serial_poll())
        return;
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

static void serial_putc_raw(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
        cpu_relax();
    outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            serial_putc_raw('\r');
        serial_putc_raw(s[i]);
    }
}

size_t serial_poll(void)
{
    while ((rx_head - rx_tail) < RX_RING_SIZE && (inb(COM1 + UART_LSR) & LSR_DATA_READY)) {
        rx_ring[rx_head % RX_RING_SIZE] = inb(COM1 + UART_DATA);
        rx_head++;
    }
    return rx_head - rx_tail;
}

int serial_read_byte(void)
{
    serial_poll();
    if (rx_head == rx_tail)
        return -1;
    return rx_ring[rx_tail++ % RX_RING_SIZE];
}

int serial_take_interrupt(void)
{
    serial_poll();
    for (size_t i = rx_tail; i != rx_head; i++) {
        if (rx_ring[i % RX_RING_SIZE] != 0x03)
            continue;
        /* Remove it by shifting the older bytes up by one. */
        for (size_t j = i; j != rx_tail; j--)
            rx_ring[j % RX_RING_SIZE] = rx_ring[(j - 1) % RX_RING_SIZE];
        rx_tail++;
        return 1;
    }
    return 0;
}
