/* For `fault tail` (shell/cmd_sys.c): a function whose last instruction is
 * a call that never returns, placed right before another function, so its
 * return address is the next function's first byte. A backtrace that looks
 * up ret instead of ret - 1 names the wrong function here
 * (tests/qemu/test_faults.py). Written in assembly because a compiler pads
 * between functions. */
    .section .text
    .global fault_noreturn_tail
    .type fault_noreturn_tail, @function
fault_noreturn_tail:
    push %rbp
    mov %rsp, %rbp
    call fault_tail_panic           /* noreturn */
    .size fault_noreturn_tail, . - fault_noreturn_tail

    .global fault_after_tail
    .type fault_after_tail, @function
fault_after_tail:
    ud2
    .size fault_after_tail, . - fault_after_tail

    .section .note.GNU-stack, "", @progbits
