"""Where a request comes from and whether it came over TLS: proxy headers count only from our proxies.

In production gunicorn listens on 127.0.0.1 (or a unix socket) behind a TLS-terminating proxy
(nginx, see docs/production.md), which tells the application the client's address
(``X-Forwarded-For`` or ``X-Real-IP``) and the scheme (``X-Forwarded-Proto``). Anyone who reaches
gunicorn another way can send the same headers, so they are believed only when the direct peer
(``REMOTE_ADDR``) is one of ``TRUSTED_PROXIES`` (addresses, networks, or ``unix`` for a unix
socket). Empty, the default, trusts nobody. The client's address is read from the one header the
proxy sets, ``CLIENT_IP_HEADER`` (``X-Forwarded-For`` by default, or ``X-Real-IP``).

``ProxyHeadersMiddleware`` runs first and settles it once per request: from an untrusted peer the
forwarding headers are removed, so nothing later (Django's ``SECURE_PROXY_SSL_HEADER``, the
verification rate limit, django-axes, the history's request) can read them; from a trusted proxy
``REMOTE_ADDR`` becomes the client's address. Everything that needs the client's address reads
``REMOTE_ADDR`` afterwards, or calls ``client_address``.
"""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORWARDING_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)
# Set on request.META by the middleware: the request has been resolved, and the proxy's own address.
RESOLVED = "ops.proxy.resolved"
PEER = "ops.proxy.peer"
UNIX_SOCKET = "unix"

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[tuple[Network, ...], bool]:
    """The configured proxies as networks, and whether a unix-socket peer is trusted."""
    networks, unix = [], False
    for entry in entries:
        if entry == UNIX_SOCKET:
            unix = True
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an address, a network (CIDR) or {UNIX_SOCKET!r}."
            ) from exc
    return tuple(networks), unix


def validate_trusted_proxies(entries: Iterable[str]) -> list[str]:
    """For the settings: stop start-up on an entry that is not an address, network or ``unix``."""
    entries = list(entries)
    trusted_networks(tuple(entries))
    return entries


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def is_trusted_proxy(peer: str | None) -> bool:
    networks, unix = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not peer:
        # gunicorn on a unix socket gives an empty peer address.
        return unix
    address = _ip(peer)
    return address is not None and any(address in network for network in networks)


def _header_key(name: str) -> str:
    return name if name.startswith("HTTP_") else "HTTP_" + name.upper().replace("-", "_")


def _resolve(meta) -> str | None:
    peer = meta.get("REMOTE_ADDR") or ""
    if not is_trusted_proxy(peer):
        return peer or None
    # Only the one header our proxy sets (CLIENT_IP_HEADER): a proxy that sets X-Real-IP passes a
    # client's own X-Forwarded-For through untouched, so reading both would let the client choose.
    hops = [hop for hop in meta.get(_header_key(settings.CLIENT_IP_HEADER), "").split(",") if hop.strip()]
    # Each proxy appends the address it saw: read from the right, past our own proxies; the first
    # address no proxy of ours vouches for is the client. Anything left of it is the client's own
    # say and is never believed.
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:
            break
        if not is_trusted_proxy(str(address)):
            return str(address)
    else:
        if hops:
            return str(_ip(hops[0]))  # every hop is one of ours: the first is where it started
    return peer or None


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or what a trusted proxy says it is.

    Also django-axes' ``AXES_CLIENT_IP_CALLABLE`` (through ``ops.security.client_ip``), so the
    login lock-out and the verification rate limit count the same address.
    """
    if request.META.get(RESOLVED):
        return request.META.get("REMOTE_ADDR") or None
    return _resolve(request.META)


class ProxyHeadersMiddleware:
    """First in MIDDLEWARE: believe forwarding headers from trusted proxies only (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if not meta.get(RESOLVED):
            peer = meta.get("REMOTE_ADDR", "")
            if is_trusted_proxy(peer):
                meta[PEER] = peer
                meta["REMOTE_ADDR"] = _resolve(meta) or ""
            else:
                for header in FORWARDING_HEADERS:
                    meta.pop(header, None)
            meta[RESOLVED] = True
        return self.get_response(request)
