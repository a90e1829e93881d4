"""Where the worker's ICE candidates live: which host addresses, which UDP ports.

aiortc (through aioice) offers a candidate on every non-loopback address of the machine and
binds a random UDP port for it. Two things a deployment may need instead:

- ``addresses``: only these addresses (a server with several interfaces; ``127.0.0.1`` for tests
  and machines without a network, since aioice leaves loopback out);
- ``ports``: only ports in a range, so a firewall can open exactly that range.

Both apply to the worker process only: the port range through the event loop the worker runs on
(a public asyncio API), the addresses by replacing aioice's ``get_host_addresses`` (private;
checked by ``tests/services/media/test_aiortc_hooks.py``).
"""

from __future__ import annotations

import asyncio
import random

import aioice.ice


def parse_ports(spec: str) -> range | None:
    """``"40000-40100"`` -> ``range(40000, 40101)``; ``""`` -> None (any port)."""
    spec = spec.strip()
    if not spec:
        return None
    low, sep, high = spec.partition("-")
    try:
        first, last = int(low), int(high if sep else low)
    except ValueError:
        raise ValueError(f"Not a UDP port range: {spec!r} (expected e.g. 40000-40100)") from None
    if not 1 <= first <= last <= 65535:
        raise ValueError(f"Not a UDP port range: {spec!r} (ports are 1-65535, low to high)")
    return range(first, last + 1)


class PortRangeEventLoop(asyncio.SelectorEventLoop):
    """An event loop whose UDP sockets bound to "any port" take one from ``ports`` instead."""

    def __init__(self, ports: range | None):
        super().__init__()
        self.ports = ports

    async def create_datagram_endpoint(self, protocol_factory, local_addr=None, **kwargs):
        if self.ports is None or local_addr is None or local_addr[1] != 0:
            return await super().create_datagram_endpoint(
                protocol_factory, local_addr=local_addr, **kwargs
            )
        for port in random.sample(self.ports, len(self.ports)):
            try:
                return await super().create_datagram_endpoint(
                    protocol_factory, local_addr=(local_addr[0], port), **kwargs
                )
            except OSError:
                continue
        raise OSError(f"No free UDP port in {self.ports.start}-{self.ports.stop - 1}")


def use_host_addresses(addresses: list[str]) -> None:
    """Offer ICE host candidates on ``addresses`` only; when empty, on every address but
    loopback, or on loopback if the machine has nothing else."""
    fixed = list(addresses) or ([] if aioice.ice.get_host_addresses(True, True) else ["127.0.0.1"])
    if fixed:
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: fixed
