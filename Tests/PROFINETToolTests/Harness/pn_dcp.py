#!/usr/bin/env python3
# pnio-dcp (Codewerk's DCP implementation) as the controller against a device under test; one JSON line out.
#   pn_dcp.py HOST_IP identify                  -> [{"name", "mac", "ip", "netmask", "gateway", "family"}]
#   pn_dcp.py HOST_IP get MAC                    -> {"name", "ip"}
#   pn_dcp.py HOST_IP set-name MAC NAME [temp]   -> {"code"}
#   pn_dcp.py HOST_IP set-ip MAC IP MASK GW [temp] -> {"code"}
#   pn_dcp.py HOST_IP blink MAC                  -> {"code"}
#   pn_dcp.py HOST_IP reset MAC                  -> {"code"}  (reset to factory, communication parameters)
import json, sys
import pnio_dcp

host, what = sys.argv[1], sys.argv[2]
dcp = pnio_dcp.DCP(host)
dcp.default_timeout = 3
if what == "identify":
    out = [{"name": d.name_of_station, "mac": d.MAC, "ip": d.IP, "netmask": d.netmask, "gateway": d.gateway,
            "family": d.family} for d in dcp.identify_all(timeout=2)]
elif what == "get":
    mac = sys.argv[3]
    out = {"name": dcp.get_name_of_station(mac), "ip": dcp.get_ip_address(mac)}
elif what == "set-name":
    mac, name = sys.argv[3], sys.argv[4]
    r = dcp.set_name_of_station(mac, name, store_permanent=len(sys.argv) < 6)
    out = {"code": r.code}
elif what == "set-ip":
    mac, conf = sys.argv[3], sys.argv[4:7]
    r = dcp.set_ip_address(mac, conf, store_permanent=len(sys.argv) < 8)
    out = {"code": r.code}
elif what == "blink":
    out = {"code": dcp.blink(sys.argv[3]).code}
elif what == "reset":
    out = {"code": dcp.reset_to_factory(sys.argv[3]).code}
else:
    sys.exit("unknown command " + what)
print(json.dumps(out))
