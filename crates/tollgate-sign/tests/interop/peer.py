"""The independent side of tollgate-sign's interoperability test (tests/interop.rs).

Signs and verifies requests with the PyPI package http-message-signatures (3.0.0, by
pyauth; crypto by `cryptography`), so that the Rust tests can check that each side accepts
the other's signatures. Only the library's public API is called. One JSON object on stdin,
one on stdout:

    {"command": "sign", "method": "GET", "url": "https://host/path?q", "headers": [[n, v], ...],
     "body": base64, "alg": "ed25519" | "hmac-sha256", "key": hex, "key_id": str,
     "created": int, "nonce": str, "components": ["@method", ...]}
      -> {"headers": [[n, v], ...], "base": str}
         The request's headers after signing (the given ones, Signature-Input, Signature,
         and for a non-empty body Content-Digest, SHA-256, which the signature then covers),
         and the signature base the library signed. key: the Ed25519 private key's 32-byte
         seed, or the secret.

    {"command": "verify", "method", "url", "headers", "body", "alg", "key": hex, "key_id",
     "require": ["@method", ...]}
      -> {"ok": true, "base": str} or {"ok": false, "error": str}
         key: the Ed25519 public key's 32 bytes, or the secret. A non-empty body must match
         a covered Content-Digest; base is rebuilt from the components the library verified.
"""

import base64
import datetime
import json
import sys
from types import SimpleNamespace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
    algorithms,
)

ALGORITHMS = {"ed25519": algorithms.ED25519, "hmac-sha256": algorithms.HMAC_SHA256}


def message(req):
    """The library's request interface: an uppercase method, an absolute URL, and headers
    whose items() are the field lines (a dict: the tests send no repeated field)."""
    headers = {}
    for name, value in req["headers"]:
        if name.lower() in (known.lower() for known in headers):
            raise ValueError(f"repeated field {name}: this peer keeps one line per field")
        headers[name] = value
    return SimpleNamespace(method=req["method"], url=req["url"], headers=headers)


def key(req, private):
    raw = bytes.fromhex(req["key"])
    if req["alg"] == "hmac-sha256":
        return raw
    if private:
        return Ed25519PrivateKey.from_private_bytes(raw)
    return Ed25519PublicKey.from_public_bytes(raw)


def sign(req):
    msg, body = message(req), base64.b64decode(req["body"])
    keys = {req["key_id"]: key(req, private=True)}
    resolver = MappingKeyResolver(public_keys={}, private_keys=keys)
    signer = HTTPMessageSigner(signature_algorithm=ALGORITHMS[req["alg"]], key_resolver=resolver)
    options = dict(
        key_id=req["key_id"],
        created=datetime.datetime.fromtimestamp(req["created"], tz=datetime.timezone.utc),
        nonce=req["nonce"],
        covered_component_ids=req["components"],
        # With body=, the library adds Content-Digest (SHA-256) and covers it.
        body=body or None,
    )
    # prepare() is the first half of sign(): the base it returns is the one sign() signs.
    base = signer.prepare(message(req), **options).signature_base.decode()
    signer.sign(msg, **options)
    return {"headers": [list(field) for field in msg.headers.items()], "base": base}


def verify(req):
    keys = {req["key_id"]: key(req, private=False)}
    resolver = MappingKeyResolver(public_keys=keys, private_keys={})
    verifier = HTTPMessageVerifier(
        signature_algorithm=ALGORITHMS[req["alg"]], key_resolver=resolver
    )
    try:
        (result,) = verifier.verify(
            message(req), body=base64.b64decode(req["body"]), require_components=req["require"]
        )
    except HTTPMessageSignaturesException as error:
        cause = f" (from {type(error.__cause__).__name__})" if error.__cause__ else ""
        return {"ok": False, "error": f"{type(error).__name__}: {error}{cause}"}
    base = "\n".join(f"{name}: {value}" for name, value in result.covered_components.items())
    return {"ok": True, "base": base}


def main():
    req = json.load(sys.stdin)
    json.dump({"sign": sign, "verify": verify}[req["command"]](req), sys.stdout)


if __name__ == "__main__":
    main()
