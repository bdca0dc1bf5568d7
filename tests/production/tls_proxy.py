"""A small TLS-terminating reverse proxy for the production-profile tests, doing what nginx does.

docs/production.md puts nginx in front of gunicorn. nginx is not part of the test machine (and
installing it needs root), so the tests use this stand-in, written with the standard library
only: it terminates TLS with a certificate made for 127.0.0.1, drops any X-Forwarded-* / X-Real-IP
header the client sent, sets ``X-Forwarded-For`` to the client's address and
``X-Forwarded-Proto: https`` (as ``proxy_set_header`` does in the nginx example), and forwards
one request per connection to gunicorn on 127.0.0.1.

Run: ``python tests/production/tls_proxy.py LISTEN_PORT UPSTREAM_PORT CERT KEY``.
"""

import asyncio
import datetime as dt
import ipaddress
import ssl
import sys
from pathlib import Path

DROPPED = (b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-real-ip", b"forwarded", b"connection")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A key and a certificate for 127.0.0.1 (the client trusts exactly this certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def _handle(reader, writer, upstream_port: int) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head[:-4].split(b"\r\n")
        headers = [line for line in header_lines if line.split(b":", 1)[0].strip().lower() not in DROPPED]
        client = writer.get_extra_info("peername")[0].encode()
        headers += [b"X-Forwarded-For: " + client, b"X-Forwarded-Proto: https", b"Connection: close"]
        length = next(
            (int(line.split(b":", 1)[1]) for line in headers if line.lower().startswith(b"content-length:")), 0
        )
        body = await reader.readexactly(length) if length else b""
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        up_writer.write(b"\r\n".join([request_line, *headers]) + b"\r\n\r\n" + body)
        await up_writer.drain()
        while chunk := await up_reader.read(65536):
            writer.write(chunk)
            await writer.drain()
        up_writer.close()
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def serve(listen_port: int, upstream_port: int, cert: str, key: str) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await asyncio.start_server(
        lambda r, w: _handle(r, w, upstream_port), "127.0.0.1", listen_port, ssl=context
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]))
