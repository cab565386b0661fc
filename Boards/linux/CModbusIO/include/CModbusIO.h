// Socket and termios calls behind Orion's Linux Modbus transports (LinuxModbus). Every function returns
// -errno on failure so the Swift side maps one number to an error.
#ifndef ORION_CMODBUSIO_H
#define ORION_CMODBUSIO_H

#include <stdint.h>

/// A non-blocking listening TCP socket on host:port (host NULL or "" = all addresses; port 0 = any).
int orion_mb_tcp_listen(const char *host, int port, int backlog);
/// The local port a socket is bound to.
int orion_mb_local_port(int fd);
/// Accepts one connection from a listening socket, non-blocking, with TCP_NODELAY; -EAGAIN when none.
int orion_mb_tcp_accept(int fd);
/// A blocking TCP connection to host:port with TCP_NODELAY, giving up after timeout_ms.
int orion_mb_tcp_connect(const char *host, int port, int timeout_ms);
/// Opens a tty in raw mode: baud (e.g. 19200), parity 'N', 'E' or 'O', stop bits 1 or 2; non-blocking.
int orion_mb_serial_open(const char *path, int baud, char parity, int stop_bits);
/// Makes fd non-blocking (nonblocking != 0) or blocking.
int orion_mb_set_nonblocking(int fd, int nonblocking);
/// Monotonic time in microseconds.
int64_t orion_mb_now_us(void);

#endif
