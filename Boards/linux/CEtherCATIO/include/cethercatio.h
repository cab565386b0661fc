// AF_PACKET raw sockets behind Orion's Linux EtherCAT master (LinuxEtherCAT). Every function returns -errno on
// failure so the Swift side maps one number to an error.
#ifndef ORION_CETHERCATIO_H
#define ORION_CETHERCATIO_H

#include <stdint.h>
#include <stddef.h>

/// A raw socket for EtherType 0x88A4 bound to interface `name`, non-blocking, with PACKET_QDISC_BYPASS (frames go
/// straight to the driver) where the kernel has it. -ENODEV: no such interface; -EPERM: needs root or CAP_NET_RAW.
int orion_ec_open(const char *name);
/// The interface's MAC address into mac[6]; 0 or -errno.
int orion_ec_mac(const char *name, uint8_t mac[6]);
/// Whether the interface is up and has carrier: 1 running, 0 not (down or no link), -errno.
int orion_ec_link_up(const char *name);
/// Sends one frame; the byte count or -errno.
int orion_ec_send(int fd, const uint8_t *frame, size_t length);
/// Receives one EtherCAT frame that came in (frames this host sent are skipped), waiting until `deadline_us`
/// (CLOCK_MONOTONIC, microseconds); its length, 0 at the deadline, or -errno.
int orion_ec_receive(int fd, uint8_t *buffer, size_t capacity, int64_t deadline_us);
/// CLOCK_MONOTONIC in microseconds.
int64_t orion_ec_now_us(void);
/// CLOCK_MONOTONIC in nanoseconds.
int64_t orion_ec_now_ns(void);
void orion_ec_close(int fd);
/// Sleeps until `ns` on CLOCK_MONOTONIC (absolute); 0, or -errno. Returns early once a stop signal came.
int orion_ec_sleep_until_ns(uint64_t ns);
/// Locks the process's memory and makes the calling thread SCHED_FIFO at `priority`; 0 or -errno.
int orion_ec_realtime(int priority);
/// Sets the calling thread's timer slack (PR_SET_TIMERSLACK; Linux's default for normal threads is 50 us, which
/// delays every absolute sleep's wake-up by up to that much); 0 or -errno.
int orion_ec_timer_slack(unsigned long ns);
/// SIGINT and SIGTERM set a flag instead of ending the process; 0 or -errno.
int orion_ec_catch_stop_signals(void);
/// Whether a stop signal came.
int orion_ec_stop_requested(void);


#endif
