/* A libmodbus harness for Orion's Modbus interop tests and benchmark (Tests/ModbusToolTests).
 *
 *   mbharness check-tcp HOST PORT          libmodbus client checks against an Orion server (exit 0: all pass)
 *   mbharness check-rtu DEVICE BAUD PARITY UNIT
 *   mbharness serve-tcp PORT               libmodbus server, a thread per client (PORT 0: any; printed)
 *   mbharness serve-rtu DEVICE BAUD PARITY UNIT
 *   mbharness bench HOST PORT CLIENTS SECONDS   CLIENTS threads reading 100 holding registers in a loop
 *
 * The servers' model (Orion's `serve --coils 100 --discrete-inputs 100 --holding-registers 100
 * --input-registers 100` and the harness's own): 100 of each table at address 0. The harness's server
 * starts with holding register i = 1000 + i, input register i = 2000 + i, coil and discrete input i = i % 2.
 */
#include <errno.h>
#include <modbus.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

static int failures;

#define CHECK(cond, name) do { if (cond) printf("ok   %s\n", name); \
    else { printf("FAIL %s (errno %d: %s)\n", name, errno, modbus_strerror(errno)); failures++; } } while (0)

/* Sends a raw PDU (with unit id first) and returns the confirmation length, reply in rsp. */
static int raw(modbus_t *ctx, const uint8_t *req, int len, uint8_t *rsp) {
    if (modbus_send_raw_request(ctx, (uint8_t *)req, len) < 0) return -1;
    return modbus_receive_confirmation(ctx, rsp);
}

/* recv on libmodbus' non-blocking socket: waits up to a second for the reply. */
static int recv_wait(int fd, uint8_t *buf, int size) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, 1000) != 1) return -1;
    return recv(fd, buf, size, 0);
}

static void checks(modbus_t *ctx, int tcp) {
    uint8_t bits[2000], rsp[MODBUS_TCP_MAX_ADU_LENGTH];
    uint16_t regs[125], back[125];
    int rc, header = tcp ? 7 : 1;

    /* FC 5, 1 */
    rc = modbus_write_bit(ctx, 3, 1);
    CHECK(rc == 1, "fc05 write single coil");
    rc = modbus_read_bits(ctx, 3, 1, bits);
    CHECK(rc == 1 && bits[0] == 1, "fc01 read coil back");
    /* FC 15 */
    uint8_t pattern[37];
    for (int i = 0; i < 37; i++) pattern[i] = (i * 7) % 3 == 0;
    rc = modbus_write_bits(ctx, 10, 37, pattern);
    CHECK(rc == 37, "fc15 write 37 coils");
    memset(bits, 0xAA, sizeof bits);
    rc = modbus_read_bits(ctx, 10, 37, bits);
    CHECK(rc == 37 && memcmp(bits, pattern, 37) == 0, "fc01 read 37 coils back");
    /* FC 2 */
    rc = modbus_read_input_bits(ctx, 0, 100, bits);
    CHECK(rc == 100, "fc02 read 100 discrete inputs");
    /* FC 6, 3 */
    rc = modbus_write_register(ctx, 5, 0x1234);
    CHECK(rc == 1, "fc06 write single register");
    rc = modbus_read_registers(ctx, 5, 1, regs);
    CHECK(rc == 1 && regs[0] == 0x1234, "fc03 read register back");
    /* FC 16 */
    for (int i = 0; i < 50; i++) regs[i] = (uint16_t)(i * 1111);
    rc = modbus_write_registers(ctx, 20, 50, regs);
    CHECK(rc == 50, "fc16 write 50 registers");
    rc = modbus_read_registers(ctx, 20, 50, back);
    CHECK(rc == 50 && memcmp(regs, back, 100) == 0, "fc03 read 50 registers back");
    /* FC 4 */
    rc = modbus_read_input_registers(ctx, 0, 100, back);
    CHECK(rc == 100, "fc04 read 100 input registers");
    /* FC 22: (0x1234 & 0xF2) | (0x25 & ~0xF2) = 0x30 | 0x05 = 0x35? per spec example 0x12 -> 0x17 */
    modbus_write_register(ctx, 6, 0x12);
    rc = modbus_mask_write_register(ctx, 6, 0xF2, 0x25);
    modbus_read_registers(ctx, 6, 1, back);
    CHECK(rc == 1 && back[0] == 0x17, "fc22 mask write register (spec example 0x12 -> 0x17)");
    /* FC 23 */
    uint16_t w[3] = { 7, 8, 9 };
    rc = modbus_write_and_read_registers(ctx, 40, 3, w, 39, 5, back);
    CHECK(rc == 5 && back[1] == 7 && back[2] == 8 && back[3] == 9, "fc23 write and read registers");
    /* Limits: 125 registers is fine, 100 is all the model has */
    rc = modbus_read_registers(ctx, 0, 100, back);
    CHECK(rc == 100, "fc03 read the whole model (100)");
    /* Beyond the model: illegal data address */
    rc = modbus_read_registers(ctx, 100, 1, back);
    CHECK(rc == -1 && errno == EMBXILADD, "fc03 address 100 -> illegal data address");
    rc = modbus_read_registers(ctx, 90, 11, back);
    CHECK(rc == -1 && errno == EMBXILADD, "fc03 90+11 -> illegal data address");
    rc = modbus_write_bit(ctx, 100, 1);
    CHECK(rc == -1 && errno == EMBXILADD, "fc05 address 100 -> illegal data address");
    rc = modbus_write_registers(ctx, 99, 2, regs);
    CHECK(rc == -1 && errno == EMBXILADD, "fc16 99+2 -> illegal data address");
    rc = modbus_read_input_bits(ctx, 0, 101, bits);
    CHECK(rc == -1 && errno == EMBXILADD, "fc02 0+101 -> illegal data address");
    /* Quantity limits (libmodbus refuses these itself, so raw requests): illegal data value */
    int unit = modbus_get_slave(ctx);
    uint8_t r126[] = { (uint8_t)unit, 0x03, 0x00, 0x00, 0x00, 126 };
    rc = raw(ctx, r126, 6, rsp);
    CHECK(rc > 0 && rsp[header] == 0x83 && rsp[header + 1] == 0x03, "fc03 126 registers -> illegal data value");
    uint8_t r0[] = { (uint8_t)unit, 0x04, 0x00, 0x00, 0x00, 0 };
    rc = raw(ctx, r0, 6, rsp);
    CHECK(rc > 0 && rsp[header] == 0x84 && rsp[header + 1] == 0x03, "fc04 0 registers -> illegal data value");
    uint8_t b2001[] = { (uint8_t)unit, 0x01, 0x00, 0x00, 0x07, 0xD1 };
    rc = raw(ctx, b2001, 6, rsp);
    CHECK(rc > 0 && rsp[header] == 0x81 && rsp[header + 1] == 0x03, "fc01 2001 coils -> illegal data value");
    uint8_t badcoil[] = { (uint8_t)unit, 0x05, 0x00, 0x01, 0x12, 0x34 };
    rc = raw(ctx, badcoil, 6, rsp);
    CHECK(rc > 0 && rsp[header] == 0x85 && rsp[header + 1] == 0x03, "fc05 value 0x1234 -> illegal data value");
    uint8_t unknown[] = { (uint8_t)unit, 0x42, 0x00 };
    rc = raw(ctx, unknown, 3, rsp);
    CHECK(rc > 0 && rsp[header] == 0xC2 && rsp[header + 1] == 0x01, "fc 0x42 -> illegal function");
    if (tcp) {  /* libmodbus cannot receive FC 8 or 43 replies itself: straight over its socket */
        int fd = modbus_get_socket(ctx);
        uint8_t echo[] = { 0, 9, 0, 0, 0, 6, (uint8_t)unit, 0x08, 0x00, 0x00, 0xA5, 0x37 };
        send(fd, echo, sizeof echo, 0);
        rc = recv_wait(fd, rsp, sizeof rsp);
        CHECK(rc == 12 && memcmp(rsp, echo, 12) == 0, "fc08/00 return query data echoes");
        uint8_t ident[] = { 0, 10, 0, 0, 0, 5, (uint8_t)unit, 0x2B, 0x0E, 0x01, 0x00 };
        send(fd, ident, sizeof ident, 0);
        rc = recv_wait(fd, rsp, sizeof rsp);
        CHECK(rc > 14 && rsp[7] == 0x2B && rsp[8] == 0x0E && rsp[9] == 0x01 && rsp[13] == 3,
              "fc43/14 basic device identification, 3 objects");
    }

    /* Unit ids, as libmodbus' unit-test-client expects */
    modbus_set_slave(ctx, 0x2A);
    rc = modbus_read_registers(ctx, 0, 2, back);
    if (tcp) CHECK(rc == 2, "tcp: another unit id is answered");
    else CHECK(rc == -1 && errno == ETIMEDOUT, "rtu: another unit id gets no reply");
    if (!tcp) {
        modbus_set_slave(ctx, MODBUS_BROADCAST_ADDRESS);
        rc = modbus_write_register(ctx, 1, 4321);  /* libmodbus returns at once for a broadcast */
        modbus_set_slave(ctx, unit);
        usleep(100000);
        rc = modbus_read_registers(ctx, 1, 1, back);
        CHECK(rc == 1 && back[0] == 4321, "rtu: broadcast write executed, no reply");
    }
    modbus_set_slave(ctx, unit);
}

static modbus_t *tcp_ctx(const char *host, int port) {
    modbus_t *ctx = modbus_new_tcp(host, port);
    modbus_set_response_timeout(ctx, 1, 0);
    if (modbus_connect(ctx) < 0) { fprintf(stderr, "connect: %s\n", modbus_strerror(errno)); exit(2); }
    return ctx;
}

static int raw_socket(const char *host, int port) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, host, &a.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) return -1;
    return s;
}

static int check_tcp(const char *host, int port) {
    modbus_t *ctx = tcp_ctx(host, port);
    modbus_set_slave(ctx, 0xFF);
    checks(ctx, 1);
    uint16_t regs[10];
    /* A client that disconnects mid-frame while another keeps working. */
    int s = raw_socket(host, port);
    uint8_t half[] = { 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03 };
    send(s, half, sizeof half, 0);
    CHECK(modbus_read_registers(ctx, 0, 10, regs) == 10, "other client served while one is mid-frame");
    close(s);
    CHECK(modbus_read_registers(ctx, 0, 10, regs) == 10, "other client served after mid-frame disconnect");
    /* Garbage: bad protocol id and length, then random bytes; the server drops that connection. */
    s = raw_socket(host, port);
    uint8_t garbage[64];
    srand(7);
    for (int i = 0; i < 64; i++) garbage[i] = (uint8_t)rand();
    garbage[2] = 0x12;
    send(s, garbage, sizeof garbage, 0);
    usleep(50000);
    close(s);
    CHECK(modbus_read_registers(ctx, 0, 10, regs) == 10, "server survives garbage");
    /* 1000 random PDUs behind valid MBAP headers: each answered with its transaction id and its function
     * code (bit 7 set for an exception). Then 200 connections of pure random bytes. */
    s = raw_socket(host, port);
    int answered_random = 0;
    for (int i = 0; i < 1000; i++) {
        uint8_t q[260], r[260];
        int n = 1 + rand() % 253;
        q[0] = (uint8_t)(i >> 8); q[1] = (uint8_t)i; q[2] = 0; q[3] = 0;
        q[4] = (uint8_t)((n + 1) >> 8); q[5] = (uint8_t)(n + 1); q[6] = 0xFF;
        for (int k = 0; k < n; k++) q[7 + k] = (uint8_t)rand();
        if (rand() % 2) q[7] = (uint8_t)(1 + rand() % 23);  /* half of them a known-ish function */
        send(s, q, 7 + n, 0);
        int got = 0, want = 7;
        while (got < want) {
            int k = recv_wait(s, r + got, want - got);
            if (k <= 0) break;
            got += k;
            if (got >= 6) want = 6 + (r[4] << 8 | r[5]);
        }
        if (got >= 9 && got == want && r[0] == q[0] && r[1] == q[1] && (r[7] & 0x7F) == (q[7] & 0x7F)) answered_random++;
    }
    close(s);
    CHECK(answered_random == 1000, "1000 random PDUs each answered");
    for (int i = 0; i < 200; i++) {
        s = raw_socket(host, port);
        int n = 1 + rand() % 300;
        for (int k = 0; k < n; k++) garbage[k % 64] = (uint8_t)rand();
        send(s, garbage, n < 64 ? n : 64, MSG_NOSIGNAL);
        close(s);
    }
    CHECK(modbus_read_registers(ctx, 0, 10, regs) == 10, "server survives 200 connections of random bytes");
    /* A client that sends requests and never reads the replies: its socket buffers fill, the server stops
     * reading from it, and the others are still served. */
    s = raw_socket(host, port);
    uint8_t big[] = { 0, 1, 0, 0, 0, 6, 0xFF, 0x03, 0x00, 0x00, 0x00, 100 };
    int flags = MSG_DONTWAIT | MSG_NOSIGNAL, queued = 0;
    for (int i = 0; i < 20000 && send(s, big, sizeof big, flags) == sizeof big; i++) queued++;
    usleep(200000);
    CHECK(queued > 1000 && modbus_read_registers(ctx, 0, 10, regs) == 10, "served while another client does not read");
    close(s);
    /* 100 concurrent connections, each answered */
    modbus_t *many[100];
    int answered = 0;
    for (int i = 0; i < 100; i++) many[i] = tcp_ctx(host, port);
    for (int i = 0; i < 100; i++) answered += modbus_read_registers(many[i], 0, 10, regs) == 10;
    for (int i = 0; i < 100; i++) { modbus_close(many[i]); modbus_free(many[i]); }
    CHECK(answered == 100, "100 concurrent connections answered");
    modbus_close(ctx);
    modbus_free(ctx);
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}

static modbus_t *rtu_ctx(const char *dev, int baud, char parity, int unit) {
    modbus_t *ctx = modbus_new_rtu(dev, baud, parity, 8, 1);
    if (!ctx || modbus_connect(ctx) < 0) { fprintf(stderr, "open %s: %s\n", dev, modbus_strerror(errno)); exit(2); }
    modbus_set_slave(ctx, unit);
    modbus_set_response_timeout(ctx, 0, 500000);
    return ctx;
}

static int check_rtu(const char *dev, int baud, char parity, int unit) {
    modbus_t *ctx = rtu_ctx(dev, baud, parity, unit);
    checks(ctx, 0);
    /* A frame with a wrong CRC gets no reply; the next good one does. */
    uint8_t bad[] = { (uint8_t)unit, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00 };
    write(modbus_get_socket(ctx), bad, sizeof bad);
    usleep(100000);
    uint16_t regs[4];
    CHECK(modbus_read_registers(ctx, 0, 4, regs) == 4, "rtu: served after a bad CRC");
    modbus_close(ctx);
    modbus_free(ctx);
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}

static modbus_mapping_t *model(void) {
    modbus_mapping_t *m = modbus_mapping_new(100, 100, 100, 100);
    for (int i = 0; i < 100; i++) {
        m->tab_bits[i] = i % 2;
        m->tab_input_bits[i] = i % 2;
        m->tab_registers[i] = (uint16_t)(1000 + i);
        m->tab_input_registers[i] = (uint16_t)(2000 + i);
    }
    return m;
}

struct conn { modbus_t *ctx; modbus_mapping_t *m; };

static void *serve_conn(void *arg) {
    struct conn *c = arg;
    uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
    for (;;) {
        int rc = modbus_receive(c->ctx, q);
        if (rc > 0) modbus_reply(c->ctx, q, rc, c->m);
        else if (rc == -1) break;
    }
    modbus_close(c->ctx);
    modbus_free(c->ctx);
    free(c);
    return NULL;
}

static int serve_tcp(int port) {
    modbus_mapping_t *m = model();
    modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);
    int s = modbus_tcp_listen(ctx, 64);
    if (s < 0) { fprintf(stderr, "listen: %s\n", modbus_strerror(errno)); return 2; }
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(s, (struct sockaddr *)&bound, &blen);
    printf("listening on port %d\n", ntohs(bound.sin_port));
    fflush(stdout);
    for (;;) {  /* a thread per connection: libmodbus' blocking API */
        modbus_t *conn = modbus_new_tcp("127.0.0.1", port);
        int fd = accept(s, NULL, NULL);
        if (fd < 0) continue;
        modbus_set_socket(conn, fd);
        struct conn *c = malloc(sizeof *c);
        c->ctx = conn;
        c->m = m;
        pthread_t t;
        pthread_create(&t, NULL, serve_conn, c);
        pthread_detach(t);
    }
}

static int serve_rtu(const char *dev, int baud, char parity, int unit) {
    modbus_mapping_t *m = model();
    modbus_t *ctx = modbus_new_rtu(dev, baud, parity, 8, 1);
    modbus_set_slave(ctx, unit);
    if (modbus_connect(ctx) < 0) { fprintf(stderr, "open %s: %s\n", dev, modbus_strerror(errno)); return 2; }
    printf("listening\n");
    fflush(stdout);
    uint8_t q[MODBUS_RTU_MAX_ADU_LENGTH];
    for (;;) {
        int rc = modbus_receive(ctx, q);
        if (rc > 0) modbus_reply(ctx, q, rc, m);
    }
}

/* Benchmark: CLIENTS threads, each with its own connection, reading 100 holding registers until
 * SECONDS pass; prints requests/s and p50/p99 latency in microseconds. */
struct bench { const char *host; int port; double seconds; double *lat; int n, cap, errors; };

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static void *bench_thread(void *arg) {
    struct bench *b = arg;
    modbus_t *ctx = tcp_ctx(b->host, b->port);
    uint16_t regs[100];
    double end = now() + b->seconds;
    while (b->n < b->cap) {
        double t0 = now();
        if (t0 >= end) break;
        if (modbus_read_registers(ctx, 0, 100, regs) != 100) b->errors++;
        b->lat[b->n++] = now() - t0;
    }
    modbus_close(ctx);
    modbus_free(ctx);
    return NULL;
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static int bench(const char *host, int port, int clients, double seconds) {
    struct bench *b = calloc(clients, sizeof *b);
    pthread_t *t = calloc(clients, sizeof *t);
    double t0 = now();
    for (int i = 0; i < clients; i++) {
        b[i] = (struct bench){ host, port, seconds, malloc(2000000 * sizeof(double)), 0, 2000000, 0 };
        pthread_create(&t[i], NULL, bench_thread, &b[i]);
    }
    int total = 0, errors = 0;
    for (int i = 0; i < clients; i++) { pthread_join(t[i], NULL); total += b[i].n; errors += b[i].errors; }
    double elapsed = now() - t0;
    double *all = malloc(total * sizeof(double));
    int k = 0;
    for (int i = 0; i < clients; i++) { memcpy(all + k, b[i].lat, b[i].n * sizeof(double)); k += b[i].n; }
    qsort(all, total, sizeof(double), cmp);
    printf("{\"clients\":%d,\"requests\":%d,\"errors\":%d,\"rps\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n", clients, total, errors,
           total / elapsed, all[total / 2] * 1e6, all[(int)(total * 0.99)] * 1e6);
    return errors ? 1 : 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && !strcmp(argv[1], "check-tcp")) return check_tcp(argv[2], atoi(argv[3]));
    if (argc == 6 && !strcmp(argv[1], "check-rtu")) return check_rtu(argv[2], atoi(argv[3]), argv[4][0], atoi(argv[5]));
    if (argc == 3 && !strcmp(argv[1], "serve-tcp")) return serve_tcp(atoi(argv[2]));
    if (argc == 6 && !strcmp(argv[1], "serve-rtu")) return serve_rtu(argv[2], atoi(argv[3]), argv[4][0], atoi(argv[5]));
    if (argc == 6 && !strcmp(argv[1], "bench")) return bench(argv[2], atoi(argv[3]), atoi(argv[4]), atof(argv[5]));
    fprintf(stderr, "usage: see the comment at the top of mbharness.c\n");
    return 2;
}
