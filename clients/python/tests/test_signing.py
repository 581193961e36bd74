"""Signing: spec/vectors/signing.json byte for byte, RFC 8785 canonical JSON against JavaScript's, the
signers and the scheduler's key, and how the client and its transports sign what they send."""

from __future__ import annotations

import base64
import datetime as dt
import json
import pickle
import random
import re
import shutil
import struct
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from support import REPO, nested, vectors

from br_sdk.schedule import (
    AuthenticationError,
    Client,
    ConfigurationError,
    Ed25519Signer,
    ForbiddenError,
    HmacSigner,
    InvalidArgumentError,
    MalformedMessageError,
    RateLimitedError,
    RequestExpiredError,
    RequestReplayedError,
    ScheduleError,
    SchedulerKey,
    SignatureInvalidError,
    TargetForbiddenError,
    UnavailableError,
    canonical_json,
    cron,
    error_from_problem,
    error_from_reply,
)
from br_sdk.schedule.amqp_channel import ReplyChannel
from br_sdk.schedule.http_transport import HttpTransport
from br_sdk.schedule.signing import (
    REQUEST_CONTEXT,
    RESULT_CONTEXT,
    http_signing_input,
    message_signing_input,
    new_nonce,
    utc_timestamp,
)

SIGNING = vectors("signing.json")
KEYS = SIGNING["keys"]
REQUESTER = KEYS["requester_id"]
ED25519 = Ed25519Signer.from_pem(KEYS["requester_ed25519_private_pem"], REQUESTER)
HMAC = HmacSigner.from_text(REQUESTER, KEYS["requester_hmac_secret_base64"])
SCHEDULER = SchedulerKey.from_pem(KEYS["scheduler_ed25519_public_pem"])
SIGNED_RESULT: dict[str, Any] = SIGNING["result"]["signed"]
NODE = shutil.which("node", path="/usr/local/bin") or shutil.which("node")


def names(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


def verify_ed25519(public_pem: str, signature: str, data: bytes) -> None:
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, ed25519.Ed25519PublicKey)
    key.verify(base64.b64decode(signature), data)  # raises InvalidSignature


# -- the vectors -----------------------------------------------------------------------------


def test_the_vector_keys_load() -> None:
    assert ED25519.public_key_pem() == KEYS["requester_ed25519_public_pem"]
    assert ED25519.public_key_raw() == KEYS["requester_ed25519_public_raw"]
    assert HMAC.secret_text() == KEYS["requester_hmac_secret_base64"]
    scheduler = Ed25519Signer.from_pem(KEYS["scheduler_ed25519_private_pem"], "scheduler")
    assert SchedulerKey.from_raw_base64(scheduler.public_key_raw()) == SCHEDULER


@pytest.mark.parametrize("case", SIGNING["messages"], ids=names(SIGNING["messages"]))
def test_message_vectors_canonicalize_and_sign_byte_for_byte(case: dict[str, Any]) -> None:
    message = case["message"]
    context, _, canonical = case["signing_input"].partition("\n")
    assert context == REQUEST_CONTEXT
    assert canonical_json(message) == canonical
    assert message_signing_input(REQUEST_CONTEXT, message, "requester_signature") == case["signing_input"].encode()
    for signer, expected in ((ED25519, case["ed25519_signature"]), (HMAC, case["hmac_signature"])):
        signed = signer.sign_message(message, timestamp=message["timestamp"], nonce=message["nonce"])
        assert signed["requester_signature"] == expected
        assert {k: v for k, v in signed.items() if k != "requester_signature"} == message
    verify_ed25519(KEYS["requester_ed25519_public_pem"], case["ed25519_signature"], case["signing_input"].encode())


@pytest.mark.parametrize("case", SIGNING["http"], ids=names(SIGNING["http"]))
def test_http_vectors_sign_byte_for_byte(case: dict[str, Any]) -> None:
    body = case["body"].encode()
    made = http_signing_input(case["method"], case["target"], case["requester_id"], case["timestamp"], case["nonce"], body)
    assert made == case["signing_input"].encode()
    for signer, expected in ((ED25519, case["ed25519_signature"]), (HMAC, case["hmac_signature"])):
        headers = signer.sign_http(case["method"], case["target"], body, timestamp=case["timestamp"], nonce=case["nonce"])
        assert headers == {
            "X-Br-Requester-Id": REQUESTER,
            "X-Br-Timestamp": case["timestamp"],
            "X-Br-Nonce": case["nonce"],
            "X-Br-Signature": expected,
        }


def test_the_signed_result_verifies_and_the_tampered_one_does_not() -> None:
    result = SIGNING["result"]
    assert message_signing_input(RESULT_CONTEXT, result["signed"], "scheduler_signature") == result["signing_input"].encode()
    assert SCHEDULER.verify_result(result["signed"])
    assert SchedulerKey.from_text(SCHEDULER.public_key_raw()).verify_result(result["signed"])
    assert not SCHEDULER.verify_result(result["tampered"])
    SCHEDULER.check_result(result["signed"])
    with pytest.raises(SignatureInvalidError) as caught:
        SCHEDULER.check_result(result["tampered"])
    assert caught.value.code == "SIGNATURE_INVALID" and caught.value.paths == ["scheduler_signature"]
    assert caught.value.unverified == result["tampered"]


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return "x"  # None


@pytest.mark.parametrize("field", [name for name in SIGNED_RESULT if name != "scheduler_signature"])
def test_a_result_with_any_one_field_changed_does_not_verify(field: str) -> None:
    assert not SCHEDULER.verify_result({**SIGNED_RESULT, field: _changed(SIGNED_RESULT[field])})
    assert not SCHEDULER.verify_result({k: v for k, v in SIGNED_RESULT.items() if k != field})


def test_a_result_with_a_field_added_or_the_same_fields_reordered() -> None:
    assert not SCHEDULER.verify_result({**SIGNED_RESULT, "region": "eu"})
    assert SCHEDULER.verify_result(dict(reversed(list(SIGNED_RESULT.items()))))  # order is not signed
    assert not SCHEDULER.verify_result({**SIGNED_RESULT, "attempts": 1.5})
    assert SCHEDULER.verify_result({**SIGNED_RESULT, "attempts": 1.0})  # the same JSON number


SIGNATURE = SIGNED_RESULT["scheduler_signature"]


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "not base64!",
        SIGNATURE.rstrip("="),  # unpadded
        SIGNATURE[:-4],  # 61 bytes
        " " + SIGNATURE,
        SIGNATURE + "\n",
        base64.b64encode(bytes(64)).decode(),
        base64.b64encode(base64.b64decode(SIGNATURE) + b"\0").decode(),
        SIGNING["messages"][0]["ed25519_signature"],  # a good signature over something else
        12345,
    ],
    ids=lambda value: repr(value)[:24],
)
def test_a_result_with_a_bad_signature_does_not_verify(signature: Any) -> None:
    assert not SCHEDULER.verify_result({**SIGNED_RESULT, "scheduler_signature": signature})


def test_an_absurdly_deep_result_is_refused_not_a_crash() -> None:
    deep = {**SIGNED_RESULT, "parameters": nested(900)}
    assert json.loads(json.dumps(deep)) == deep  # json reads it
    assert not SCHEDULER.verify_result(deep)


def test_a_result_verified_with_another_key_fails() -> None:
    assert not SchedulerKey.from_pem(KEYS["requester_ed25519_public_pem"]).verify_result(SIGNED_RESULT)
    # A result signed by the scheduler's key as a *request* (other context) must not pass either.
    scheduler = Ed25519Signer.from_pem(KEYS["scheduler_ed25519_private_pem"], REQUESTER)
    as_request = scheduler.sign(message_signing_input(REQUEST_CONTEXT, SIGNED_RESULT, "scheduler_signature"))
    assert not SCHEDULER.verify_result({**SIGNED_RESULT, "scheduler_signature": as_request})
    assert not SCHEDULER.verify_result("not a mapping")  # type: ignore[arg-type]


# -- RFC 8785 --------------------------------------------------------------------------------

# Number -> what JavaScript's JSON.stringify writes (checked with Node 24), RFC 8785 appendix B among them.
JS_NUMBERS: list[tuple[float | int, str]] = [
    (0, "0"),
    (-0.0, "0"),
    (1, "1"),
    (-1, "-1"),
    (1.0, "1"),
    (1.5, "1.5"),
    (0.1, "0.1"),
    (0.1 + 0.2, "0.30000000000000004"),
    (1e21, "1e+21"),
    (10**21, "1e+21"),
    (1e20, "100000000000000000000"),
    (999999999999999900000.0, "999999999999999900000"),
    (1e-7, "1e-7"),
    (-1e-7, "-1e-7"),
    (1e-6, "0.000001"),
    (1.5e-6, "0.0000015"),
    (0.000001234, "0.000001234"),
    (1.2345e-7, "1.2345e-7"),
    (123e-20, "1.23e-18"),
    (5e-324, "5e-324"),
    (-5e-324, "-5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (2**53, "9007199254740992"),
    (2**53 + 1, "9007199254740992"),  # read as a double, as JavaScript does
    (2**53 + 2, "9007199254740994"),
    (2**68, "295147905179352830000"),
    (9.999999999999997e22, "9.999999999999997e+22"),
    (1e23, "1e+23"),
    (1.0000000000000001e23, "1.0000000000000001e+23"),
    (999999999999999700000.0, "999999999999999700000"),
    (9.999999999999997e-7, "9.999999999999997e-7"),
    (333333333.3333332, "333333333.3333332"),
    (333333333.33333325, "333333333.33333325"),
    (333333333.3333333, "333333333.3333333"),
    (333333333.3333334, "333333333.3333334"),
    (333333333.33333343, "333333333.33333343"),
    (-0.0000033333333333333333, "-0.0000033333333333333333"),
    (1424953923781206.2, "1424953923781206.2"),
    (4.35, "4.35"),
    (4.50, "4.5"),
    (2e-3, "0.002"),
    (1e-27, "1e-27"),
    (1e30, "1e+30"),
    (123456789012345680000, "123456789012345680000"),
    (12345678901234567890, "12345678901234567000"),
    (1 / 3, "0.3333333333333333"),
    (9007199254740991, "9007199254740991"),
    (2.220446049250313e-16, "2.220446049250313e-16"),
]


@pytest.mark.parametrize(("value", "expected"), JS_NUMBERS, ids=[text for _, text in JS_NUMBERS])
def test_numbers_are_written_as_javascript_writes_them(value: float, expected: str) -> None:
    assert canonical_json(value) == expected
    assert canonical_json([value]) == f"[{expected}]"


def test_strings_keys_and_literals() -> None:
    assert canonical_json(True) == "true" and canonical_json([False, None]) == "[false,null]"
    assert canonical_json({"b": True, "a": 1}) == '{"a":1,"b":true}'  # a bool is not a number
    text = 'tab\there\nquote " back \\ ctrl \x01 \x1f del \x7f \b\f\r é ～ 😀 \u2028 \u2029 </script>'
    assert canonical_json(text) == (
        '"tab\\there\\nquote \\" back \\\\ ctrl \\u0001 \\u001f del \x7f \\b\\f\\r é ～ 😀 \u2028 \u2029 </script>"'
    )
    # Lone surrogates as JSON.stringify writes them; a pair spelt as two code points is one character.
    assert canonical_json("\ud800") == '"\\ud800"' and canonical_json("a\udfffb") == '"a\\udfffb"'
    assert canonical_json("\ud83d\ude00") == '"😀"'
    # Keys by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FF5E, unlike by code point.
    keys = {"～": 1, "😀": 2, "é": 3, "z": 4, "": 5, "Z": 6, "\u0080": 7, "aa": 8, "a": 9}
    assert canonical_json(keys) == '{"":5,"Z":6,"a":9,"aa":8,"z":4,"\u0080":7,"é":3,"😀":2,"～":1}'
    assert canonical_json({"a": [], "b": {}, "c": ({"y": 1, "x": [1, "2"]},)}) == '{"a":[],"b":{},"c":[{"x":[1,"2"],"y":1}]}'


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), [1, float("nan")], {"a": float("inf")}, 10**400])
def test_values_json_has_no_number_for_are_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        canonical_json(value)


@pytest.mark.parametrize("value", [{1: "a"}, {("a",): 1}, {"a"}, b"bytes", object(), dt.date(2026, 1, 1)])
def test_values_that_are_not_json_are_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        canonical_json(value)


CANONICAL_JSON_OF_THE_SERVER = """
import { canonicalJson } from %s;
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { bits, documents } = JSON.parse(input);
  const view = new DataView(new ArrayBuffer(8));
  const numbers = bits.map((hex) => { view.setBigUint64(0, BigInt('0x' + hex)); return canonicalJson(view.getFloat64(0)); });
  process.stdout.write(JSON.stringify({ numbers, documents: documents.map((text) => canonicalJson(JSON.parse(text))) }));
});
"""


def _random_documents(rng: random.Random, doubles: list[float], count: int) -> list[Any]:
    alphabet = ["a", "z", "Z", "é", "～", "😀", "\u2028", "\x01", "\x7f", '"', "\\", "\n", "\t", "\b", "\x1f", "\ufeff", "0"]

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5)))

    def value(depth: int) -> Any:
        kind = rng.randint(0, 7 if depth < 4 else 4)
        if kind == 0:
            return rng.choice([None, True, False])
        if kind == 1:
            return rng.randint(-(2**62), 2**62)
        if kind in (2, 3):
            return rng.choice(doubles)
        if kind == 4:
            return text()
        if kind in (5, 6):
            return {text(): value(depth + 1) for _ in range(rng.randint(0, 5))}
        return [value(depth + 1) for _ in range(rng.randint(0, 4))]

    return [value(0) for _ in range(count)]


@pytest.mark.skipif(NODE is None, reason="needs node to run the server's canonicalJson")
def test_canonical_json_equals_the_servers_on_random_doubles_and_documents(tmp_path: Path) -> None:
    rng = random.Random(8785)
    bits: list[str] = []
    while len(bits) < 20_000:  # random bit patterns: every exponent, subnormals, both signs
        pattern = rng.getrandbits(64)
        if (pattern >> 52) & 0x7FF != 0x7FF:  # not NaN or an infinity
            bits.append(f"{pattern:016x}")
    for exponent in range(-325, 309):  # and decimal numbers around every power of ten
        for mantissa in ("1", "1.5", "9.999", "1.2345678901234567", "5"):
            number = float(f"{mantissa}e{exponent}")
            if number != float("inf"):
                bits.append(struct.pack(">d", number).hex())
    doubles = [struct.unpack(">d", bytes.fromhex(hex_))[0] for hex_ in bits]
    documents = [json.dumps(document, ensure_ascii=False) for document in _random_documents(rng, doubles, 2000)]
    script = tmp_path / "canonical.mjs"
    module = REPO / "packages" / "core" / "src" / "scheduler" / "request-hash.ts"
    script.write_text(CANONICAL_JSON_OF_THE_SERVER % json.dumps(module.as_uri()))
    done = subprocess.run(
        [str(NODE), str(script)],
        input=json.dumps({"bits": bits, "documents": documents}),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    server = json.loads(done.stdout)
    wrong = [(d, canonical_json(d), js) for d, js in zip(doubles, server["numbers"]) if canonical_json(d) != js]
    assert wrong == []
    wrong_documents = [
        (text, js) for text, js in zip(documents, server["documents"]) if canonical_json(json.loads(text)) != js
    ]
    assert wrong_documents == []


# -- signers ---------------------------------------------------------------------------------


def test_sign_message_adds_who_when_and_a_fresh_nonce() -> None:
    before = dt.datetime.now(dt.timezone.utc)
    message = {"op": "get", "task_id": "t", "requester_signature": "old", "timestamp": "stale", "nonce": "n" * 22}
    signed = ED25519.sign_message(message)
    assert message == {"op": "get", "task_id": "t", "requester_signature": "old", "timestamp": "stale", "nonce": "n" * 22}
    assert signed["requester_id"] == REQUESTER
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", signed["timestamp"])
    stamped = dt.datetime.fromisoformat(signed["timestamp"].replace("Z", "+00:00"))
    assert before - dt.timedelta(seconds=1) <= stamped <= dt.datetime.now(dt.timezone.utc)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", signed["nonce"]) and signed["nonce"] != "n" * 22
    verify_ed25519(
        ED25519.public_key_pem(),
        signed["requester_signature"],
        message_signing_input(REQUEST_CONTEXT, signed, "requester_signature"),
    )
    again = ED25519.sign_message(message)
    assert again["nonce"] != signed["nonce"]
    assert len({new_nonce() for _ in range(1000)}) == 1000
    assert utc_timestamp(dt.datetime(2026, 11, 22, 13, 30, 0, 999_999, tzinfo=dt.timezone(dt.timedelta(hours=3, minutes=30)))) == (
        "2026-11-22T10:00:00.999Z"
    )


def test_sign_message_signs_what_json_sends() -> None:
    signed = HMAC.sign_message({"op": "list", "status": ("active",), "limit": 10.0, "requester_id": REQUESTER.upper()})
    assert signed["status"] == ["active"] and signed["requester_id"] == REQUESTER.upper()
    assert HMAC.sign(message_signing_input(REQUEST_CONTEXT, signed, "requester_signature")) == signed["requester_signature"]


def test_sign_message_refuses_another_requester_and_what_is_not_json() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        ED25519.sign_message({"op": "list", "requester_id": "8e3b1a52-0000-4000-8000-000000000000"})
    assert caught.value.paths == ["requester_id"]
    with pytest.raises(MalformedMessageError):
        ED25519.sign_message({"op": "preview", "count": float("nan")})
    with pytest.raises(MalformedMessageError):
        ED25519.sign_message({"op": "preview", "from": dt.datetime.now()})


def test_keys_that_are_not_usable_are_refused() -> None:
    with pytest.raises(InvalidArgumentError) as short:
        HmacSigner(REQUESTER, b"x" * 31)
    assert short.value.paths == ["secret"]
    assert HmacSigner.from_text(REQUESTER, "hex:" + "ab" * 32).secret_text() == base64.b64encode(b"\xab" * 32).decode()
    assert HmacSigner.from_text(REQUESTER, "base64:" + KEYS["requester_hmac_secret_base64"]).secret_text() == HMAC.secret_text()
    with pytest.raises(InvalidArgumentError):
        HmacSigner.from_text(REQUESTER, "not base64!")
    other = x25519.X25519PrivateKey.generate()
    x_pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(InvalidArgumentError) as wrong_type:
        Ed25519Signer.from_pem(x_pem, REQUESTER)
    assert wrong_type.value.paths == ["private_key"]
    with pytest.raises(InvalidArgumentError):
        Ed25519Signer.from_pem("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n", REQUESTER)
    with pytest.raises(InvalidArgumentError):
        Ed25519Signer.from_pem(KEYS["requester_ed25519_private_pem"], "")
    with pytest.raises(InvalidArgumentError):
        SchedulerKey.from_text(KEYS["requester_ed25519_private_pem"])  # a private key is not the public key
    with pytest.raises(InvalidArgumentError):
        SchedulerKey.from_raw_base64(base64.b64encode(bytes(31)).decode())
    x_public = other.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(InvalidArgumentError):
        SchedulerKey.from_pem(x_public)
    assert "PRIVATE" not in repr(ED25519) and HMAC.secret_text() not in repr(HMAC)


def test_a_generated_key_round_trips_through_pem() -> None:
    made = Ed25519Signer.generate(REQUESTER)
    again = Ed25519Signer.from_pem(made.private_key_pem(), REQUESTER)
    assert again.public_key_pem() == made.public_key_pem()
    assert made.sign(b"x") == again.sign(b"x")
    assert SchedulerKey.from_pem(made.public_key_pem()) == SchedulerKey.from_raw_base64(made.public_key_raw())


# -- errors ----------------------------------------------------------------------------------

NEW_CODES = {
    "UNAUTHENTICATED": (AuthenticationError, 401),
    "SIGNATURE_INVALID": (SignatureInvalidError, 401),
    "REQUEST_EXPIRED": (RequestExpiredError, 401),
    "REQUEST_REPLAYED": (RequestReplayedError, 401),
    "FORBIDDEN": (ForbiddenError, 403),
    "TARGET_FORBIDDEN": (TargetForbiddenError, 403),
    "RATE_LIMITED": (RateLimitedError, 429),
    "MESSAGE_TOO_LARGE": (MalformedMessageError, 413),
}


@pytest.mark.parametrize("code", NEW_CODES)
def test_the_security_codes_have_their_classes(code: str) -> None:
    cls, status = NEW_CODES[code]
    issues = [{"path": "requester_signature", "message": "does not verify"}]
    reply = error_from_reply({"ok": False, "op": "get", "error": {"code": code, "message": "no", "issues": issues}})
    problem = error_from_problem({"code": code, "detail": "no", "issues": issues}, status)
    for error in (reply, problem):
        assert type(error) is cls and error.code == code and error.paths == ["requester_signature"]
    assert problem.status == status
    assert isinstance(reply, PermissionError) == (code not in ("RATE_LIMITED", "MESSAGE_TOO_LARGE"))


def test_rate_limited_says_when_to_retry() -> None:
    reply = error_from_reply({"ok": False, "error": {"code": "RATE_LIMITED", "message": "slow down", "issues": [], "retry_after_ms": 1500}})
    assert isinstance(reply, RateLimitedError) and isinstance(reply, UnavailableError) and reply.retry_after_ms == 1500
    problem = error_from_problem({"code": "RATE_LIMITED", "detail": "slow down"}, 429, retry_after="2")
    assert isinstance(problem, RateLimitedError) and problem.retry_after_ms == 2000
    copied = pickle.loads(pickle.dumps(reply))
    assert type(copied) is RateLimitedError and copied.retry_after_ms == 1500 and copied.code == "RATE_LIMITED"
    assert isinstance(pickle.loads(pickle.dumps(SignatureInvalidError("x"))), ScheduleError)


# -- what the client sends -------------------------------------------------------------------


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP server that records each request line, its headers and body, and answers 200 {}."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append({"method": self.command, "target": self.path, "headers": dict(self.headers), "body": body})
            answer = b'{"fires": [], "tasks": [], "id": "t"}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_DELETE = do_PATCH = _record

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def _verifies(record: dict[str, Any], signer: Ed25519Signer) -> bool:
    headers = {name.lower(): value for name, value in record["headers"].items()}
    data = http_signing_input(
        record["method"],
        record["target"],  # exactly as on the request line
        headers["x-br-requester-id"],
        headers["x-br-timestamp"],
        headers["x-br-nonce"],
        record["body"],
    )
    try:
        verify_ed25519(signer.public_key_pem(), headers["x-br-signature"], data)
    except Exception:  # noqa: BLE001 - InvalidSignature
        return False
    return headers["x-br-requester-id"] == signer.requester_id


def test_rest_requests_are_signed_over_the_target_and_body_as_sent(recorder: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = recorder
    signer = Ed25519Signer.generate(REQUESTER)
    client = Client(http_url=url + "/prefix", signer=signer)
    assert client.requester_id == REQUESTER
    client.list(status=["active", "paused"], limit=5)
    client.get("a task/with ?odd#chars é")
    client.request({"op": "cancel", "task_id": "x", "timestamp": "t", "nonce": "n", "requester_signature": "s"})
    client.create("http://127.0.0.1:9/x", cron("0 3 * * *"), parameters={"é": "～", "n": 1.0}, requester_signature="unsigned")
    client.preview(cron("0 3 * * *"), count=2)
    assert [(r["method"], r["target"]) for r in seen] == [
        ("GET", f"/prefix/v1/tasks?requester_id={REQUESTER}&status=active%2Cpaused&limit=5"),
        ("GET", f"/prefix/v1/tasks/a%20task%2Fwith%20%3Fodd%23chars%20%C3%A9?requester_id={REQUESTER}"),
        ("DELETE", "/prefix/v1/tasks/x"),
        ("POST", "/prefix/v1/tasks"),
        ("POST", "/prefix/v1/schedules/preview"),
    ]
    assert all(_verifies(record, signer) for record in seen)
    create = json.loads(seen[3]["body"])
    assert "requester_signature" not in create and "nonce" not in create and create["requester_id"] == REQUESTER
    assert len({r["headers"]["X-Br-Nonce"] for r in seen}) == len(seen)
    tampered = {**seen[3], "body": seen[3]["body"].replace(b"0 3", b"0 4")}
    assert not _verifies(tampered, signer)
    assert not _verifies({**seen[0], "target": seen[0]["target"].replace("limit=5", "limit=6")}, signer)


def test_an_unsigned_client_sends_no_signature(recorder: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = recorder
    Client(http_url=url, requester_id=REQUESTER).create(
        "http://127.0.0.1:9/x", cron("0 3 * * *"), requester_signature="as given"
    )
    assert not any(name.lower().startswith("x-br-") for name in seen[0]["headers"])
    assert json.loads(seen[0]["body"])["requester_signature"] == "as given"


def test_a_per_call_signer_signs_for_its_requester(recorder: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = recorder
    other = Ed25519Signer.generate("2b0e3f70-6a0a-4c3a-9b61-6f1f0c9d7e21")
    client = Client(http_url=url, signer=ED25519)
    client.create("http://127.0.0.1:9/x", cron("0 3 * * *"), signer=other)
    client.get("t", signer=other)
    assert json.loads(seen[0]["body"])["requester_id"] == other.requester_id
    assert seen[1]["target"] == f"/v1/tasks/t?requester_id={other.requester_id}"
    assert all(_verifies(record, other) for record in seen)


def test_a_scheduler_key_is_fetched_as_published(recorder: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = recorder
    published = {"algorithm": "ed25519", "public_key_pem": KEYS["scheduler_ed25519_public_pem"], "public_key": "x"}
    monkeypatch.setattr(HttpTransport, "_send", lambda *args, **kwargs: (200, published))
    assert Client(http_url=url).fetch_scheduler_key() == SCHEDULER


def test_amqp_bodies_are_signed_afresh_each_time_they_are_published() -> None:
    first = ReplyChannel._encode({"op": "get", "task_id": "t"}, ED25519)
    again = ReplyChannel._encode(json.loads(first), ED25519)  # what a republish after a reconnect does
    one, two = json.loads(first), json.loads(again)
    assert one["nonce"] != two["nonce"] and one["requester_id"] == two["requester_id"] == REQUESTER
    for signed in (one, two):
        verify_ed25519(
            ED25519.public_key_pem(),
            signed["requester_signature"],
            message_signing_input(REQUEST_CONTEXT, signed, "requester_signature"),
        )
    assert ReplyChannel._encode(["not", "an", "object"], ED25519) == b'["not","an","object"]'
    assert json.loads(ReplyChannel._encode({"op": "get"}, None)) == {"op": "get"}


# -- configuration ---------------------------------------------------------------------------

BASE_ENV = {"BR_SCHEDULE_URL": "http://127.0.0.1:9", "BR_SCHEDULE_REQUESTER_ID": REQUESTER}


def test_signing_from_the_environment(tmp_path: Path) -> None:
    key_file = tmp_path / "requester.pem"
    key_file.write_text(KEYS["requester_ed25519_private_pem"])
    scheduler_file = tmp_path / "scheduler.pem"
    scheduler_file.write_text(KEYS["scheduler_ed25519_public_pem"])
    from_file = Client.from_env({**BASE_ENV, "BR_SCHEDULE_REQUESTER_KEY": str(key_file), "BR_SCHEDULE_SCHEDULER_KEY": str(scheduler_file)})
    assert isinstance(from_file.signer, Ed25519Signer) and from_file.signer.public_key_pem() == ED25519.public_key_pem()
    assert from_file.scheduler_key == SCHEDULER
    inline = Client.from_env(
        {
            **BASE_ENV,
            "BR_SCHEDULE_REQUESTER_KEY": KEYS["requester_ed25519_private_pem"],
            "BR_SCHEDULE_SCHEDULER_KEY": KEYS["scheduler_ed25519_public_pem"],
        }
    )
    assert inline.signer is not None and inline.signer.sign(b"x") == ED25519.sign(b"x") and inline.scheduler_key == SCHEDULER
    raw = Client.from_env({**BASE_ENV, "BR_SCHEDULE_HMAC_SECRET": KEYS["requester_hmac_secret_base64"], "BR_SCHEDULE_SCHEDULER_KEY": SCHEDULER.public_key_raw()})
    assert isinstance(raw.signer, HmacSigner) and raw.signer.sign(b"x") == HMAC.sign(b"x") and raw.scheduler_key == SCHEDULER
    plain = Client.from_env(BASE_ENV)
    assert plain.signer is None and plain.scheduler_key is None


@pytest.mark.parametrize(
    ("env", "paths"),
    [
        ({"BR_SCHEDULE_REQUESTER_KEY": "/no/such/key.pem"}, ["BR_SCHEDULE_REQUESTER_KEY"]),
        ({"BR_SCHEDULE_REQUESTER_KEY": "-----BEGIN PRIVATE KEY-----\nno\n-----END PRIVATE KEY-----"}, ["BR_SCHEDULE_REQUESTER_KEY"]),
        ({"BR_SCHEDULE_HMAC_SECRET": "c2hvcnQ="}, ["BR_SCHEDULE_HMAC_SECRET"]),
        (
            {"BR_SCHEDULE_HMAC_SECRET": KEYS["requester_hmac_secret_base64"], "BR_SCHEDULE_REQUESTER_KEY": KEYS["requester_ed25519_private_pem"]},
            ["BR_SCHEDULE_REQUESTER_KEY", "BR_SCHEDULE_HMAC_SECRET"],
        ),
        ({"BR_SCHEDULE_HMAC_SECRET": KEYS["requester_hmac_secret_base64"], "BR_SCHEDULE_REQUESTER_ID": ""}, ["BR_SCHEDULE_REQUESTER_ID"]),
        ({"BR_SCHEDULE_SCHEDULER_KEY": "not a key"}, ["BR_SCHEDULE_SCHEDULER_KEY"]),
        ({"BR_SCHEDULE_SCHEDULER_KEY": "/no/such/scheduler.pem"}, ["BR_SCHEDULE_SCHEDULER_KEY"]),
    ],
    ids=["missing key file", "bad PEM", "short secret", "both", "no requester", "bad scheduler key", "missing scheduler key file"],
)
def test_bad_signing_configuration_names_the_variable(env: dict[str, str], paths: list[str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Client.from_env({**BASE_ENV, **env})
    assert caught.value.paths == paths


def test_a_signer_for_another_requester_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Client(http_url="http://127.0.0.1:9", requester_id="2b0e3f70-6a0a-4c3a-9b61-6f1f0c9d7e21", signer=ED25519)
    assert caught.value.paths == ["signer"]
    assert Client(http_url="http://127.0.0.1:9", requester_id=REQUESTER.upper(), signer=ED25519).requester_id == REQUESTER.upper()
    assert Client(http_url="http://127.0.0.1:9", scheduler_key=KEYS["scheduler_ed25519_public_pem"]).scheduler_key == SCHEDULER


def test_query_routes_leave_a_messages_own_signature_out(recorder: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = recorder
    HttpTransport(url).call({"op": "get", "task_id": "t", "timestamp": "x", "nonce": "y", "requester_signature": "z"})
    assert urllib.parse.urlsplit(seen[0]["target"]).query == ""
