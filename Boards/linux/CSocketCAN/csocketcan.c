// Thin wrappers around the SocketCAN system calls Orion's Linux backend uses. Every function returns
// -errno on failure so the Swift side maps one number to its error enum.
#define _GNU_SOURCE  // sendmmsg
#include "CSocketCAN.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int orion_can_socket(void) {
    int fd = socket(PF_CAN, SOCK_RAW, CAN_RAW);
    return fd < 0 ? -errno : fd;
}

static int ifreq_for(const char *name, struct ifreq *ifr) {
    size_t n = strlen(name);
    if (n == 0 || n >= IFNAMSIZ) return -ENODEV;
    memset(ifr, 0, sizeof(*ifr));
    memcpy(ifr->ifr_name, name, n);
    return 0;
}

int orion_can_ifindex(int fd, const char *name) {
    if (strcmp(name, "any") == 0) return 0;
    struct ifreq ifr;
    int r = ifreq_for(name, &ifr);
    if (r) return r;
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) return -errno;
    return ifr.ifr_ifindex;
}

int orion_can_ifflags(int fd, const char *name) {
    struct ifreq ifr;
    int r = ifreq_for(name, &ifr);
    if (r) return r;
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) return -errno;
    return ifr.ifr_flags & 0xFFFF;
}

int orion_can_ifmtu(int fd, const char *name) {
    struct ifreq ifr;
    int r = ifreq_for(name, &ifr);
    if (r) return r;
    if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) return -errno;
    return ifr.ifr_mtu;
}

int orion_can_ifname(int ifindex, char *buf) {
    return if_indextoname((unsigned)ifindex, buf) ? 0 : -errno;
}

int orion_can_bind(int fd, int ifindex) {
    struct sockaddr_can addr;
    memset(&addr, 0, sizeof(addr));
    addr.can_family = AF_CAN;
    addr.can_ifindex = ifindex;
    return bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno : 0;
}

int orion_can_rawopt_int(int fd, int option, int value) {
    return setsockopt(fd, SOL_CAN_RAW, option, &value, sizeof(value)) < 0 ? -errno : 0;
}

int orion_can_set_filters(int fd, const uint32_t *ids, const uint32_t *masks, int count) {
    struct can_filter filters[64];
    if (count < 0 || count > 64) return -EINVAL;
    for (int i = 0; i < count; i++) {
        filters[i].can_id = ids[i];
        filters[i].can_mask = masks[i];
    }
    int r = setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FILTER, count ? filters : NULL,
                       (socklen_t)(count * sizeof(struct can_filter)));
    return r < 0 ? -errno : 0;
}

int orion_can_timestamps(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0 ? -errno : 0;
}

int orion_can_rcvbuf(int fd, int bytes) {
    return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0 ? -errno : 0;
}

int orion_can_poll(int fd, short events, int timeout_ms) {
    struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
    for (;;) {
        int r = poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -errno;
        if (r > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) && !(p.revents & events)) return -ENETDOWN;
        return r;
    }
}

int orion_can_recv(int fd, orion_can_rx *out) {
    struct canfd_frame frame;
    struct sockaddr_can addr;
    char control[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t))];
    struct iovec iov = { .iov_base = &frame, .iov_len = sizeof(frame) };
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_name = &addr;
    msg.msg_namelen = sizeof(addr);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n;
    do { n = recvmsg(fd, &msg, 0); } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    if (n != CAN_MTU && n != CANFD_MTU) return -EPROTO;
    out->can_id = frame.can_id;
    out->len = frame.len;
    out->flags = frame.flags;
    out->is_fd = n == CANFD_MTU;
    out->ifindex = addr.can_ifindex;
    out->sec = 0;
    out->nsec = 0;
    memcpy(out->data, frame.data, out->len <= 64 ? out->len : 64);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            out->sec = ts.tv_sec;
            out->nsec = ts.tv_nsec;
        }
    }
    return (int)n;
}

int orion_can_send(int fd, uint32_t can_id, uint8_t len, uint8_t flags, const uint8_t *data, int is_fd, int ifindex) {
    struct canfd_frame frame;
    memset(&frame, 0, sizeof(frame));
    frame.can_id = can_id;
    frame.len = len;
    frame.flags = is_fd ? flags : 0;
    if (len > (is_fd ? CANFD_MAX_DLEN : CAN_MAX_DLEN)) return -EINVAL;
    if (!(can_id & CAN_RTR_FLAG)) memcpy(frame.data, data, len);
    size_t size = is_fd ? CANFD_MTU : CAN_MTU;
    ssize_t n;
    if (ifindex > 0) {
        struct sockaddr_can addr;
        memset(&addr, 0, sizeof(addr));
        addr.can_family = AF_CAN;
        addr.can_ifindex = ifindex;
        do { n = sendto(fd, &frame, size, 0, (struct sockaddr *)&addr, sizeof(addr)); } while (n < 0 && errno == EINTR);
    } else {
        do { n = write(fd, &frame, size); } while (n < 0 && errno == EINTR);
    }
    if (n < 0) return -errno;
    return n == (ssize_t)size ? 0 : -EIO;
}

int orion_can_send_batch(int fd, const struct orion_can_tx *frames, int count, int is_fd) {
    if (count <= 0) return 0;
    if (count > ORION_CAN_BATCH_MAX) count = ORION_CAN_BATCH_MAX;
    struct canfd_frame wire[ORION_CAN_BATCH_MAX];
    struct iovec iov[ORION_CAN_BATCH_MAX];
    struct mmsghdr msgs[ORION_CAN_BATCH_MAX];
    size_t size = is_fd ? CANFD_MTU : CAN_MTU;
    memset(msgs, 0, sizeof(msgs[0]) * (size_t)count);
    for (int i = 0; i < count; i++) {
        if (frames[i].len > (is_fd ? CANFD_MAX_DLEN : CAN_MAX_DLEN)) return -EINVAL;
        memset(&wire[i], 0, sizeof(wire[i]));
        wire[i].can_id = frames[i].can_id;
        wire[i].len = frames[i].len;
        wire[i].flags = is_fd ? frames[i].flags : 0;
        if (!(frames[i].can_id & CAN_RTR_FLAG)) memcpy(wire[i].data, frames[i].data, frames[i].len);
        iov[i].iov_base = &wire[i];
        iov[i].iov_len = size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n;
    do { n = sendmmsg(fd, msgs, (unsigned int)count, 0); } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

int orion_can_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -errno;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags) < 0 ? -errno : 0;
}

int64_t orion_can_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t orion_can_realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int orion_can_errno(void) { return errno; }
