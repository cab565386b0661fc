#!/usr/bin/env python3
"""A hostile sender on an EtherCAT segment (scapy): frames a master must count and drop.

    ecat_hostile.py IF ROUNDS [GAP_MS]

Each round sends one frame of every kind below, GAP_MS (default 5) apart, from a locally administered source
address to the broadcast address. Prints one JSON object: how many frames of each kind were sent, and the
totals the master should count as malformed (its frame reader refuses them) and as foreign (well-formed, but
no datagram of the master's: another index, command or length).
"""
import json
import random
import sys
import time

from scapy.all import Ether, Raw, sendp  # noqa: E402  (scapy prints warnings on import otherwise)

ETHERCAT = 0x88A4


def ecat_header(length, kind=1):
    return ((length & 0x7FF) | (kind << 12)).to_bytes(2, "little")


def datagram(command, index, address, data, more=False, wkc=0, length=None):
    n = len(data) if length is None else length
    return (bytes([command, index]) + address.to_bytes(4, "little")
            + ((n & 0x7FF) | (0x8000 if more else 0)).to_bytes(2, "little") + b"\0\0" + data + wkc.to_bytes(2, "little"))


def body(payload):
    return ecat_header(len(payload)) + payload


def kinds(rng):
    index = rng.randrange(256)
    return {
        # Malformed: the reader must refuse these.
        "truncated_datagram": ecat_header(40) + datagram(0x0C, index, 0, b"\1" * 30)[:12],
        "length_past_frame": body(datagram(0x0C, index, 0, b"\2" * 8, length=200)),
        "bad_header_type": ecat_header(14, kind=5) + datagram(0x04, index, 0, b"\3\3"),
        "more_bit_on_last": body(datagram(0x07, index, 0, b"\4\4", more=True)),
        "header_only": ecat_header(0),
        "unknown_command": body(datagram(0x2A, index, 0, b"\5" * 4)),
        # Well-formed, not the master's: another length than its image, a working counter of 99.
        "foreign_lrw_bad_wkc": body(datagram(0x0C, index, 0, b"\6" * 7, wkc=99)),
        "foreign_brd": body(datagram(0x07, index, 0x01300000, b"\0\0", wkc=3)),
    }


MALFORMED = {"truncated_datagram", "length_past_frame", "bad_header_type", "more_bit_on_last", "header_only", "unknown_command"}


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    interface, rounds = argv[0], int(argv[1])
    gap = (float(argv[2]) if len(argv) > 2 else 5.0) / 1000
    rng = random.Random(15)
    sent = {}
    for _ in range(rounds):
        for name, payload in kinds(rng).items():
            frame = Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:0e:ca", type=ETHERCAT) / Raw(payload)
            sendp(frame, iface=interface, verbose=False)
            sent[name] = sent.get(name, 0) + 1
            time.sleep(gap)
    print(json.dumps({"sent": sent,
                      "malformed": sum(n for k, n in sent.items() if k in MALFORMED),
                      "foreign": sum(n for k, n in sent.items() if k not in MALFORMED)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
