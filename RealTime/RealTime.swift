// RealTime: schedulability analysis, simulation and latency statistics (arrive with later issues).
// It re-exports the kernel's time and scheduling types, which the analyses work on.

@_exported import Kernel
