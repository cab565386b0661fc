// Thin wrappers over the socket and termios system calls the Linux Modbus transports use.
#define _GNU_SOURCE
#include "CModbusIO.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int orion_mb_set_nonblocking(int fd, int nonblocking) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -errno;
    flags = nonblocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags) < 0 ? -errno : 0;
}

static int resolve(const char *host, int port, int passive, struct addrinfo **out) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int r = getaddrinfo(host && *host ? host : NULL, service, &hints, out);
    if (r == EAI_SYSTEM) return -errno;
    return r ? -EADDRNOTAVAIL : 0;
}

int orion_mb_tcp_listen(const char *host, int port, int backlog) {
    struct addrinfo *list;
    int r = resolve(host, port, 1, &list);
    if (r) return r;
    int fd = -1, err = EADDRNOTAVAIL;
    for (struct addrinfo *a = list; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) { err = errno; continue; }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, backlog) == 0) break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    return fd < 0 ? -err : fd;
}

int orion_mb_local_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -errno;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -EAFNOSUPPORT;
}

int orion_mb_tcp_accept(int fd) {
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return -errno;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
}

int orion_mb_tcp_connect(const char *host, int port, int timeout_ms) {
    struct addrinfo *list;
    int r = resolve(host, port, 0, &list);
    if (r) return r;
    int fd = -1, err = ECONNREFUSED;
    for (struct addrinfo *a = list; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) { err = errno; continue; }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        if (errno == EINPROGRESS) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            int n = poll(&p, 1, timeout_ms);
            int soerr = 0;
            socklen_t len = sizeof soerr;
            if (n == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) break;
            err = n == 0 ? ETIMEDOUT : (soerr ? soerr : errno);
        } else {
            err = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    if (fd < 0) return -err;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    orion_mb_set_nonblocking(fd, 0);
    return fd;
}

static speed_t speed_for(int baud) {
    switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return 0;
    }
}

int orion_mb_serial_open(const char *path, int baud, char parity, int stop_bits) {
    speed_t speed = speed_for(baud);
    if (!speed || (stop_bits != 1 && stop_bits != 2)) return -EINVAL;
    if (parity != 'N' && parity != 'E' && parity != 'O') return -EINVAL;
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct termios t;
    if (tcgetattr(fd, &t) < 0) { int e = errno; close(fd); return -e; }
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    t.c_cflag |= CS8;
    if (parity != 'N') t.c_cflag |= PARENB;
    if (parity == 'O') t.c_cflag |= PARODD;
    if (stop_bits == 2) t.c_cflag |= CSTOPB;
    t.c_iflag &= ~(IXON | IXOFF | IXANY | INPCK);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        /* glibc reports EINVAL when the driver did not keep every flag; a pty drops PARENB now and then
         * (it has no line to put a parity bit on). Accept that as long as raw 8-bit mode and the speed stuck. */
        int e = errno;
        struct termios now;
        if (e != EINVAL || tcgetattr(fd, &now) < 0 || (now.c_cflag & CSIZE) != CS8 || (now.c_lflag & ICANON)
            || cfgetospeed(&now) != speed) { close(fd); return -e; }
    }
    tcflush(fd, TCIOFLUSH);
    return fd;
}

int64_t orion_mb_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
