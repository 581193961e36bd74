"""Request signing and result verification (docs/security.md; vectors: spec/vectors/signing.json).

Requests are signed by the requester, with an Ed25519 private key or an HMAC-SHA256 secret shared
with the scheduler; results are signed by the scheduler with its Ed25519 key.

- A JSON request (an AMQP body) carries ``requester_id``, ``timestamp``, ``nonce`` and
  ``requester_signature`` over ``"br-schedule/request/v1\\n" + JCS(message without the signature)``.
- A REST request carries the same four in ``X-Br-*`` headers; the signature covers
  ``br-schedule/http/v1``, the method, the target, who, when, the nonce and the body's SHA-256,
  one per line.
- A result carries ``scheduler_signature`` over ``"br-schedule/result/v1\\n" + JCS(result without it)``.

JCS is RFC 8785: the JSON text JavaScript's ``JSON.stringify`` gives, with no whitespace and
object members sorted by their keys' UTF-16 code units.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .errors import InvalidArgumentError, Issue, MalformedMessageError, SignatureInvalidError

REQUEST_CONTEXT = "br-schedule/request/v1"
RESULT_CONTEXT = "br-schedule/result/v1"
HTTP_CONTEXT = "br-schedule/http/v1"
HEADER_REQUESTER_ID = "X-Br-Requester-Id"
HEADER_TIMESTAMP = "X-Br-Timestamp"
HEADER_NONCE = "X-Br-Nonce"
HEADER_SIGNATURE = "X-Br-Signature"
MIN_HMAC_SECRET_BYTES = 32  # as the scheduler requires

# -- RFC 8785 canonical JSON ------------------------------------------------------------------

# What JSON.stringify escapes: '"', '\', the C0 controls, and surrogates left unpaired.
_ESCAPED = re.compile('["\\\\\x00-\x1f\ud800-\udfff]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _string(text: str) -> str:
    """A string as JSON.stringify writes it: other characters (non-ASCII, U+2028 …) stay literal."""
    if _SURROGATE.search(text):  # a pair spelt as two code points is one character in JavaScript
        text = text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")
    return '"' + _ESCAPED.sub(lambda m: _SHORT_ESCAPES.get(m[0]) or f"\\u{ord(m[0]):04x}", text) + '"'


def _number(value: float) -> str:
    """ECMAScript's Number::toString: the shortest digits that read back as ``value`` (Python's
    ``repr`` finds the same ones), laid out as JavaScript does (``1e+21``, ``1e-7``, ``0.000001``)."""
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a JSON number")
    if value == 0:
        return "0"  # -0 too
    if value < 0:
        return "-" + _number(-value)
    mantissa, _, exponent = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    raw = whole + fraction
    digits = raw.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(raw) - len(digits))  # value = 0.<digits> × 10^point
    digits = digits.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    return f"{digits[0]}{'.' + digits[1:] if k > 1 else ''}e{sign}{abs(e)}"


def _utf16_key(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare as the code units do: "😀" (D83D …) sorts before "～" (FF5E).
    return key.encode("utf-16-be", "surrogatepass")


def canonical_json(value: Any) -> str:
    """``value`` as RFC 8785 canonical JSON text.

    Takes what ``json.loads`` gives (dict with str keys, list, str, int, float, bool, None; tuples
    as lists). Integers are numbers as JavaScript reads them (doubles: 2**53 + 1 is written
    ``9007199254740992``). NaN and infinities raise ``ValueError``; other types ``TypeError``.
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        try:
            return _number(float(value))
        except OverflowError:
            raise ValueError(f"{value} is too large for a JSON number") from None
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(item) for item in value) + "]"
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, got {type(key).__name__}")
        keys = sorted(value, key=_utf16_key)
        return "{" + ",".join(f"{_string(key)}:{canonical_json(value[key])}" for key in keys) + "}"
    raise TypeError(f"{type(value).__name__} is not JSON")


def message_signing_input(context: str, message: Mapping[str, Any], signature_field: str) -> bytes:
    """``context + "\\n" + JCS(message without signature_field)``, UTF-8: what a message's signature covers."""
    unsigned = {key: value for key, value in message.items() if key != signature_field}
    return f"{context}\n{canonical_json(unsigned)}".encode()


def http_signing_input(method: str, target: str, requester_id: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a REST request's ``X-Br-Signature`` covers (``target``: path and query exactly as sent)."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([HTTP_CONTEXT, method.upper(), target, requester_id, timestamp, nonce, digest]).encode()


def utc_timestamp(now: dt.datetime | None = None) -> str:
    """RFC 3339 UTC with milliseconds, as the scheduler writes it: ``2026-11-22T10:00:00.000Z``."""
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}Z"


def new_nonce() -> str:
    """16 random bytes, base64url without padding (22 characters): never used twice."""
    return base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")  # RFC 4648 §4, as the scheduler accepts it


def _b64decode(text: str) -> bytes | None:
    if not _BASE64.fullmatch(text):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


# -- requesters' credentials -----------------------------------------------------------------


class RequestSigner:
    """Signs requests as one requester. Use :class:`Ed25519Signer` or :class:`HmacSigner`."""

    algorithm = ""

    def __init__(self, requester_id: str) -> None:
        if not isinstance(requester_id, str) or not requester_id:
            raise InvalidArgumentError("invalid signer", [Issue("requester_id", "required: the requester's id, a UUID")])
        self.requester_id = requester_id

    def sign(self, data: bytes) -> str:
        """The base64 signature of ``data``."""
        raise NotImplementedError

    def sign_message(
        self, message: Mapping[str, Any], *, timestamp: str | None = None, nonce: str | None = None
    ) -> dict[str, Any]:
        """A copy of ``message`` with ``requester_id`` (added when missing), a fresh ``timestamp`` and
        ``nonce``, and ``requester_signature``. Sign again (not reuse) to send a request again.

        The copy is what ``json`` reads back from the message, so what is signed is what is sent.
        A ``requester_id`` naming another requester raises :class:`InvalidArgumentError`: the
        scheduler checks the signature with the key of the requester the message names.
        """
        unsigned = {key: value for key, value in message.items() if key != "requester_signature"}
        try:
            signed: dict[str, Any] = json.loads(json.dumps(unsigned, ensure_ascii=False, allow_nan=False))
        except (TypeError, ValueError) as error:
            raise MalformedMessageError("the message cannot be encoded as JSON", [Issue("", str(error))]) from error
        named = signed.setdefault("requester_id", self.requester_id)
        if not isinstance(named, str) or named.lower() != self.requester_id.lower():
            raise InvalidArgumentError(
                "invalid request",
                [Issue("requester_id", f"a signed message names its signer: expected {self.requester_id}, got {named!r}")],
            )
        signed["timestamp"] = timestamp or utc_timestamp()
        signed["nonce"] = nonce or new_nonce()
        signed["requester_signature"] = self.sign(message_signing_input(REQUEST_CONTEXT, signed, "requester_signature"))
        return signed

    def sign_http(
        self, method: str, target: str, body: bytes = b"", *, timestamp: str | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        """The four ``X-Br-*`` headers of a REST request; ``target`` is its path and query exactly as sent."""
        timestamp, nonce = timestamp or utc_timestamp(), nonce or new_nonce()
        signature = self.sign(http_signing_input(method, target, self.requester_id, timestamp, nonce, body))
        return {
            HEADER_REQUESTER_ID: self.requester_id,
            HEADER_TIMESTAMP: timestamp,
            HEADER_NONCE: nonce,
            HEADER_SIGNATURE: signature,
        }

    def __repr__(self) -> str:  # never shows key material
        return f"{type(self).__name__}(requester_id={self.requester_id!r})"


class Ed25519Signer(RequestSigner):
    """Signs with the requester's Ed25519 private key; the scheduler holds only the public half."""

    algorithm = "ed25519"

    def __init__(self, private_key: ed25519.Ed25519PrivateKey, requester_id: str) -> None:
        super().__init__(requester_id)
        self._key = private_key

    @classmethod
    def from_pem(cls, pem: str | bytes, requester_id: str, *, password: bytes | None = None) -> Ed25519Signer:
        """From a PKCS #8 PEM private key (``openssl genpkey -algorithm ed25519``)."""
        data = pem.encode() if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except (ValueError, TypeError) as error:
            raise InvalidArgumentError("invalid signer", [Issue("private_key", f"not a PEM private key: {error}")]) from None
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise InvalidArgumentError("invalid signer", [Issue("private_key", "expected an Ed25519 key")])
        return cls(key, requester_id)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], requester_id: str, *, password: bytes | None = None) -> Ed25519Signer:
        """From a PEM file."""
        return cls.from_pem(Path(path).read_bytes(), requester_id, password=password)

    @classmethod
    def generate(cls, requester_id: str) -> Ed25519Signer:
        """A new key pair; save :meth:`private_key_pem`, give :meth:`public_key_pem` to the scheduler."""
        return cls(ed25519.Ed25519PrivateKey.generate(), requester_id)

    def sign(self, data: bytes) -> str:
        return _b64(self._key.sign(data))

    def private_key_pem(self) -> str:
        """The private key, PKCS #8 PEM, unencrypted: keep it secret."""
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def public_key_pem(self) -> str:
        """The public key, SPKI PEM: the scheduler's ``<requester_id>.pem``."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def public_key_raw(self) -> str:
        """The public key's raw 32 bytes, base64 (the short form of a key list's ``public_key``)."""
        return _b64(self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


class HmacSigner(RequestSigner):
    """Signs with an HMAC-SHA256 secret (at least 32 bytes) the scheduler holds too."""

    algorithm = "hmac-sha256"

    def __init__(self, requester_id: str, secret: bytes) -> None:
        super().__init__(requester_id)
        if not isinstance(secret, bytes) or len(secret) < MIN_HMAC_SECRET_BYTES:
            size = len(secret) if isinstance(secret, bytes) else type(secret).__name__
            raise InvalidArgumentError(
                "invalid signer", [Issue("secret", f"expected at least {MIN_HMAC_SECRET_BYTES} bytes, got {size}")]
            )
        self._secret = secret

    @classmethod
    def from_text(cls, requester_id: str, text: str | bytes) -> HmacSigner:
        """From the scheduler's ``.hmac`` file form: base64 (``base64:`` prefix optional) or ``hex:…``."""
        value = _text(text).strip()
        try:
            secret = (
                bytes.fromhex(value[4:])
                if value.startswith("hex:")
                else base64.b64decode(value.removeprefix("base64:"), validate=True)
            )
        except (binascii.Error, ValueError):
            raise InvalidArgumentError("invalid signer", [Issue("secret", "expected base64 or hex:…")]) from None
        return cls(requester_id, secret)

    @classmethod
    def generate(cls, requester_id: str) -> HmacSigner:
        """A new random 32-byte secret; give :meth:`secret_text` to the scheduler (``<requester_id>.hmac``)."""
        return cls(requester_id, os.urandom(32))

    def sign(self, data: bytes) -> str:
        return _b64(hmac.new(self._secret, data, hashlib.sha256).digest())

    def secret_text(self) -> str:
        """The secret in base64: keep it secret."""
        return _b64(self._secret)


# -- the scheduler's key ---------------------------------------------------------------------


class SchedulerKey:
    """The scheduler's Ed25519 public key, to verify each result's ``scheduler_signature``."""

    def __init__(self, public_key: ed25519.Ed25519PublicKey, *also: ed25519.Ed25519PublicKey) -> None:
        self._key = public_key
        # While the scheduler's key is rotated, results signed by the old or the new one are taken.
        self._also = also

    @classmethod
    def any_of(cls, first: SchedulerKey, *others: SchedulerKey) -> SchedulerKey:
        """A key that takes results signed by any of these: for the time a scheduler's key is rotated."""
        keys = [first._key, *first._also]
        for other in others:
            keys += [other._key, *other._also]
        return cls(*keys)

    @classmethod
    def from_pem(cls, pem: str | bytes) -> SchedulerKey:
        """From SPKI PEM (``br-schedule public-key``; ``public_key_pem`` of ``GET /v1/keys/scheduler``)."""
        data = pem.encode() if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError) as error:
            raise InvalidArgumentError("invalid scheduler key", [Issue("scheduler_key", f"not a PEM public key: {error}")]) from None
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise InvalidArgumentError("invalid scheduler key", [Issue("scheduler_key", "expected an Ed25519 key")])
        return cls(key)

    @classmethod
    def from_raw_base64(cls, text: str | bytes) -> SchedulerKey:
        """From the raw 32 bytes in base64 (``public_key`` of ``GET /v1/keys/scheduler``)."""
        raw = _b64decode(_text(text).strip())
        if raw is None or len(raw) != 32:
            raise InvalidArgumentError("invalid scheduler key", [Issue("scheduler_key", "expected 32 bytes in base64")])
        return cls(ed25519.Ed25519PublicKey.from_public_bytes(raw))

    @classmethod
    def from_text(cls, text: str | bytes) -> SchedulerKey:
        """From PEM or raw base64, whichever ``text`` is."""
        value = _text(text).strip()
        return cls.from_pem(value) if value.startswith("-----BEGIN") else cls.from_raw_base64(value)

    def public_key_raw(self) -> str:
        """The raw 32 bytes, base64."""
        return _b64(self._key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    def verify_result(self, message: Mapping[str, Any]) -> bool:
        """Whether ``message`` (a result as received, every field) carries this key's signature. Never raises."""
        signature = message.get("scheduler_signature") if isinstance(message, Mapping) else None
        raw = _b64decode(signature) if isinstance(signature, str) else None
        if raw is None or len(raw) != 64:
            return False
        try:
            signed = message_signing_input(RESULT_CONTEXT, message, "scheduler_signature")
        except (TypeError, ValueError, RecursionError):  # RecursionError: absurdly deep JSON
            return False
        for key in (self._key, *self._also):
            try:
                key.verify(raw, signed)
                return True
            except InvalidSignature:
                continue
        return False

    def check_result(self, message: Mapping[str, Any]) -> None:
        """Raises :class:`SignatureInvalidError` unless ``message`` verifies."""
        if not self.verify_result(message):
            error = SignatureInvalidError(
                "the result's scheduler_signature does not verify with the scheduler's key",
                [Issue("scheduler_signature", "does not verify")],
            )
            error.unverified = message
            raise error

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SchedulerKey) and other.public_key_raw() == self.public_key_raw()

    def __hash__(self) -> int:
        return hash(self.public_key_raw())

    def __repr__(self) -> str:
        return f"SchedulerKey({self.public_key_raw()!r})"
