#!/usr/bin/env python3
"""Frames for Tests/FieldbusTests/IPv4StackTests.swift, built by scapy (not by the stack under test).

Prints a Swift enum of byte-array constants (IPFixture); paste it between the BEGIN/END markers of the test file:

    ~/.cache/orion-rt/venv/bin/python3 Tests/FieldbusTests/Fixtures/ip_fixtures.py

Requests are what a peer sends; replies and sent datagrams are what the stack must produce byte for byte
(scapy computes every IPv4, ICMP and UDP checksum). The stack's IPv4 identification counts from 1 in a fresh
stack, so the first datagram it sends has id 1. Frames shorter than 60 bytes are padded with zeros, as the
stack pads what it writes.
"""
from scapy.all import ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, Raw  # scapy 2.7

OUR_MAC = "52:54:00:12:34:56"
OUR_IP = "192.168.7.2"
PEER_MAC = "02:00:00:00:00:10"
PEER_IP = "192.168.7.10"
GW_MAC = "02:00:00:00:00:01"
FAR_IP = "10.1.2.3"
BCAST = "ff:ff:ff:ff:ff:ff"


def pad(frame: bytes) -> bytes:
    return frame + bytes(max(0, 60 - len(frame)))


def swift(name: str, frame: bytes, comment: str) -> str:
    lines = [f"    /// {comment}", f"    static let {name}: [UInt8] = ["]
    for i in range(0, len(frame), 16):
        lines.append("        " + ", ".join(f"0x{b:02X}" for b in frame[i:i + 16]) + ",")
    lines.append("    ]")
    return "\n".join(lines)


def peer_ip(**kw):
    return Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER_IP, dst=OUR_IP, id=0x1234, **kw)


ECHO_DATA = bytes(range(0x10, 0x10 + 56))
DCE_DATA = b"orion dce/rpc request 0123456789"

fixtures = []

arp_request = Ether(dst=BCAST, src=PEER_MAC) / ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, hwdst="00:00:00:00:00:00", pdst=OUR_IP)
arp_reply = Ether(dst=PEER_MAC, src=OUR_MAC) / ARP(op=2, hwsrc=OUR_MAC, psrc=OUR_IP, hwdst=PEER_MAC, pdst=PEER_IP)
fixtures.append(("arpRequest", bytes(arp_request), "ARP who-has 192.168.7.2 tell 192.168.7.10 (broadcast, 42 bytes: unpadded)"))
fixtures.append(("arpReply", pad(bytes(arp_reply)), "The stack's answer: 192.168.7.2 is-at 52:54:00:12:34:56, padded to 60"))

arp_other = Ether(dst=BCAST, src=PEER_MAC) / ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst="192.168.7.99")
fixtures.append(("arpRequestForOther", pad(bytes(arp_other)), "ARP who-has 192.168.7.99 (not us)"))

arp_from_gw = Ether(dst=OUR_MAC, src=GW_MAC) / ARP(op=2, hwsrc=GW_MAC, psrc="192.168.7.1", hwdst=OUR_MAC, pdst=OUR_IP)
fixtures.append(("arpReplyFromGateway", pad(bytes(arp_from_gw)), "ARP 192.168.7.1 is-at 02:00:00:00:00:01, to us"))

arp_conflict = Ether(dst=BCAST, src="02:00:00:00:00:66") / ARP(op=1, hwsrc="02:00:00:00:00:66", psrc=OUR_IP, pdst=OUR_IP)
fixtures.append(("arpConflict", pad(bytes(arp_conflict)), "Another station's gratuitous ARP for our address"))

our_request = Ether(dst=BCAST, src=OUR_MAC) / ARP(op=1, hwsrc=OUR_MAC, psrc=OUR_IP, hwdst="00:00:00:00:00:00", pdst="192.168.7.1")
fixtures.append(("arpRequestForGateway", pad(bytes(our_request)), "The stack's ARP request for the gateway 192.168.7.1"))

announce = Ether(dst=BCAST, src=OUR_MAC) / ARP(op=1, hwsrc=OUR_MAC, psrc=OUR_IP, hwdst="00:00:00:00:00:00", pdst=OUR_IP)
fixtures.append(("arpAnnouncement", pad(bytes(announce)), "The stack's RFC 5227 announcement of 192.168.7.2"))

echo = peer_ip() / ICMP(type=8, id=0x4242, seq=7) / Raw(ECHO_DATA)
echo_reply = Ether(dst=PEER_MAC, src=OUR_MAC) / IP(src=OUR_IP, dst=PEER_IP, id=1) / ICMP(type=0, id=0x4242, seq=7) / Raw(ECHO_DATA)
fixtures.append(("echoRequest", bytes(echo), "ICMP echo request id 0x4242 seq 7, 56 data bytes, from 192.168.7.10"))
fixtures.append(("echoReply", bytes(echo_reply), "The stack's echo reply (IPv4 id 1, TTL 64)"))

echo_vlan = Ether(dst=OUR_MAC, src=PEER_MAC) / Dot1Q(vlan=0, prio=6) / IP(src=PEER_IP, dst=OUR_IP, id=0x1234) / ICMP(type=8, id=0x4242, seq=7) / Raw(ECHO_DATA)
fixtures.append(("echoRequestVLAN", bytes(echo_vlan), "The same echo request with an 802.1Q priority tag (VID 0, PCP 6)"))

echo_ttl0 = peer_ip(ttl=0) / ICMP(type=8, id=0x4242, seq=7) / Raw(ECHO_DATA)
fixtures.append(("echoRequestTTL0", bytes(echo_ttl0), "The echo request with TTL 0"))

echo_opts = Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER_IP, dst=OUR_IP, id=0x1234, options=b"\x01\x01\x01\x00") / ICMP(type=8, id=0x4242, seq=7) / Raw(ECHO_DATA)
fixtures.append(("echoRequestOptions", bytes(echo_opts), "The echo request with 4 bytes of IP options (IHL 6)"))

echo_bcast = Ether(dst=BCAST, src=PEER_MAC) / IP(src=PEER_IP, dst="192.168.7.255") / ICMP(type=8, id=1, seq=1)
fixtures.append(("echoRequestBroadcast", pad(bytes(echo_bcast)), "An echo request to the directed broadcast 192.168.7.255"))

timestamp = peer_ip() / ICMP(type=13, id=1, seq=1) / Raw(bytes(12))
fixtures.append(("icmpTimestamp", bytes(timestamp), "ICMP timestamp request (type 13): not answered"))

frag_mf = peer_ip(flags="MF") / ICMP(type=8, id=1, seq=1) / Raw(bytes(16))
frag_off = peer_ip(frag=3) / Raw(bytes(24))
fixtures.append(("fragmentFirst", bytes(frag_mf), "A first fragment (MF set)"))
fixtures.append(("fragmentLater", bytes(frag_off), "A later fragment (offset 24 bytes)"))

bad_ihl = peer_ip(ihl=4) / ICMP(type=8, id=1, seq=1) / Raw(bytes(16))
fixtures.append(("badIHL", bytes(bad_ihl), "IHL 4 (16-byte header), checksum consistent with it"))

version6 = peer_ip(version=6) / ICMP(type=8, id=1, seq=1) / Raw(bytes(16))
fixtures.append(("wrongVersion", bytes(version6), "An IPv4 header with version 6, checksum consistent"))

tcp = peer_ip() / TCP(sport=40000, dport=80, flags="S")
fixtures.append(("tcpSyn", pad(bytes(tcp)), "A TCP SYN to port 80 (protocol 6)"))

udp_in = peer_ip() / UDP(sport=49152, dport=34964) / Raw(DCE_DATA)
fixtures.append(("udpIn", bytes(udp_in), "UDP 192.168.7.10:49152 -> 192.168.7.2:34964, 32 payload bytes"))
raw = bytearray(bytes(udp_in))
raw[14 + 20 + 6] ^= 0x01
fixtures.append(("udpInBadChecksum", bytes(raw), "The same with the UDP checksum's low bit flipped"))
udp_nochk = peer_ip() / UDP(sport=49152, dport=34964, chksum=0) / Raw(DCE_DATA)
fixtures.append(("udpInNoChecksum", bytes(udp_nochk), "The same with checksum 0 (not computed)"))
udp_bcast = Ether(dst=BCAST, src=PEER_MAC) / IP(src=PEER_IP, dst="255.255.255.255") / UDP(sport=49152, dport=34964) / Raw(DCE_DATA)
fixtures.append(("udpInLimitedBroadcast", bytes(udp_bcast), "The payload to 255.255.255.255:34964"))
udp_dbcast = Ether(dst=BCAST, src=PEER_MAC) / IP(src=PEER_IP, dst="192.168.7.255") / UDP(sport=49152, dport=34964) / Raw(DCE_DATA)
fixtures.append(("udpInDirectedBroadcast", bytes(udp_dbcast), "The payload to 192.168.7.255:34964"))
udp_other = Ether(dst=OUR_MAC, src=PEER_MAC) / IP(src=PEER_IP, dst="192.168.7.3") / UDP(sport=49152, dport=34964) / Raw(DCE_DATA)
fixtures.append(("udpInOtherHost", bytes(udp_other), "The payload to 192.168.7.3 (not us) in a frame to our MAC"))
udp_closed = peer_ip() / UDP(sport=49152, dport=9999) / Raw(DCE_DATA)
fixtures.append(("udpInClosedPort", bytes(udp_closed), "The payload to port 9999, which nobody bound"))
unreach = Ether(dst=PEER_MAC, src=OUR_MAC) / IP(src=OUR_IP, dst=PEER_IP, id=1) / ICMP(type=3, code=3) / Raw(bytes(udp_closed)[14:14 + 28])
fixtures.append(("portUnreachable", bytes(unreach), "The stack's ICMP port unreachable for it (IP header + 8 bytes quoted)"))

udp_out = Ether(dst=PEER_MAC, src=OUR_MAC) / IP(src=OUR_IP, dst=PEER_IP, id=1) / UDP(sport=34964, dport=49153) / Raw(DCE_DATA)
fixtures.append(("udpOut", bytes(udp_out), "The stack's UDP 192.168.7.2:34964 -> 192.168.7.10:49153 with the 32-byte payload"))
udp_out_gw = Ether(dst=GW_MAC, src=OUR_MAC) / IP(src=OUR_IP, dst=FAR_IP, id=1) / UDP(sport=34964, dport=49153) / Raw(DCE_DATA)
fixtures.append(("udpOutViaGateway", bytes(udp_out_gw), "The same to 10.1.2.3, through the gateway's MAC"))
udp_out_short = Ether(dst=PEER_MAC, src=OUR_MAC) / IP(src=OUR_IP, dst=PEER_IP, id=1) / UDP(sport=34964, dport=49153) / Raw(b"hi")
fixtures.append(("udpOutShort", pad(bytes(udp_out_short)), "A 2-byte payload, padded to 60"))

print("// BEGIN generated by Tests/FieldbusTests/Fixtures/ip_fixtures.py (scapy 2.7)")
print("private enum IPFixture {")
print("\n\n".join(swift(n, f, c) for n, f, c in fixtures))
print("}")
print("// END generated")
