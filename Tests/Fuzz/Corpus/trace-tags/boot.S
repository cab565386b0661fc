    .section .text
// @implements SWR-B
    .global motor_entry
motor_entry:
    ret
