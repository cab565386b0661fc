// Linux calls for `orion jitter`'s measuring threads (see CJitter.h).
#define _GNU_SOURCE
#include "CJitter.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int orion_jt_pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    return rc == 0 ? 0 : -rc;
}

int orion_jt_set_fifo(int priority) {
    struct sched_param param = { .sched_priority = priority };
    int rc = pthread_setschedparam(pthread_self(), priority > 0 ? SCHED_FIFO : SCHED_OTHER, &param);
    return rc == 0 ? 0 : -rc;
}

int orion_jt_lock_memory(void) {
    return mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? 0 : -errno;
}

int orion_jt_gettid(void) {
    return (int)syscall(SYS_gettid);
}

int orion_jt_hold_dma_latency_zero(void) {
    int fd = open("/dev/cpu_dma_latency", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    int32_t zero = 0;
    if (write(fd, &zero, sizeof zero) != (ssize_t)sizeof zero) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int orion_jt_allowed_cpus(int *cpus, int capacity) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -errno;
    int n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n < capacity; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[n++] = cpu;
    }
    return n;
}

int orion_jt_sleep_until_ns(uint64_t ns) {
    struct timespec t = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
    int rc;
    do {
        rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
    } while (rc == EINTR);
    return -rc;
}

uint64_t orion_jt_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int orion_jt_start_thread(void *(*body)(void *), void *context, uint64_t *thread) {
    pthread_t t;
    int rc = pthread_create(&t, NULL, body, context);
    if (rc != 0) return -rc;
    *thread = (uint64_t)t;
    return 0;
}

int orion_jt_join_thread(uint64_t thread) {
    int rc = pthread_join((pthread_t)thread, NULL);
    return rc == 0 ? 0 : -rc;
}

int orion_jt_flag_get(const int *flag) {
    return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

void orion_jt_flag_set(int *flag, int value) {
    __atomic_store_n(flag, value, __ATOMIC_RELEASE);
}

static volatile sig_atomic_t stop_signalled;

static void on_stop_signal(int sig) {
    (void)sig;
    stop_signalled = 1;
}

int orion_jt_catch_stop_signals(void) {
    struct sigaction action = { 0 };
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, NULL) != 0 || sigaction(SIGTERM, &action, NULL) != 0) return -errno;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    return 0;
}

int orion_jt_stop_signalled(void) {
    return stop_signalled != 0;
}
