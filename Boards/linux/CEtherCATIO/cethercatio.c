// AF_PACKET raw sockets for EtherCAT and PROFINET, UDP sockets for PROFINET's RPC (see include/cethercatio.h).
#define _GNU_SOURCE
#include "cethercatio.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_P_ETHERCAT 0x88A4

static int interface_request(const char *name, unsigned long request, struct ifreq *ifr) {
    if (strlen(name) >= IFNAMSIZ) return -ENODEV;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    memset(ifr, 0, sizeof *ifr);
    strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
    int r = ioctl(fd, request, ifr);
    int e = errno;
    close(fd);
    return r < 0 ? -e : 0;
}

int orion_ec_open(const char *name) { return orion_raw_open(name, ETH_P_ETHERCAT); }

int orion_raw_open(const char *name, uint16_t ethertype) {
    struct ifreq ifr;
    int r = interface_request(name, SIOCGIFINDEX, &ifr);
    if (r < 0) return r == -ENODEV || r == -ENXIO ? -ENODEV : r;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ethertype));
    if (fd < 0) return -errno;
    struct sockaddr_ll address;
    memset(&address, 0, sizeof address);
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ethertype);
    address.sll_ifindex = ifr.ifr_ifindex;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    // Room for about a thousand small frames: a master held off the CPU for a while must find what arrived
    // meanwhile (and count it) rather than have the kernel drop it. SO_RCVBUFFORCE passes rmem_max as root.
    int room = 1 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof room) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &room, sizeof room);
#ifdef PACKET_QDISC_BYPASS
    int one = 1;
    (void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);  // older kernels: the qdisc path
#endif
    return fd;
}

int orion_raw_add_multicast(int fd, const char *name, const uint8_t mac[6]) {
    struct ifreq ifr;
    int r = interface_request(name, SIOCGIFINDEX, &ifr);
    if (r < 0) return r;
    struct packet_mreq m;
    memset(&m, 0, sizeof m);
    m.mr_ifindex = ifr.ifr_ifindex;
    m.mr_type = PACKET_MR_MULTICAST;
    m.mr_alen = 6;
    memcpy(m.mr_address, mac, 6);
    return setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &m, sizeof m) == 0 ? 0 : -errno;
}

int orion_ipv4_get(const char *name, uint32_t *address, uint32_t *netmask) {
    struct ifreq ifr;
    *address = 0;
    *netmask = 0;
    int r = interface_request(name, SIOCGIFADDR, &ifr);
    if (r == -EADDRNOTAVAIL) return 0;  // no address
    if (r < 0) return r;
    *address = ntohl(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr);
    r = interface_request(name, SIOCGIFNETMASK, &ifr);
    if (r < 0) return r;
    *netmask = ntohl(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr.s_addr);
    return 0;
}

int orion_ipv4_set(const char *name, uint32_t address, uint32_t netmask) {
    if (strlen(name) >= IFNAMSIZ) return -ENODEV;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    struct sockaddr_in *in = (struct sockaddr_in *)&ifr.ifr_addr;
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(address);
    int r = ioctl(fd, SIOCSIFADDR, &ifr);
    if (r == 0 && address != 0) {
        in = (struct sockaddr_in *)&ifr.ifr_netmask;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(netmask);
        r = ioctl(fd, SIOCSIFNETMASK, &ifr);
    }
    int e = errno;
    close(fd);
    return r < 0 ? -e : 0;
}

int orion_udp_open(const char *name, uint16_t port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    (void)setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    if (name && *name && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int orion_udp_local_port(int fd) {
    struct sockaddr_in a;
    socklen_t n = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &n) < 0) return -errno;
    return ntohs(a.sin_port);
}

int orion_udp_send(int fd, uint32_t address, uint16_t port, const uint8_t *data, size_t length) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(address);
    for (;;) {
        ssize_t n = sendto(fd, data, length, 0, (struct sockaddr *)&a, sizeof a);
        if (n >= 0) return (int)n;
        if (errno == EINTR) continue;
        return -errno;
    }
}

int orion_udp_receive(int fd, uint8_t *buffer, size_t capacity, uint32_t *address, uint16_t *port) {
    for (;;) {
        struct sockaddr_in a;
        socklen_t n = sizeof a;
        ssize_t r = recvfrom(fd, buffer, capacity, MSG_TRUNC, (struct sockaddr *)&a, &n);
        if (r >= 0) {
            *address = ntohl(a.sin_addr.s_addr);
            *port = ntohs(a.sin_port);
            if ((size_t)r > capacity) return -EMSGSIZE;  // longer than any RPC datagram here: dropped
            return (int)r;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return 0;
        return -errno;
    }
}

int orion_raw_receive_any(int fd, uint8_t *buffer, size_t capacity) {
    for (;;) {
        struct sockaddr_ll from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(fd, buffer, capacity, MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
        if (n >= 0) {
            if (from.sll_pkttype == PACKET_OUTGOING) continue;
            if ((size_t)n > capacity) continue;
            return (int)n;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return 0;
        return -errno;
    }
}

int orion_wait_readable(const int *fds, int count, int64_t deadline_us, int *ready) {
    struct pollfd p[4];
    if (count < 1 || count > 4) return -EINVAL;
    for (int i = 0; i < count; i++) { p[i].fd = fds[i]; p[i].events = POLLIN; p[i].revents = 0; }
    for (;;) {
        int64_t left = deadline_us - orion_ec_now_us();
        if (left < 0) left = 0;
        struct timespec wait = {.tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000};
        int r = ppoll(p, (nfds_t)count, &wait, NULL);
        if (r < 0 && errno == EINTR) {
            if (orion_ec_stop_requested()) return 0;
            continue;
        }
        if (r < 0) return -errno;
        *ready = 0;
        for (int i = 0; i < count; i++) if (p[i].revents) *ready |= 1 << i;
        return r;
    }
}

int orion_ec_mac(const char *name, uint8_t mac[6]) {
    struct ifreq ifr;
    int r = interface_request(name, SIOCGIFHWADDR, &ifr);
    if (r < 0) return r;
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

int orion_ec_link_up(const char *name) {
    struct ifreq ifr;
    int r = interface_request(name, SIOCGIFFLAGS, &ifr);
    if (r < 0) return r;
    return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING) ? 1 : 0;
}

int orion_ec_send(int fd, const uint8_t *frame, size_t length) {
    for (;;) {
        ssize_t n = send(fd, frame, length, 0);
        if (n >= 0) return (int)n;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == ENOBUFS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, 10) < 0 && errno != EINTR) return -errno;
            continue;
        }
        return -errno;
    }
}

int64_t orion_ec_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int64_t orion_ec_now_us(void) { return orion_ec_now_ns() / 1000; }

int orion_ec_receive(int fd, uint8_t *buffer, size_t capacity, int64_t deadline_us) {
    for (;;) {
        struct sockaddr_ll from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(fd, buffer, capacity, MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
        if (n >= 0) {
            if (from.sll_pkttype == PACKET_OUTGOING) continue;  // our own frame, seen on the way out
            if ((size_t)n > capacity) continue;                 // longer than any EtherCAT frame: dropped
            return (int)n;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return -errno;
        int64_t left = deadline_us - orion_ec_now_us();
        if (left <= 0) return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        struct timespec wait = {.tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000};
        if (ppoll(&p, 1, &wait, NULL) < 0 && errno != EINTR) return -errno;
    }
}

void orion_ec_close(int fd) { close(fd); }

int orion_ec_sleep_until_ns(uint64_t ns) {
    struct timespec t = {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
    for (;;) {
        int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
        if (r == 0) return 0;
        if (r != EINTR) return -r;
        if (orion_ec_stop_requested()) return 0;
    }
}

int orion_ec_realtime(int priority) {
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) return -errno;
    struct sched_param p = {.sched_priority = priority};
    if (sched_setscheduler(0, SCHED_FIFO, &p) != 0) return -errno;
    return 0;
}

static volatile sig_atomic_t stop_requested = 0;

static void on_stop(int sig) {
    (void)sig;
    stop_requested = 1;
}

int orion_ec_catch_stop_signals(void) {
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_handler = on_stop;
    sigemptyset(&a.sa_mask);
    if (sigaction(SIGINT, &a, NULL) != 0 || sigaction(SIGTERM, &a, NULL) != 0) return -errno;
    // A parent may have started this process with the signals blocked (Foundation's Process does): they
    // would stay pending and the run could only be killed.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0 ? 0 : -errno;
}

int orion_ec_stop_requested(void) { return stop_requested != 0; }

int orion_ec_timer_slack(unsigned long ns) {
    return prctl(PR_SET_TIMERSLACK, ns, 0, 0, 0) == 0 ? 0 : -errno;
}
