"""Field documentation shared by the revisions' classes (also the schema descriptions)."""

from __future__ import annotations

NETNS = (
    "Network namespace the host devices live in (runtime-rs enters it to attach them); "
    "null for the host network namespace."
)
DEVICES = "Devices of the sandbox, in guest order."
NAME = "Interface name in the guest (a Linux interface name: 1-15 bytes, no '/', ':' or space)."
GUEST_MAC = "MAC of the guest interface; a fresh random private MAC when missing."
DEVICE = 'The host-side device, picked by its "type".'
NETWORK_INFO = "Guest network configuration of the device."
INTERFACE = "Configuration of the guest interface."
ROUTES = "Routes through the guest interface."
NEIGHBORS = "Static ARP/NDP neighbors of the guest interface."
DEST = 'Destination network, ip/prefix without host bits; "" (None) for the default route.'
GATEWAY = 'Next hop IP; "" (None) for none.'
SOURCE = (
    "Route source, passed to the agent verbatim, which reads a plain IP as a /32 (/128) "
    'source prefix, not as a preferred source; "" (None) for none.'
)
SCOPE = "Route scope (RT_SCOPE_*: universe 0, site 200, link 253, host 254, nowhere 255)."
ROUTE_FLAGS = "Route flags (RTNH_F_*); revision 2 (Kata 3.15)."
ROUTE_MTU = "Route MTU, 0 for unset; revision 2 (Kata 3.17)."
