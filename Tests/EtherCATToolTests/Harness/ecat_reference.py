#!/usr/bin/env python3
"""What the reference masters see on a segment, as one JSON object on stdout.

    ecat_reference.py pysoem IF [SII_WORDS]  # SOEM (pysoem): config_init, identity, names, station addresses, SII words
    ecat_reference.py kickcat IF             # KickCAT's master (kickcat): Bus.init, station addresses
    ecat_reference.py sdo IF POS INDEX SUB   # SOEM: sdo_read of one object, {"hex": ...} or {"abort": code}
    ecat_reference.py mapping IF POS         # SOEM: the slave's own 0x1C12/0x1C13 objects and the PDOs they assign
    ecat_reference.py dc IF                  # SOEM: config_dc, then every slave's delay (0x0928) as SOEM set it
    ecat_reference.py od IF POS              # SOEM: the object dictionary through SDO information (slave.od)
    ecat_reference.py sdo-write IF POS INDEX SUB HEX  # SOEM: sdo_write of the bytes, {"written": n} or {"abort": code}

Timeouts are generous (the simulator has latency spikes under load).
"""
import json
import sys


def pysoem_scan(interface, words):
    import pysoem
    master = pysoem.Master()
    master.open(interface)
    try:
        count = master.config_init()
        slaves = []
        for s in master.slaves:
            sii = b""
            for address in range(0, words, 2):
                sii += bytes(s.eeprom_read(address, 50000))
            slaves.append({"name": s.name, "vendor_id": s.man, "product_code": s.id, "revision": s.rev,
                           "station": s._ec_slave.configadr if hasattr(s, "_ec_slave") else None,
                           "sii": sii.hex()})
        return {"count": count, "slaves": slaves}
    finally:
        master.close()


def pysoem_sdo(interface, position, index, subindex):
    import pysoem
    master = pysoem.Master()
    master.open(interface)
    try:
        master.config_init()
        slave = master.slaves[position]
        try:
            return {"hex": bytes(slave.sdo_read(index, subindex)).hex()}
        except pysoem.SdoError as e:
            return {"abort": e.abort_code}
    finally:
        master.close()


def pysoem_sdo_write(interface, position, index, subindex, data):
    import pysoem
    master = pysoem.Master()
    master.open(interface)
    try:
        master.config_init()
        slave = master.slaves[position]
        try:
            slave.sdo_write(index, subindex, data)
            return {"written": len(data)}
        except pysoem.SdoError as e:
            return {"abort": e.abort_code}
    finally:
        master.close()


def pysoem_mapping(interface, position):
    """Bits the slave's CoE objects map: 0x1C12 (outputs) and 0x1C13 (inputs), each PDO's entries summed."""
    import pysoem
    master = pysoem.Master()
    master.open(interface)
    try:
        master.config_init()
        slave = master.slaves[position]
        out = {}
        for key, assignment in (("outputs_bits", 0x1C12), ("inputs_bits", 0x1C13)):
            bits, pdos = 0, []
            count = slave.sdo_read(assignment, 0)[0]
            for p in range(1, count + 1):
                pdo = int.from_bytes(slave.sdo_read(assignment, p)[:2], "little")
                entries = []
                for e in range(1, slave.sdo_read(pdo, 0)[0] + 1):
                    m = int.from_bytes(slave.sdo_read(pdo, e)[:4], "little")
                    entries.append([m >> 16, (m >> 8) & 0xFF, m & 0xFF])
                    bits += m & 0xFF
                pdos.append({"index": pdo, "entries": entries})
            out[key] = bits
            out[key.replace("_bits", "_pdos")] = pdos
        return out
    finally:
        master.close()


def pysoem_od(interface, position):
    """The slave's object dictionary as SOEM reads it (ec_readODlist, ec_readODdescription, ec_readOE)."""
    import pysoem
    master = pysoem.Master()
    master.open(interface)
    try:
        master.config_init()
        slave = master.slaves[position]
        objects = []
        for o in slave.od:
            name = o.name.decode("latin-1") if isinstance(o.name, bytes) else o.name
            entries = []
            for sub, e in enumerate(o.entries):
                ename = e.name.decode("latin-1") if isinstance(e.name, bytes) else e.name
                entries.append({"subindex": sub, "data_type": e.data_type, "bit_length": e.bit_length,
                                "access": e.obj_access, "name": ename})
            objects.append({"index": o.index, "data_type": o.data_type, "object_code": o.object_code,
                            "name": name, "entries": entries})
        return {"objects": objects}
    finally:
        master.close()


def pysoem_dc(interface):
    import pysoem
    master = pysoem.Master()
    master.open(interface)
    try:
        master.config_init()
        ok = master.config_dc()
        return {"dc": bool(ok), "delays": [int.from_bytes(s._fprd(0x0928, 4, 50000), "little") for s in master.slaves]}
    finally:
        master.close()


def kickcat_scan(interface):
    import kickcat
    link = kickcat.create_link(interface, "")
    link.set_timeout(0.1)
    bus = kickcat.Bus(link)
    bus.init(2.0)
    return {"count": len(bus.slaves()), "stations": [s.address for s in bus.slaves()]}


def main(argv):
    if len(argv) < 2 or argv[0] not in ("pysoem", "kickcat", "sdo", "sdo-write", "mapping", "od", "dc"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "dc":
        out = pysoem_dc(argv[1])
    elif argv[0] == "od":
        out = pysoem_od(argv[1], int(argv[2]))
    elif argv[0] == "mapping":
        out = pysoem_mapping(argv[1], int(argv[2]))
    elif argv[0] == "sdo-write":
        out = pysoem_sdo_write(argv[1], int(argv[2]), int(argv[3], 0), int(argv[4], 0), bytes.fromhex(argv[5]))
    elif argv[0] == "sdo":
        out = pysoem_sdo(argv[1], int(argv[2]), int(argv[3], 0), int(argv[4], 0))
    elif argv[0] == "pysoem":
        out = pysoem_scan(argv[1], int(argv[2]) if len(argv) > 2 else 64)
    else:
        out = kickcat_scan(argv[1])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
