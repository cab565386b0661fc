// RealTime: schedulability analysis, simulation and latency statistics.
// It re-exports the kernel's time and scheduling types, which the analyses work on.

@_exported import Kernel
