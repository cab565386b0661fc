#!/usr/bin/env python3
# DCP request frames built with scapy's pnio_dcp layer (an implementation independent of Orion's), printed as
# Swift array literals for Tests/FieldbusTests/PROFINETDCPTests.swift. Regenerate with the project's venv:
#   ~/.cache/orion-rt/venv/bin/python3 Tests/FieldbusTests/Fixtures/pn_dcp_fixtures.py
from scapy.all import Ether, raw
from scapy.contrib.pnio import ProfinetIO
from scapy.contrib.pnio_dcp import ProfinetDCP

ctl = "02:00:00:00:00:aa"
dev = "02:00:00:00:12:34"

def frame(dst, frame_id, **dcp):
    return raw(Ether(dst=dst, src=ctl, type=0x8892) / ProfinetIO(frameID=frame_id) / ProfinetDCP(service_type=0, **dcp))

def show(name, data):
    print("    static let %s: [UInt8] = [" % name)
    for i in range(0, len(data), 16):
        print("        " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",")
    print("    ]")

show("identifyAll", frame("01:0e:cf:00:00:00", 0xfefe, service_id=5, xid=0x1001, reserved=0x0080,
                          option=255, sub_option=255, dcp_data_length=4, dcp_block_length=0))
show("identifyByName", frame("01:0e:cf:00:00:00", 0xfefe, service_id=5, xid=0x1002, reserved=1,
                             option=2, sub_option=2, dcp_data_length=13, dcp_block_length=9, name_of_station=b"orion-dev"))
show("identifyOtherName", frame("01:0e:cf:00:00:00", 0xfefe, service_id=5, xid=0x1003, reserved=1,
                                option=2, sub_option=2, dcp_data_length=13, dcp_block_length=9, name_of_station=b"other-dev"))
show("setNamePermanent", frame(dev, 0xfefd, service_id=4, xid=0x1004, option=2, sub_option=2, dcp_data_length=16,
                               dcp_block_length=12, block_qualifier=1, name_of_station=b"plc-line-3"))
show("setIPTemporary", frame(dev, 0xfefd, service_id=4, xid=0x1005, option=1, sub_option=2, dcp_data_length=18,
                             dcp_block_length=14, block_qualifier=0, ip="192.168.77.30", netmask="255.255.255.0",
                             gateway="192.168.77.1"))
show("setBadName", frame(dev, 0xfefd, service_id=4, xid=0x1006, option=2, sub_option=2, dcp_data_length=14,
                         dcp_block_length=10, block_qualifier=1, name_of_station=b"Bad_Name"))
show("getName", frame(dev, 0xfefd, service_id=3, xid=0x1007, option=2, sub_option=2, dcp_data_length=2))
