// AF_PACKET raw sockets behind Orion's Linux EtherCAT master (LinuxEtherCAT) and PROFINET stack (LinuxPROFINET),
// with the UDP sockets and interface address control PROFINET's RPC and DCP need. Every function returns -errno on
// failure so the Swift side maps one number to an error.
#ifndef ORION_CETHERCATIO_H
#define ORION_CETHERCATIO_H

#include <stdint.h>
#include <stddef.h>

/// A raw socket for EtherType 0x88A4 bound to interface `name`, non-blocking, with PACKET_QDISC_BYPASS (frames go
/// straight to the driver) where the kernel has it. -ENODEV: no such interface; -EPERM: needs root or CAP_NET_RAW.
int orion_ec_open(const char *name);
/// A raw socket for `ethertype` (ETH_P_ALL = 3: every frame) on interface `name`, as orion_ec_open.
int orion_raw_open(const char *name, uint16_t ethertype);
/// Joins the multicast MAC `mac` on the socket's interface (PACKET_ADD_MEMBERSHIP); 0 or -errno.
int orion_raw_add_multicast(int fd, const char *name, const uint8_t mac[6]);
/// Receives one frame that came in without waiting: its length, 0 when none is queued, or -errno.
int orion_raw_receive_any(int fd, uint8_t *buffer, size_t capacity);
/// The interface's IPv4 address and netmask (host byte order; 0 when it has none); 0 or -errno.
int orion_ipv4_get(const char *name, uint32_t *address, uint32_t *netmask);
/// Sets (address 0: removes) the interface's IPv4 address and netmask; 0 or -errno.
int orion_ipv4_set(const char *name, uint32_t address, uint32_t netmask);
/// A non-blocking UDP socket bound to `port` (0: any) on all addresses, limited to interface `name` when given.
int orion_udp_open(const char *name, uint16_t port);
/// The local port of a UDP socket, or -errno.
int orion_udp_local_port(int fd);
/// Sends one datagram to address:port (host byte order); bytes sent or -errno.
int orion_udp_send(int fd, uint32_t address, uint16_t port, const uint8_t *data, size_t length);
/// Receives one datagram without waiting: its length (0 when none is queued; -EMSGSIZE when longer than
/// capacity, dropped) and the sender.
int orion_udp_receive(int fd, uint8_t *buffer, size_t capacity, uint32_t *address, uint16_t *port);
/// Waits until one of `count` (≤ 4) descriptors is readable or `deadline_us` (CLOCK_MONOTONIC) passes, or a stop
/// signal came; bit i of *ready is set for a readable fds[i]. The number ready (0 at the deadline), or -errno.
int orion_wait_readable(const int *fds, int count, int64_t deadline_us, int *ready);
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
