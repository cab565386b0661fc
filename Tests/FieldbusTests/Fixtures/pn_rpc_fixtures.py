#!/usr/bin/env python3
"""Known PROFINET IO RPC frames for Tests/FieldbusTests/PROFINETRPCTests.swift, built by independent code:
scapy's DCE/RPC and pnio_rpc layers (scapy 2.7.0) and profinet-py 0.6.6 (its controller's own builders, run
offline with the network call replaced by a capture). Prints a Swift enum of byte arrays to paste between the
GENERATED markers of the test file:

    ~/.cache/orion-rt/venv/bin/python3 Tests/FieldbusTests/Fixtures/pn_rpc_fixtures.py

With --corpus DIR it also writes the datagrams and RTA PDUs as binary seed files for the fuzz target.

Where the sources disagree with IEC 61158-6-10 (and p-net) the frames avoid the difference: scapy puts the RTA
PDUType's type in the high nibble (the standard: bits 0-3) and AlarmCRProperties' priority/transport in bits
31/30 (the standard: bits 0/1), so the scapy RTA frames use type == version and the alarm CR properties are 0.
ModuleDiffBlock and AlarmAck have no scapy layer: the first is packed by hand here and read back with
profinet-py's parser, the second comes from profinet-py's builder.
"""

import os
import struct
import sys
import uuid

from scapy.all import raw
from scapy.layers.dcerpc import DceRpc4
from scapy.contrib.pnio_rpc import (
    ARBlockReq, ARBlockRes, AlarmCRBlockReq, AlarmCRBlockRes, Alarm_High, Alarm_Low, AlarmNotification_High,
    AlarmNotification_Low, Block, DiagnosisItem, ExpectedSubmodule, ExpectedSubmoduleAPI,
    ExpectedSubmoduleBlockReq, ExpectedSubmoduleDataDescription, IM0Block, IM1Block, IM2Block, IM3Block, IM4Block,
    IOCRAPI, IOCRAPIObject, IOCRBlockReq, IOCRBlockRes, IODControlReq, IODControlRes, IODReadReq, IODReadRes,
    IODWriteReq, IODWriteRes, PNIOServiceReqPDU, PNIOServiceResPDU, RPC_INTERFACE_UUID,
)

AR_UUID = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
ACTIVITY = uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")
DEVICE_OBJECT = uuid.UUID("dea00000-6c97-11d1-8271-00010002feed")  # instance 1, device 0x0002, vendor 0xFEED
INITIATOR_OBJECT = uuid.UUID("dea00000-6c97-11d1-8271-000100010001")
TARGET_AR = uuid.UUID("11223344-5566-7788-99aa-bbccddeeff00")
DEVICE_IF = RPC_INTERFACE_UUID["UUID_IO_DeviceInterface"]
CONTROLLER_IF = RPC_INTERFACE_UUID["UUID_IO_ControllerInterface"]

fixtures = []  # (name, comment, bytes)
corpus = []    # (file name, bytes)


def add(name, comment, data, seed=None):
    fixtures.append((name, comment, bytes(data)))
    if seed:
        corpus.append((seed, bytes(data)))


def rpc(ptype, opnum, payload, endian=1, flags1=0x20, seq=0, if_id=DEVICE_IF, obj=DEVICE_OBJECT):
    return raw(DceRpc4(ptype=ptype, flags1=flags1, endian=endian, object=obj, if_id=if_id, act_id=ACTIVITY,
                       server_boot=0, if_vers=1, seqnum=seq, opnum=opnum) / payload)


# -- Connect ---------------------------------------------------------------------------------------------------

ar_req = ARBlockReq(block_type=0x0101, ARType=1, ARUUID=AR_UUID, SessionKey=1, CMInitiatorMacAdd="02:00:00:00:00:01",
                    CMInitiatorObjectUUID=INITIATOR_OBJECT, ARProperties_ParametrizationServer=1,
                    ARProperties_State=1, CMInitiatorActivityTimeoutFactor=600, CMInitiatorUDPRTPort=0x8892,
                    CMInitiatorStationName=b"controller")
iocr_in = IOCRBlockReq(
    block_type=0x0102, IOCRType=1, IOCRReference=1, LT=0x8892, IOCRProperties_RTClass=1, DataLength=40,
    FrameID=0x8001, SendClockFactor=32, ReductionRatio=32, Phase=1, Sequence=0, FrameSendOffset=0xFFFFFFFF,
    WatchdogFactor=3, DataHoldFactor=3, IOCRTagHeader_IOUserPriority=6, IOCRTagHeader_IOCRVLANID=0,
    IOCRMulticastMACAdd="00:00:00:00:00:00",
    APIs=[IOCRAPI(API=0,
                  IODataObjects=[IOCRAPIObject(SlotNumber=0, SubslotNumber=1, FrameOffset=0),
                                 IOCRAPIObject(SlotNumber=0, SubslotNumber=0x8000, FrameOffset=1),
                                 IOCRAPIObject(SlotNumber=0, SubslotNumber=0x8001, FrameOffset=2),
                                 IOCRAPIObject(SlotNumber=1, SubslotNumber=1, FrameOffset=3)],
                  IOCSs=[IOCRAPIObject(SlotNumber=1, SubslotNumber=1, FrameOffset=5)])])
iocr_out = IOCRBlockReq(
    block_type=0x0102, IOCRType=2, IOCRReference=2, LT=0x8892, IOCRProperties_RTClass=1, DataLength=40,
    FrameID=0xFFFF, SendClockFactor=32, ReductionRatio=32, Phase=1, Sequence=0, FrameSendOffset=0xFFFFFFFF,
    WatchdogFactor=3, DataHoldFactor=3, IOCRTagHeader_IOUserPriority=6, IOCRTagHeader_IOCRVLANID=0,
    IOCRMulticastMACAdd="00:00:00:00:00:00",
    APIs=[IOCRAPI(API=0,
                  IODataObjects=[IOCRAPIObject(SlotNumber=1, SubslotNumber=1, FrameOffset=0)],
                  IOCSs=[IOCRAPIObject(SlotNumber=0, SubslotNumber=1, FrameOffset=3),
                         IOCRAPIObject(SlotNumber=0, SubslotNumber=0x8000, FrameOffset=4),
                         IOCRAPIObject(SlotNumber=0, SubslotNumber=0x8001, FrameOffset=5),
                         IOCRAPIObject(SlotNumber=1, SubslotNumber=1, FrameOffset=6)])])
alarm_cr = AlarmCRBlockReq(block_type=0x0103, AlarmCRType=1, LT=0x8892, RTATimeoutFactor=1, RTARetries=3,
                           LocalAlarmReference=1, MaxAlarmDataLength=200, AlarmCRTagHeaderHigh=0xC000,
                           AlarmCRTagHeaderLow=0xA000)


def no_io(subslot, ident):
    return ExpectedSubmodule(SubslotNumber=subslot, SubmoduleIdentNumber=ident, SubmoduleProperties_Type=0,
                             DataDescription=[ExpectedSubmoduleDataDescription(DataDescription=1,
                                                                               SubmoduleDataLength=0,
                                                                               LengthIOCS=1, LengthIOPS=1)])


expected = ExpectedSubmoduleBlockReq(block_type=0x0104, APIs=[
    ExpectedSubmoduleAPI(API=0, SlotNumber=0, ModuleIdentNumber=0x00000001, ModuleProperties=0,
                         Submodules=[no_io(1, 0x00000001), no_io(0x8000, 0x00008000), no_io(0x8001, 0x00008001)]),
    ExpectedSubmoduleAPI(API=0, SlotNumber=1, ModuleIdentNumber=0x00000032, ModuleProperties=0,
                         Submodules=[ExpectedSubmodule(
                             SubslotNumber=1, SubmoduleIdentNumber=0x00000101, SubmoduleProperties_Type=3,
                             DataDescription=[
                                 ExpectedSubmoduleDataDescription(DataDescription=1, SubmoduleDataLength=1,
                                                                  LengthIOCS=1, LengthIOPS=1),
                                 ExpectedSubmoduleDataDescription(DataDescription=2, SubmoduleDataLength=2,
                                                                  LengthIOCS=1, LengthIOPS=1)])]),
])
connect_blocks = [ar_req, iocr_in, iocr_out, alarm_cr, expected]
add("connectRequest", "scapy: DCE/RPC request (little-endian drep), Connect with AR, 2 IOCRs, alarm CR, "
    "expected submodules",
    rpc(0, 0, PNIOServiceReqPDU(args_max=16696, max_count=16696, blocks=connect_blocks)), seed="connect-request-le")

# A module diff: slot 1 holds the right module with the wrong submodule (IdentInfo 2), slot 2 is empty.
module_diff = struct.pack(">HIH", 1, 0, 2)
module_diff += struct.pack(">HIHH", 1, 0x00000032, 2, 1) + struct.pack(">HIH", 1, 0x00000102, 0x9000)
module_diff += struct.pack(">HIHH", 2, 0x00000000, 0, 0)
module_diff_block = Block(block_type=0x8104, load=module_diff)

connect_res_blocks = [
    ARBlockRes(block_type=0x8101, ARType=1, ARUUID=AR_UUID, SessionKey=1, CMResponderMacAdd="02:00:00:00:00:02",
               CMResponderUDPRTPort=0x8892),
    IOCRBlockRes(block_type=0x8102, IOCRType=1, IOCRReference=1, FrameID=0x8001),
    IOCRBlockRes(block_type=0x8102, IOCRType=2, IOCRReference=2, FrameID=0x8000),
    AlarmCRBlockRes(block_type=0x8103, AlarmCRType=1, LocalAlarmReference=2, MaxAlarmDataLength=200),
    module_diff_block,
]
add("connectResponse", "scapy: DCE/RPC response (little-endian), ARBlockRes, 2 IOCRBlockRes, AlarmCRBlockRes, "
    "ModuleDiffBlock (packed by hand, read back by profinet-py)",
    rpc(2, 0, PNIOServiceResPDU(status=0, max_count=16696, blocks=connect_res_blocks), flags1=0x28),
    seed="connect-response-le")

# profinet-py reads the module diff back the same way.
from profinet.blocks import parse_module_diff_block  # noqa: E402
_diff = parse_module_diff_block(raw(module_diff_block))
assert [(m.slot_number, m.module_ident_number, m.module_state, [(s.subslot_number, s.submodule_ident_number,
         s.submodule_state) for s in m.submodules]) for m in _diff.modules] == \
    [(1, 0x32, 2, [(1, 0x102, 0x9000)]), (2, 0, 0, [])], _diff

add("connectRefused", "scapy: a connect refused (PNIOStatus DB 81 01 05 in the little-endian NDR word, no blocks)",
    rpc(2, 0, PNIOServiceResPDU(status=0xDB810105, max_count=16696, blocks=[]), flags1=0x28))

# -- Control, release -------------------------------------------------------------------------------------------

prm_end = IODControlReq(block_type=0x0110, ARUUID=AR_UUID, SessionKey=1, ControlCommand_PrmEnd=1)
add("prmEndBlock", "scapy: IODControlReq PrmEnd", raw(prm_end))
add("prmEndResBlock", "scapy: IODControlRes of PrmEnd (Done)",
    raw(IODControlRes(block_type=0x8110, ARUUID=AR_UUID, SessionKey=1, ControlCommand_Done=1)))
add("applicationReadyBlock", "scapy: IOXControlReq ApplicationReady",
    raw(IODControlReq(block_type=0x0112, ARUUID=AR_UUID, SessionKey=1, ControlCommand_ApplicationReady=1)))
add("applicationReadyResBlock", "scapy: IOXControlRes of ApplicationReady",
    raw(IODControlRes(block_type=0x8112, ARUUID=AR_UUID, SessionKey=1, ControlCommand_Done=1)))
release = IODControlReq(block_type=0x0114, ARUUID=AR_UUID, SessionKey=1, ControlCommand_Release=1)
add("releaseBlock", "scapy: ReleaseBlockReq", raw(release))
add("releaseRequest", "scapy: DCE/RPC request in big-endian drep, Release",
    rpc(0, 1, PNIOServiceReqPDU(args_max=16696, max_count=16696, blocks=[release]), endian=0, seq=7),
    seed="release-request-be")

# -- Read, write ------------------------------------------------------------------------------------------------

read_req = IODReadReq(block_type=0x0009, seqNum=3, ARUUID=AR_UUID, API=0, slotNumber=0, subslotNumber=1,
                      index=0xAFF0, recordDataLength=4068)
add("readRequestBlock", "scapy: IODReadReqHeader of I&M0", raw(read_req))
add("readRequest", "scapy: DCE/RPC Read request", rpc(0, 2, PNIOServiceReqPDU(args_max=4068, max_count=4068,
                                                                                 blocks=[read_req]), seq=3),
    seed="read-request-le")
implicit = IODReadReq(block_type=0x0009, seqNum=4, ARUUID=uuid.UUID(int=0), API=0, slotNumber=0, subslotNumber=1,
                      index=0xAFF0, recordDataLength=4068, RWPadding=TARGET_AR.bytes + bytes(8))
add("implicitReadBlock", "scapy: IODReadReqHeader of an implicit read, TargetARUUID in the padding", raw(implicit))

im0 = IM0Block(block_type=0x0020, VendorIDHigh=0xFE, VendorIDLow=0xED, OrderID=b"ORION-PN-1".ljust(20),
               IMSerialNumber=b"SN0001".ljust(16), IMHardwareRevision=3, IMSWRevisionPrefix=b"V",
               IMSWRevisionFunctionalEnhancement=1, IMSWRevisionBugFix=2, IMSWRevisionInternalChange=3,
               IMRevisionCounter=5, IMProfileID=0xF600, IMProfileSpecificType=4, IMVersionMajor=1, IMVersionMinor=1,
               IMSupported=0x001E)
read_res = IODReadRes(block_type=0x8009, seqNum=3, ARUUID=AR_UUID, API=0, slotNumber=0, subslotNumber=1,
                      index=0xAFF0, recordDataLength=len(raw(im0)), additionalValue1=0, additionalValue2=0)
add("readResponseBlock", "scapy: IODReadResHeader", raw(read_res))
add("im0Block", "scapy: I&M0", raw(im0))
add("readResponse", "scapy: DCE/RPC Read response, IODReadResHeader then the I&M0 record",
    rpc(2, 2, PNIOServiceResPDU(status=0, max_count=4068, blocks=[read_res, im0]), flags1=0x28, seq=3),
    seed="read-response-le")
add("im1Block", "scapy: I&M1", raw(IM1Block(block_type=0x0021, IMTagFunction=b"pump 7".ljust(32),
                                           IMTagLocation=b"hall B".ljust(22))))
add("im2Block", "scapy: I&M2", raw(IM2Block(block_type=0x0022, IMDate=b"2024-05-01 12:30")))
add("im3Block", "scapy: I&M3", raw(IM3Block(block_type=0x0023, IMDescriptor=b"spare".ljust(54))))
add("im4Block", "scapy: I&M4", raw(IM4Block(block_type=0x0024, IMSignature=bytes(range(54)))))

write_data = bytes([0x01, 0x02, 0x03, 0x04, 0x05])
write_req = IODWriteReq(block_type=0x0008, seqNum=5, ARUUID=AR_UUID, API=0, slotNumber=1, subslotNumber=1,
                        index=0x0100, recordDataLength=len(write_data))
add("writeRequestBlock", "scapy: IODWriteReqHeader of 5 bytes", raw(write_req))
add("writeRequest", "scapy: DCE/RPC Write request, header then the 5 bytes",
    rpc(0, 3, PNIOServiceReqPDU(args_max=4068, args_length=64 + len(write_data), max_count=4068,
                                actual_count=64 + len(write_data), blocks=[write_req]) / write_data, seq=5),
    seed="write-request-le")
add("writeResponseBlock", "scapy: IODWriteResHeader with status DF 80 B0 00 (invalid index)",
    raw(IODWriteRes(block_type=0x8008, seqNum=5, ARUUID=AR_UUID, API=0, slotNumber=1, subslotNumber=1,
                    index=0x0100, recordDataLength=0, additionalValue1=0, additionalValue2=0, status=0xDF80B000)))

# -- Alarms -------------------------------------------------------------------------------------------------------

alarm_low = Alarm_Low(AlarmDstEndpoint=1, AlarmSrcEndpoint=2, PDUTypeType=1, PDUTypeVersion=1, AddFlags=0x11,
                      SendSeqNum=0xFFFF, AckSeqNum=0xFFFE,
                      RTA_SDU=AlarmNotification_Low(block_type=0x0002, AlarmType=1, API=0, SlotNumber=1,
                                                    SubslotNumber=1, ModuleIdentNumber=0x32,
                                                    SubmoduleIdentNUmber=0x0101, AlarmSpecifier=0x0801 | 0x2000,
                                                    AlarmPayload=[DiagnosisItem(UserStructureIdentifier=0x8000,
                                                                                ChannelNumber=0x8000,
                                                                                ChannelProperties=0x0800,
                                                                                ChannelErrorType=0x0001)]))
pdu = raw(alarm_low)
pdu = pdu[:10] + struct.pack(">H", len(pdu) - 12) + pdu[12:]  # scapy leaves VarPartLen as given
add("alarmLowPDU", "scapy: RTA DATA PDU (after frame ID 0xFE01) with an AlarmNotification_Low, channel diagnosis",
    pdu, seed="alarm-low-pdu")
alarm_high = AlarmNotification_High(block_type=0x0001, AlarmType=1, API=0, SlotNumber=1, SubslotNumber=1,
                                    ModuleIdentNumber=0x32, SubmoduleIdentNUmber=0x0101, AlarmSpecifier=0x0802,
                                    AlarmPayload=[DiagnosisItem(UserStructureIdentifier=0x8002, ChannelNumber=3,
                                                                ChannelProperties=0x0900, ChannelErrorType=0x0002,
                                                                ExtChannelErrorType=0x8001,
                                                                ExtChannelAddValue=0x00000042)])
add("alarmHighExtendedBlock", "scapy: AlarmNotification_High with an extended channel diagnosis", raw(alarm_high))

# AlarmAck and the RTA header from profinet-py's controller.
from profinet.protocol import PNAlarmAckPDU, PNBlockHeader, PNRTAHeader  # noqa: E402
ack = bytes(PNAlarmAckPDU(block_header=bytes(PNBlockHeader(0x8002, PNAlarmAckPDU.fmt_size - 4, 1, 0)),
                          alarm_type=1, api=0, slot_number=1, subslot_number=1, alarm_specifier=0x2801,
                          pnio_status=0))
rta = bytes(PNRTAHeader(alarm_dst_endpoint=2, alarm_src_endpoint=1, pdu_type=(1 << 4) | 1, add_flags=0x11,
                        send_seq_num=0xFFFF, ack_seq_num=0xFFFF, var_part_len=len(ack), payload=b""))
add("alarmAckPDU", "profinet-py: RTA DATA PDU carrying its AlarmAck (low) of the alarm above", rta + ack,
    seed="alarm-ack-pdu")
add("rtaAckPDU", "profinet-py: RTA ACK PDU (type 3 in the low nibble, version 1 in the high)",
    bytes(PNRTAHeader(alarm_dst_endpoint=2, alarm_src_endpoint=1, pdu_type=(1 << 4) | 3, add_flags=0x01,
                      send_seq_num=0x0000, ack_seq_num=0xFFFF, var_part_len=0, payload=b"")),
    seed="rta-ack-pdu")

# -- profinet-py's own Connect and implicit read (big-endian drep), captured instead of sent ---------------------

import profinet.rpc as pnrpc  # noqa: E402


class Captured(Exception):
    pass


class Info:
    ip = "192.0.2.10"
    name = "orion-device"
    mac = "02:00:00:00:00:02"
    vendor_high, vendor_low, device_high, device_low = 0xFE, 0xED, 0x00, 0x02


captured = []


def capture(self, rpc_packet):
    captured.append(bytes(rpc_packet))
    raise Captured()


pnrpc.RPCCon._send_receive = capture
con = pnrpc.RPCCon(Info(), timeout=0.1)
con.ar_uuid = AR_UUID.bytes
con.activity_uuid = ACTIVITY.bytes
con.session_key = 1
setup = pnrpc.IOCRSetup(slots=[
    pnrpc.IOSlot(slot=0, subslot=1, module_ident=1, submodule_ident=1),
    pnrpc.IOSlot(slot=0, subslot=0x8000, module_ident=1, submodule_ident=0x8000),
    pnrpc.IOSlot(slot=0, subslot=0x8001, module_ident=1, submodule_ident=0x8001),
    pnrpc.IOSlot(slot=1, subslot=1, module_ident=0x32, submodule_ident=0x0101, input_length=1, output_length=2),
], watchdog_factor=3, data_hold_factor=3)
try:
    con.connect(src_mac=bytes.fromhex("020000000001"), iocr_setup=setup)
except Captured:
    pass
try:
    con.read_implicit(api=0, slot=0, subslot=1, idx=0xAFF0)
except Captured:
    pass
con.close()
assert len(captured) == 2, captured
add("profinetPyConnect", "profinet-py 0.6.6 RPCCon.connect (IOCARSingle, 2 IOCRs, alarm CR, expected "
    "submodules), big-endian drep", captured[0], seed="connect-request-profinet-py")
add("profinetPyImplicitRead", "profinet-py 0.6.6 RPCCon.read_implicit of I&M0, big-endian drep", captured[1],
    seed="implicit-read-profinet-py")


# -- Output -------------------------------------------------------------------------------------------------------

def swift_array(data, indent="        "):
    lines = []
    for i in range(0, len(data), 16):
        lines.append(indent + ", ".join("0x%02X" % b for b in data[i:i + 16]) + ",")
    return "\n".join(lines)


out = ["// GENERATED by Tests/FieldbusTests/Fixtures/pn_rpc_fixtures.py (scapy 2.7.0, profinet-py 0.6.6): do not",
       "// edit; regenerate with ~/.cache/orion-rt/venv/bin/python3 Tests/FieldbusTests/Fixtures/pn_rpc_fixtures.py",
       "// and paste its output between the GENERATED markers.",
       "enum PNFixtures {"]
for name, comment, data in fixtures:
    out.append("    /// %s (%d bytes)." % (comment, len(data)))
    out.append("    static let %s: [UInt8] = [" % name)
    out.append(swift_array(data))
    out.append("    ]")
out.append("}")
print("\n".join(out))

if len(sys.argv) == 3 and sys.argv[1] == "--corpus":
    os.makedirs(sys.argv[2], exist_ok=True)
    for fname, data in corpus:
        with open(os.path.join(sys.argv[2], fname), "wb") as f:
            f.write(data)
