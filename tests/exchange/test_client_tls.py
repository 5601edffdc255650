"""The REST client's TLS: certificates checked for https, loaded once per process."""

from __future__ import annotations

import ssl

from valr_tui.exchange.valr_client import VALRClient


def _context(client: VALRClient) -> ssl.SSLContext:
    context: ssl.SSLContext = client._http._transport._pool._ssl_context  # type: ignore[attr-defined]
    return context


async def test_https_clients_verify_certificates_with_one_shared_context() -> None:
    first, second = VALRClient("https://api.valr.com"), VALRClient("https://api.valr.com/")
    try:
        context = _context(first)
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
        assert context.cert_store_stats()["x509_ca"] > 0  # the CA bundle is loaded
        assert _context(second) is context  # ~40 ms of loading it, once
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_plain_http_client_loads_no_certificates() -> None:
    client = VALRClient("http://127.0.0.1:8765")
    try:
        assert _context(client).cert_store_stats()["x509_ca"] == 0
    finally:
        await client.aclose()
