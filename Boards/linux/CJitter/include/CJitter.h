// The Linux calls behind `orion jitter`'s measuring threads that Swift cannot make directly (CPU sets are
// macros) or that read better in one place. Every function returns -errno on failure.
#ifndef ORION_CJITTER_H
#define ORION_CJITTER_H

#include <stdint.h>

/// Pins the calling thread to `cpu`.
int orion_jt_pin_to_cpu(int cpu);
/// Gives the calling thread SCHED_FIFO at `priority` (1-99), or SCHED_OTHER when `priority` is 0.
int orion_jt_set_fifo(int priority);
/// Locks current and future memory (mlockall(MCL_CURRENT | MCL_FUTURE)).
int orion_jt_lock_memory(void);
/// The calling thread's kernel thread id.
int orion_jt_gettid(void);
/// Writes 0 to /dev/cpu_dma_latency and keeps it open (the request lasts while the file is open); the fd.
int orion_jt_hold_dma_latency_zero(void);
/// Fills `cpus` with the CPUs this process may run on, ascending; their count (at most `capacity`).
int orion_jt_allowed_cpus(int *cpus, int capacity);
/// Sleeps until the absolute CLOCK_MONOTONIC time `ns`; 0, or -errno (never -EINTR: it sleeps again).
int orion_jt_sleep_until_ns(uint64_t ns);
/// CLOCK_MONOTONIC now, in nanoseconds.
uint64_t orion_jt_now_ns(void);
/// Starts a joinable thread running `body(context)`; the pthread id in *thread.
int orion_jt_start_thread(void *(*body)(void *), void *context, uint64_t *thread);
/// Joins a thread started by orion_jt_start_thread.
int orion_jt_join_thread(uint64_t thread);

/// Reads a flag shared between threads (acquire).
int orion_jt_flag_get(const int *flag);
/// Sets a flag shared between threads (release).
void orion_jt_flag_set(int *flag, int value);
/// Makes SIGINT and SIGTERM set a flag instead of ending the process (cyclictest stops and reports on them).
int orion_jt_catch_stop_signals(void);
/// Whether SIGINT or SIGTERM arrived since orion_jt_catch_stop_signals.
int orion_jt_stop_signalled(void);

#endif
