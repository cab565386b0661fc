#!/usr/bin/env python3
"""The cyclic exchange through a reference master, measured as `orion ecat run` measures it.

    ecat_cyclic.py pysoem|kickcat IF CYCLE_US SECONDS

Brings the segment to OP with the master's own calls (pysoem: config_map, SAFEOP, process data, OP; kickcat:
create_mapping, SAFE_OP, process_data, OP), then runs SECONDS of cycles: sleep to the release time
(CLOCK_MONOTONIC), one process-data exchange, working counter checked. The jitter is how late each cycle woke
after its release time, in microseconds. Prints one JSON object: cycles, lost (no reply), wkc_errors,
expected_wkc, jitter median/p99/max, and the master's process image sizes.
"""
import json
import sys
import time


def sleep_until(ns):
    while True:
        left = ns - time.monotonic_ns()
        if left <= 0:
            return
        time.sleep(left / 1e9)


def summary(latencies, cycles, lost, wkc_errors, expected, sizes):
    latencies.sort()
    n = len(latencies)
    pick = lambda q: latencies[min(n - 1, max(0, -(-n * q // 100) - 1))] if n else 0
    return {"cycles": cycles, "lost": lost, "wkc_errors": wkc_errors, "expected_wkc": expected,
            "jitter_us": {"median": pick(50), "p99": pick(99), "max": latencies[-1] if n else 0}, **sizes}


def run_pysoem(interface, cycle_ns, seconds):
    import pysoem
    master = pysoem.Master()
    master.open(interface)
    try:
        if master.config_init() <= 0:
            raise SystemExit("pysoem: no slaves")
        size = master.config_map()
        if master.state_check(pysoem.SAFEOP_STATE, 5_000_000) != pysoem.SAFEOP_STATE:
            raise SystemExit("pysoem: SAFEOP not reached")
        expected = master.expected_wkc
        master.send_processdata()
        master.receive_processdata(50_000)
        master.state = pysoem.OP_STATE
        master.write_state()
        deadline = time.monotonic() + 10
        while master.state_check(pysoem.OP_STATE, 50_000) != pysoem.OP_STATE:
            master.send_processdata()
            master.receive_processdata(50_000)
            if time.monotonic() > deadline:
                raise SystemExit("pysoem: OP not reached")
        latencies, lost, wkc_errors = [], 0, 0
        total = seconds * 1_000_000_000 // cycle_ns
        start = time.monotonic_ns()
        for k in range(1, total + 1):
            release = start + k * cycle_ns
            sleep_until(release)
            latencies.append((time.monotonic_ns() - release) // 1000)
            master.send_processdata()
            wkc = master.receive_processdata(cycle_ns * 8 // 10 // 1000)
            if wkc <= 0:
                lost += 1
            elif wkc != expected:
                wkc_errors += 1
        master.state = pysoem.INIT_STATE
        master.write_state()
        return summary(latencies, total, lost, wkc_errors, expected, {"image_bytes": size})
    finally:
        master.close()


def run_kickcat(interface, cycle_ns, seconds):
    import kickcat
    from kickcat import State
    link = kickcat.create_link(interface, "")
    link.set_timeout(cycle_ns * 8 // 10 / 1e9)
    bus = kickcat.Bus(link)
    bus.init(2.0)
    bus.create_mapping()
    bus.request_state(State.SAFE_OP)
    bus.wait_for_state(State.SAFE_OP, 5.0)
    bus.process_data_no_check()
    bus.request_state(State.OPERATIONAL)
    bus.wait_for_state(State.OPERATIONAL, 10.0, lambda: bus.process_data_no_check())
    latencies, lost = [], 0
    total = seconds * 1_000_000_000 // cycle_ns
    start = time.monotonic_ns()
    for k in range(1, total + 1):
        release = start + k * cycle_ns
        sleep_until(release)
        latencies.append((time.monotonic_ns() - release) // 1000)
        try:
            bus.process_data()  # raises on a lost frame or a wrong working counter
        except Exception:
            lost += 1
    slaves = bus.slaves()
    sizes = {"inputs_bytes": sum(s.input_size for s in slaves), "outputs_bytes": sum(s.output_size for s in slaves)}
    # kickcat does not tell a lost frame from a wrong working counter: both count as lost here.
    return summary(latencies, total, lost, 0, None, sizes)


def main(argv):
    if len(argv) != 4 or argv[0] not in ("pysoem", "kickcat"):
        print(__doc__, file=sys.stderr)
        return 2
    cycle_ns = int(argv[2]) * 1000
    out = (run_pysoem if argv[0] == "pysoem" else run_kickcat)(argv[1], cycle_ns, int(argv[3]))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
