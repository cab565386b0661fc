#!/usr/bin/env python3
# profinet-py (its low-level API: IOCAR connect, PrmEnd, ApplicationReady, RT_CLASS_1) as the IO controller of a
# device under test; one JSON line out with what happened.
#   pn_controller.py IFACE STATION SECONDS CYCLE_MS [wrong|abandon|im0|alarms|im-write|im-read]
# Slots: Orion's built-in device (slot 1: 1 byte in, slot 2: 1 byte out, slot 3: 4 in / 4 out); "wrong" expects
# another module in slot 3 (the device answers with a module diff); "abandon" stops sending after SECONDS without a
# release (the device's watchdog must end the AR); "im0" only reads I&M0 implicitly, without an AR; "alarms" runs
# profinet-py's alarm listener during the exchange and reports the alarms it took and acknowledged; "im-write" writes
# I&M1-3 within the AR and reads them back; "im-read" reads I&M1-3 implicitly, without an AR.
import json, sys, time, logging
from profinet import rpc
from profinet.rpc import IOCRSetup, IOSlot
from profinet.rt import build_iocr_configs
from profinet.cyclic import CyclicController
from profinet.util import ethernet_socket, get_mac, s2mac

logging.basicConfig(level=logging.ERROR)
iface, name, seconds, cycle_ms = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
mode = sys.argv[5] if len(sys.argv) > 5 else "cyclic"
wrong = mode == "wrong"
out = {}
sock = ethernet_socket(iface, 3)
src = get_mac(iface)
info = rpc.get_station_info(sock, src, name)
out["ip"] = info.ip
if mode == "im0":
    from profinet.protocol import PNInM0
    conn = rpc.RPCCon(info)
    iod = conn.read_implicit(api=0, slot=0, subslot=1, idx=0xAFF0)
    im0 = PNInM0(iod.payload)
    text = lambda v: (v.decode("latin-1") if isinstance(v, (bytes, bytearray)) else str(v)).strip()
    out["im0"] = {"vendor_id": im0.vendor_id, "order_id": text(im0.order_id), "serial": text(im0.im_serial_number),
                  "hardware_revision": im0.im_hardware_revision, "im_version": im0.im_version, "im_supported": im0.im_supported,
                  "sw_revision": [im0.sw_revision_prefix, im0.im_sw_revision_functional_enhancement, im0.im_sw_revision_bug_fix,
                                  im0.im_sw_revision_internal_change]}
    print(json.dumps(out, default=str))
    sys.exit(0)
def im_text(v):
    return (v.decode("latin-1") if isinstance(v, (bytes, bytearray)) else str(v)).rstrip(" \x00")
if mode == "im-read":
    # I&M1-3 read implicitly (no AR), as an engineering tool reads a device's plant data.
    from profinet.protocol import PNInM1, PNInM2, PNInM3
    conn = rpc.RPCCon(info)
    im1 = PNInM1(conn.read_implicit(api=0, slot=0, subslot=1, idx=0xAFF1).payload)
    im2 = PNInM2(conn.read_implicit(api=0, slot=0, subslot=1, idx=0xAFF2).payload)
    im3 = PNInM3(conn.read_implicit(api=0, slot=0, subslot=1, idx=0xAFF3).payload)
    out["im"] = {"function": im_text(im1.im_tag_function), "location": im_text(im1.im_tag_location),
                 "date": im_text(im2.im_date), "descriptor": im_text(im3.im_descriptor)}
    print(json.dumps(out, default=str))
    sys.exit(0)
slots = [
    IOSlot(0, 1, 0, 0, 0x1, 0x1), IOSlot(0, 0x8000, 0, 0, 0x1, 0x8000), IOSlot(0, 0x8001, 0, 0, 0x1, 0x8001),
    IOSlot(1, 1, 1, 0, 0x30, 0x130), IOSlot(2, 1, 0, 1, 0x31, 0x131),
    IOSlot(3, 1, 4, 4, 0x77 if wrong else 0x32, 0x132),
]
# Send clock 1 ms (32 x 31.25 us) times the reduction ratio.
ratio = cycle_ms
setup = IOCRSetup(slots=slots, send_clock_factor=32, reduction_ratio=ratio, watchdog_factor=10, data_hold_factor=10)
conn = rpc.RPCCon(info)
res = conn.connect(src, iocr_setup=setup)
out["input_frame"], out["output_frame"] = res.input_frame_id, res.output_frame_id
diff = getattr(res, "module_diff", None) or getattr(res, "module_diff_block", None)
out["module_diff"] = repr(diff) if diff else None
conn.prm_end()
out["prm_end"] = True
conn.application_ready()
out["application_ready"] = True
if mode == "im-write":
    # I&M1, I&M2 and I&M3 written within the AR (each its block: type, length, version 1.0, the padded text), then
    # read back within it.
    import struct
    from profinet.protocol import PNInM1, PNInM2, PNInM3
    def block(kind, text):
        body = b"\x01\x00" + text
        return struct.pack(">HH", kind, len(body)) + body
    conn.write(api=0, slot=0, subslot=1, idx=0xAFF1, data=block(0x0021, b"conveyor 3".ljust(32) + b"hall B".ljust(22)))
    conn.write(api=0, slot=0, subslot=1, idx=0xAFF2, data=block(0x0022, b"2026-12-07 23:45"))
    conn.write(api=0, slot=0, subslot=1, idx=0xAFF3, data=block(0x0023, b"spare: ORION-IO-1".ljust(54)))
    im1, im2, im3 = conn.read_im1(), conn.read_im2(), conn.read_im3()
    out["im"] = {"function": im_text(im1.im_tag_function), "location": im_text(im1.im_tag_location),
                 "date": im_text(im2.im_date), "descriptor": im_text(im3.im_descriptor)}
    # A write to I&M0 is refused.
    try:
        conn.write(api=0, slot=0, subslot=1, idx=0xAFF0, data=block(0x0020, bytes(54)))
        out["im0_write"] = "taken"
    except Exception as e:
        out["im0_write"] = "refused: %s" % e
inc, outc = build_iocr_configs(slots=setup.slots, input_frame_id=res.input_frame_id, output_frame_id=res.output_frame_id,
                               send_clock_factor=32, reduction_ratio=ratio, watchdog_factor=10)
cyc = CyclicController(interface=iface, src_mac=src, dst_mac=s2mac(info.mac), input_iocr=inc, output_iocr=outc)
seen = {}
cyc.on_input(lambda sl, ss, d: seen.setdefault((sl, ss), set()).add(bytes(d)))
cyc.start()
# "alarms": profinet-py's alarm listener takes the device's alarm frames, acknowledges them (transport ACK and
# AlarmAck) and reports each one.
alarms = []
listener = None
if mode == "alarms":
    listener = conn.create_alarm_listener(iface)
    if listener is None:
        print(json.dumps({"error": "no alarm CR after the connect"}))
        sys.exit(1)
    def took(a):
        item = a.items[0] if a.items else None
        alarms.append({"type": a.alarm_type, "name": a.alarm_type_name, "slot": a.slot_number, "subslot": a.subslot_number,
                       "module": a.module_ident_number, "submodule": a.submodule_ident_number, "sequence": a.alarm_sequence_number,
                       "high": a.is_high_priority, "channel_diagnosis": a.channel_diagnosis,
                       "usi": item.user_structure_id if item else None,
                       "error_type": getattr(item, "channel_error_type", None), "channel": getattr(item, "channel_number", None)})
    listener.add_callback(took)
    listener.start()
t0 = time.time()
i = 0
while time.time() - t0 < seconds:
    cyc.set_output_data(2, 1, bytes([i & 0xFF]))
    cyc.set_output_data(3, 1, bytes([0xA5, 0x5A, i & 0xFF, 0x01]))
    i += 1
    time.sleep(0.25)
s = cyc.stats
if mode == "abandon":
    # The controller dies: no stop frames, no release.
    print(json.dumps({"abandoned": True, "received": s.frames_received}))
    sys.stdout.flush()
    import os
    os._exit(0)
out["stats"] = {"sent": s.frames_sent, "received": s.frames_received, "missed": s.frames_missed,
                "invalid": s.frames_invalid, "duplicate": s.frames_duplicate, "out_of_order": s.frames_out_of_order}
out["distinct_inputs"] = {"%d.%d" % k: len(v) for k, v in seen.items()}
if listener is not None:
    time.sleep(0.5)  # the last AlarmAck's transport ACK
    listener.stop()
    out["alarms"] = alarms
cyc.stop()
try:
    conn.release() if hasattr(conn, "release") else None
    out["released"] = True
except Exception as e:
    out["released"] = "error: %s" % e
conn.close() if hasattr(conn, "close") else None
print(json.dumps(out))
