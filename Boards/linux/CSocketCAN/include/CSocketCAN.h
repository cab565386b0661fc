// C side of Orion's SocketCAN backend: the kernel's CAN headers, libsocketcan, and a few helpers where
// Swift's import of sockaddr_can, cmsg macros or ioctl structs would be clumsy. Linux only.
#ifndef ORION_CSOCKETCAN_H
#define ORION_CSOCKETCAN_H

#include <stdint.h>
#include <sys/socket.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <linux/can/error.h>
#include <linux/can/netlink.h>
#include <libsocketcan.h>

/// One received frame with where and when it arrived.
typedef struct {
    uint32_t can_id;
    uint8_t len;
    uint8_t flags;
    uint8_t is_fd;       // arrived as a canfd_frame (CANFD_MTU bytes)
    uint8_t reserved;
    int32_t ifindex;
    int64_t sec;         // kernel receive time (SO_TIMESTAMPNS), 0 when none
    int64_t nsec;
    uint8_t data[64];
} orion_can_rx;

/// Creates a CAN_RAW socket. Returns the descriptor, or -errno.
int orion_can_socket(void);
/// Interface index of `name` (0 for "any"), or -errno (ENODEV when there is none).
int orion_can_ifindex(int fd, const char *name);
/// Interface flags (IFF_UP ...) of `name`, or -errno.
int orion_can_ifflags(int fd, const char *name);
/// MTU of `name` (CAN_MTU 16 or CANFD_MTU 72), or -errno.
int orion_can_ifmtu(int fd, const char *name);
/// Name of interface `ifindex` into `buf` (IF_NAMESIZE bytes); 0 or -errno.
int orion_can_ifname(int ifindex, char *buf);
/// Binds to `ifindex` (0: all CAN interfaces). 0 or -errno.
int orion_can_bind(int fd, int ifindex);
/// setsockopt(SOL_CAN_RAW, option, &value, sizeof(int)). 0 or -errno.
int orion_can_rawopt_int(int fd, int option, int value);
/// Sets CAN_RAW_FILTER (count 0 receives nothing). 0 or -errno.
int orion_can_set_filters(int fd, const uint32_t *ids, const uint32_t *masks, int count);
/// Turns on SO_TIMESTAMPNS. 0 or -errno.
int orion_can_timestamps(int fd);
/// Sets SO_RCVBUF (best effort). 0 or -errno.
int orion_can_rcvbuf(int fd, int bytes);
/// Waits up to `timeout_ms` (-1 forever) for `events` (POLLIN/POLLOUT). 1 ready, 0 timeout, -errno.
int orion_can_poll(int fd, short events, int timeout_ms);
/// Receives one frame (blocking unless the socket is non-blocking). Bytes read (16 or 72) or -errno.
int orion_can_recv(int fd, orion_can_rx *out);
/// Sends one frame as can_frame (is_fd 0) or canfd_frame (is_fd 1) on the bound interface,
/// or on `ifindex` when the socket is bound to all. 0 or -errno.
int orion_can_send(int fd, uint32_t can_id, uint8_t len, uint8_t flags, const uint8_t *data, int is_fd, int ifindex);

/// One frame of a batch for `orion_can_send_batch`.
struct orion_can_tx {
    uint32_t can_id;
    uint8_t len;
    uint8_t flags;
    uint8_t data[64];
};

/// The most frames `orion_can_send_batch` takes in one call.
#define ORION_CAN_BATCH_MAX 64

/// Sends up to ORION_CAN_BATCH_MAX frames with one sendmmsg(2): the number the kernel took (the first
/// ones, in order; 0...count), or -errno when it took none.
int orion_can_send_batch(int fd, const struct orion_can_tx *frames, int count, int is_fd);
/// Makes the socket non-blocking (1) or blocking (0). 0 or -errno.
int orion_can_nonblocking(int fd, int on);
/// Monotonic and real-time clocks in nanoseconds.
int64_t orion_can_monotonic_ns(void);
int64_t orion_can_realtime_ns(void);
/// errno after a libsocketcan call that returned -1.
int orion_can_errno(void);

#endif
