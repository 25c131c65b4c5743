"""Shared helpers for the idprover integration tests.

Two ways to talk to the server:

* python3-acme (``acme_client``), the way a real platform would;
* ``Raw``, a hand-built JWS client that can break one rule at a time
  (wrong alg, DER signature, duplicate members, bad nonce, ...).

The server under test is described by the environment that
tests/integ/run.sh sets: IDP_DIRECTORY_URL, IDP_TLS_CA, IDPROVER_VAR,
IDP_SMS_LOG.

Results are printed TAP-style (``ok N - name`` / ``not ok N - name``);
``Tests.done()`` exits non-zero when any check failed.

Run as a program it offers small commands for shell tests:
    acmetest.py account-new KEYFILE [--hook FILE]
    acmetest.py account-lookup KEYFILE
    acmetest.py account-get KEYFILE ACCOUNT_URL
Each prints "STATUS LOCATION-or-problem-type".
"""

import base64
import hashlib
import hmac
import json
import os
import random
import re
import sys
import time
import traceback

import requests
from requests.utils import parse_header_links

import josepy as jose
from acme import challenges, client, messages

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature)
from cryptography.x509.oid import ExtensionOID, NameOID, ObjectIdentifier

DIRECTORY_URL = os.environ.get("IDP_DIRECTORY_URL", "")
TLS_CA = os.environ.get("IDP_TLS_CA", "")
VAR = os.environ.get("IDPROVER_VAR", "")
SMS_LOG = os.environ.get("IDP_SMS_LOG") or os.path.join(VAR, "sms.log")

ERR = "urn:ietf:params:acme:error:"
JOSE_CT = "application/jose+json"
ALGORITHMS = ["ES256", "ES384", "ES512", "RS256", "EdDSA"]
TNAUTHLIST_OID = ObjectIdentifier("1.3.6.1.5.5.7.1.26")
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]+$")
B64U_RE = re.compile(r"^[A-Za-z0-9_-]*$")

# Constructing the type registers it, so python3-acme can parse orders and
# authorizations that carry TNAuthList identifiers.
TNAUTHLIST = messages.IdentifierType("TNAuthList")


# ---------------------------------------------------------------- encoding

def b64u(data):
    """base64url without padding (RFC 4648 §5, RFC 7515 §2)."""
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text):
    """Strict base64url decoding: no padding, no foreign characters."""
    if not isinstance(text, str) or not B64U_RE.match(text):
        raise ValueError("not base64url: %r" % (text,))
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact_json(obj):
    return json.dumps(obj, separators=(",", ":"))


class RawJSON(jose.JSONDeSerializable):
    """Any JSON value as a python3-acme payload."""

    def __init__(self, obj):
        self.obj = obj

    def to_partial_json(self):
        return self.obj

    @classmethod
    def from_json(cls, jobj):
        return cls(jobj)


class SmsLink00(challenges.Challenge):
    """The sms-link-00 challenge (PROTOCOL §8.2.1)."""
    typ = "sms-link-00"
    token: str = jose.field("token", omitempty=True)


challenges.Challenge.register(SmsLink00)


# ------------------------------------------------------------- TNAuthList

def _der_len(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82]) + n.to_bytes(2, "big")


def der_tlv(tag, content):
    return bytes([tag]) + _der_len(len(content)) + content


def tnauthlist_der(*numbers, spc=None):
    """DER TNAuthorizationList (RFC 8226 §9, EXPLICIT tags): one TNEntry
    'one' [2] per number, or a single 'spc' [0] entry."""
    entries = b""
    if spc is not None:
        entries += der_tlv(0xA0, der_tlv(0x16, spc.encode("ascii")))
    for number in numbers:
        entries += der_tlv(0xA2, der_tlv(0x16, number.encode("ascii")))
    return der_tlv(0x30, entries)


def tnauthlist_value(*numbers, spc=None):
    """RFC 9448 identifier value: base64url(DER), no padding."""
    return b64u(tnauthlist_der(*numbers, spc=spc))


def tn_identifier(number):
    return {"type": "TNAuthList", "value": tnauthlist_value(number)}


assert tnauthlist_der("12025550123").hex() == \
    "300fa20d160b3132303235353530313233"
assert tnauthlist_value("12025550123") == "MA-iDRYLMTIwMjU1NTAxMjM"

_used_numbers = set()


def fresh_number(prefix="1202555"):
    """A telephone number not used before by this process."""
    while True:
        n = prefix + "%04d" % random.randrange(10000)
        if n not in _used_numbers:
            _used_numbers.add(n)
            return n


# -------------------------------------------------------------------- SMS

CODE_RE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")


def sms_messages(number=None):
    """Every SMS the file gateway wrote, oldest first (optionally only
    those to one number)."""
    out = []
    try:
        with open(SMS_LOG, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    m = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(m, dict):
                    continue
                to = str(m.get("to", "")).lstrip("+")
                if number is None or to == number:
                    out.append(m)
    except FileNotFoundError:
        pass
    return out


def sms_count(number):
    return len(sms_messages(number))


def sms_code(number):
    """The code in the newest SMS to number, or None."""
    msgs = sms_messages(number)
    if not msgs:
        return None
    codes = CODE_RE.findall(str(msgs[-1].get("text", "")))
    return codes[0] if len(codes) == 1 else None


def wait_sms_code(number, seen=0, timeout=10.0):
    """Wait until more than `seen` SMS went to number; return the newest
    code (None on timeout)."""
    end = time.time() + timeout
    while time.time() < end:
        if sms_count(number) > seen:
            return sms_code(number)
        time.sleep(0.05)
    return None


def sms_digest(code, token, thumbprint):
    """PROTOCOL §8.2.3: base64url(SHA-256(code || token || "." || thumb))."""
    ka = "%s%s.%s" % (code, token, thumbprint)
    return b64u(hashlib.sha256(ka.encode("ascii")).digest())


assert sms_digest("123456", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA",
                  "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs") == \
    "KQB8deSDcbCQJy2uk2CqVuvsoVSzMVQNc3JYTVEzAAQ"


# ------------------------------------------------------------------- keys

_EC = {
    "ES256": (ec.SECP256R1, "P-256", 32, hashes.SHA256),
    "ES384": (ec.SECP384R1, "P-384", 48, hashes.SHA384),
    "ES512": (ec.SECP521R1, "P-521", 66, hashes.SHA512),
}


def _int_b64u(n, size=None):
    if size is None:
        size = max(1, (n.bit_length() + 7) // 8)
    return b64u(n.to_bytes(size, "big"))


class Key:
    """An account (or certificate) key that signs JWS the JOSE way."""

    def __init__(self, alg="ES256", priv=None, rsa_bits=2048):
        self.alg = alg
        if priv is not None:
            self.priv = priv
        elif alg in _EC:
            self.priv = ec.generate_private_key(_EC[alg][0]())
        elif alg == "RS256":
            self.priv = rsa.generate_private_key(65537, rsa_bits)
        elif alg == "EdDSA":
            self.priv = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(alg)

    @classmethod
    def from_private(cls, priv):
        if isinstance(priv, ec.EllipticCurvePrivateKey):
            alg = {256: "ES256", 384: "ES384", 521: "ES512"}[
                priv.curve.key_size]
        elif isinstance(priv, rsa.RSAPrivateKey):
            alg = "RS256"
        elif isinstance(priv, ed25519.Ed25519PrivateKey):
            alg = "EdDSA"
        else:
            raise ValueError("unsupported key")
        return cls(alg, priv)

    @classmethod
    def load(cls, path):
        with open(path, "rb") as f:
            return cls.from_private(
                serialization.load_pem_private_key(f.read(), None))

    def save(self, path):
        data = self.priv.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    def public_jwk(self):
        pub = self.priv.public_key()
        if self.alg in _EC:
            size = _EC[self.alg][2]
            nums = pub.public_numbers()
            return {"kty": "EC", "crv": _EC[self.alg][1],
                    "x": _int_b64u(nums.x, size), "y": _int_b64u(nums.y, size)}
        if self.alg == "RS256":
            nums = pub.public_numbers()
            return {"kty": "RSA", "n": _int_b64u(nums.n),
                    "e": _int_b64u(nums.e)}
        raw = pub.public_bytes(serialization.Encoding.Raw,
                               serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}

    def thumbprint(self):
        """RFC 7638 thumbprint, base64url."""
        jwk = self.public_jwk()
        members = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"),
                   "OKP": ("crv", "kty", "x")}[jwk["kty"]]
        canon = compact_json({m: jwk[m] for m in members})
        return b64u(hashlib.sha256(canon.encode()).digest())

    def sign(self, data):
        """JWS signature over data (raw R||S for ECDSA, RFC 7518 §3.4)."""
        if self.alg in _EC:
            size, h = _EC[self.alg][2], _EC[self.alg][3]
            r, s = decode_dss_signature(self.priv.sign(data, ec.ECDSA(h())))
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        if self.alg == "RS256":
            return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.priv.sign(data)

    def sign_der(self, data):
        """ECDSA signature in DER form (what a JWS must NOT carry)."""
        return self.priv.sign(data, ec.ECDSA(_EC[self.alg][3]()))

    def jose_key(self):
        if self.alg in _EC:
            return jose.JWKEC(key=self.priv)
        if self.alg == "RS256":
            return jose.JWKRSA(key=self.priv)
        raise ValueError("python3-acme has no %s key" % self.alg)

    def jose_alg(self):
        return {"ES256": jose.ES256, "ES384": jose.ES384,
                "ES512": jose.ES512, "RS256": jose.RS256}[self.alg]

    def spki_der(self):
        return self.priv.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)


# -------------------------------------------------------- raw JWS client

_UNSET = object()


class Raw:
    """A JWS client built by hand so a test can break one rule at a time.

    payload: None = POST-as-GET (""), dict/list = compact JSON, str = JSON
    text as given (e.g. with duplicate members), bytes = raw payload octets.
    """

    def __init__(self, directory_url=None):
        self.session = requests.Session()
        # Only the test CA, and no proxy: ignore REQUESTS_CA_BUNDLE,
        # HTTPS_PROXY and the like from the environment.
        self.session.trust_env = False
        self.session.verify = TLS_CA
        self.session.headers["User-Agent"] = "idprover-integ"
        self.directory_url = directory_url or DIRECTORY_URL
        r = self.session.get(self.directory_url, timeout=30)
        r.raise_for_status()
        self.directory = r.json()
        self.nonces = []

    def __getitem__(self, name):
        return self.directory[name]

    def new_nonce(self):
        r = self.session.head(self.directory["newNonce"], timeout=30)
        return r.headers["Replay-Nonce"]

    def nonce(self):
        return self.nonces.pop() if self.nonces else self.new_nonce()

    def _harvest(self, r):
        n = r.headers.get("Replay-Nonce")
        if n:
            self.nonces.append(n)

    def jws(self, url, payload=None, key=None, kid=None, *, alg=None,
            nonce=_UNSET, jwk=_UNSET, extra=None, drop=(), protected=None,
            signature=None, sign_with=None, der_signature=False):
        """Build a flattened JWS (as a dict).

        kid given: the header names the account, else it embeds the jwk.
        extra: header members to add/override; drop: members to remove;
        protected: the exact protected header JSON text (overrides all);
        signature: exact signature bytes; sign_with: another Key signs."""
        key = key or Key()
        hdr = {"alg": alg or key.alg}
        if nonce is _UNSET:
            nonce = self.nonce()
        if nonce is not None:
            hdr["nonce"] = nonce
        hdr["url"] = url
        if kid is not None:
            hdr["kid"] = kid
        if jwk is _UNSET:
            jwk = key.public_jwk() if kid is None else None
        if jwk is not None:
            hdr["jwk"] = jwk
        hdr.update(extra or {})
        for d in drop:
            hdr.pop(d, None)
        prot_text = protected if protected is not None else compact_json(hdr)
        prot_b64 = b64u(prot_text.encode())
        if payload is None:
            pay_b64 = ""
        elif isinstance(payload, bytes):
            pay_b64 = b64u(payload)
        elif isinstance(payload, str):
            pay_b64 = b64u(payload.encode())
        else:
            pay_b64 = b64u(compact_json(payload).encode())
        signing_input = ("%s.%s" % (prot_b64, pay_b64)).encode("ascii")
        if signature is None:
            signer = sign_with or key
            if der_signature:
                signature = signer.sign_der(signing_input)
            elif hdr.get("alg") == "none" and sign_with is None:
                signature = b""
            elif str(hdr.get("alg", "")).startswith("HS"):
                signature = hmac.new(b"k" * 32, signing_input,
                                     hashlib.sha256).digest()
            else:
                signature = signer.sign(signing_input)
        return {"protected": prot_b64, "payload": pay_b64,
                "signature": b64u(signature)}

    def send(self, url, body, content_type=JOSE_CT, method="POST"):
        """Send a body (dict → JSON, str/bytes as is)."""
        if isinstance(body, (dict, list)):
            body = compact_json(body)
        headers = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        r = self.session.request(method, url, data=body, headers=headers,
                                 timeout=60)
        self._harvest(r)
        return r

    def post(self, url, payload=None, key=None, kid=None,
             content_type=JOSE_CT, **kw):
        """Sign and POST; kid-signed when kid is given."""
        return self.send(url, self.jws(url, payload, key, kid, **kw),
                         content_type)

    def post_as_get(self, url, key, kid, **kw):
        return self.post(url, None, key, kid, **kw)

    def new_account(self, key, payload=None, **kw):
        if payload is None:
            payload = {"termsOfServiceAgreed": True}
        return self.post(self.directory["newAccount"], payload, key, **kw)

    def key_change_body(self, url, account_url, old_key, new_key,
                        inner_extra=None, inner_payload=None):
        """The nested keyChange JWS payload (PROTOCOL §3.6)."""
        inner = self.jws(url, inner_payload if inner_payload is not None
                         else {"account": account_url,
                               "oldKey": old_key.public_jwk()},
                         new_key, nonce=None, extra=inner_extra)
        return inner


# ------------------------------------------------------------ python3-acme

def acme_client(key=None, account_url=None):
    """A python3-acme ClientV2 for the server under test."""
    key = key or Key("ES256")
    account = None
    if account_url:
        account = messages.RegistrationResource(
            uri=account_url, body=messages.Registration())
    net = client.ClientNetwork(key.jose_key(), account=account,
                               alg=key.jose_alg(), verify_ssl=TLS_CA,
                               user_agent="idprover-integ")
    net.session.trust_env = False
    directory = client.ClientV2.get_directory(DIRECTORY_URL, net)
    c = client.ClientV2(directory, net)
    c.idp_key = key
    return c


def acme_register(c, email=None):
    """newAccount through python3-acme; returns the raw response and sets
    the client's account (kid) to the returned Location."""
    reg = messages.NewRegistration.from_data(
        email=email, terms_of_service_agreed=True)
    r = c._post(c.directory["newAccount"], reg)
    c.net.account = client.ClientV2._regr_from_response(r)
    return r


def new_acme_account(email="platform@example.test", alg="ES256"):
    c = acme_client(Key(alg))
    acme_register(c, email)
    return c


def kid_of(c):
    return c.net.account.uri


# ------------------------------------------------------------ certificates

def make_csr(tn_der, key=None, cn="idprover test", san=None,
             ca_true=False, with_tnauthlist=True):
    """DER PKCS#10 with the TNAuthList as an extensionRequest entry."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
    if with_tnauthlist:
        b = b.add_extension(
            x509.UnrecognizedExtension(TNAUTHLIST_OID, tn_der),
            critical=False)
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(s) for s in san]), critical=False)
    if ca_true:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None),
                            critical=True)
    csr = b.sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.DER), key


PEM_RE = re.compile(
    r"-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?"
    r"-----END CERTIFICATE-----\r?\n?")


def split_pem_chain(text):
    """The certificates of a PEM chain and whatever text lies outside."""
    blocks = PEM_RE.findall(text)
    outside = PEM_RE.sub("", text)
    return blocks, outside


def serial_content(cert):
    """The content octets of the serial INTEGER, read from the DER (so
    that the certID matches the encoding in the certificate)."""
    der = cert.tbs_certificate_bytes
    i = 1
    i += 1 + (der[i] & 0x7f if der[i] & 0x80 else 0)   # tbs length
    if der[i] == 0xa0:                                 # [0] version
        i += 2 + der[i + 1]
    assert der[i] == 0x02
    n = der[i + 1]
    return der[i + 2:i + 2 + n]


def certid(cert):
    """The certID of RFC 9773 (renewalInfo, replaces) of a certificate."""
    aki = cert.extensions.get_extension_for_oid(
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value.key_identifier
    return b64u(aki) + "." + b64u(serial_content(cert))


def links(r, rel):
    """URLs of the Link header entries with the given rel."""
    out = []
    for value in [r.headers.get("Link", "")]:
        if not value:
            continue
        for l in parse_header_links(value):
            if l.get("rel") == rel:
                out.append(l.get("url"))
    return out


# -------------------------------------------------------------- reporting

class Tests:
    """TAP-style counters: ok N - name / not ok N - name."""

    def __init__(self, title=""):
        self.n = 0
        self.failed = []
        self.title = title
        self.index_url = None
        if title:
            print("# %s" % title, flush=True)

    def ok(self, cond, name, diag=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name), flush=True)
        else:
            print("not ok %d - %s" % (self.n, name), flush=True)
            self.failed.append(name)
            if diag is not None:
                for line in str(diag).splitlines() or [""]:
                    print("#   %s" % line, flush=True)
        return bool(cond)

    def eq(self, got, want, name):
        return self.ok(got == want, name,
                       "expected %r\n     got %r" % (want, got))

    def diag(self, text):
        for line in str(text).splitlines():
            print("# %s" % line, flush=True)

    def section(self, fn, *args, **kw):
        """Run one group of checks; an exception is one failed check."""
        try:
            return fn(*args, **kw)
        except Exception:  # noqa: BLE001 - reported as a failure
            self.ok(False, "%s: raised" % fn.__name__,
                    traceback.format_exc())
            return None

    def _index_ok(self, r):
        if self.index_url is None:
            return True
        return self.index_url in links(r, "index")

    def headers(self, r, name, status, ctype="application/json",
                nonce=True, index=True, location=None):
        """Status, Content-Type, Replay-Nonce, Link index, Location."""
        probs = []
        if r.status_code != status:
            probs.append("status %s, expected %s" % (r.status_code, status))
        ct = r.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype is not None and ct != ctype:
            probs.append("Content-Type %r, expected %r" % (ct, ctype))
        if nonce and not NONCE_RE.match(r.headers.get("Replay-Nonce", "")):
            probs.append("no valid Replay-Nonce")
        if index and not self._index_ok(r):
            probs.append("no Link rel=index to the directory")
        if location is not None and r.headers.get("Location") != location:
            probs.append("Location %r, expected %r" %
                         (r.headers.get("Location"), location))
        if probs and r.headers.get("Content-Type", "").endswith("json"):
            probs.append("body: %s" % r.text[:400])
        return self.ok(not probs, name, "\n".join(probs))

    def problem(self, r, status, typ, name, nonce=True, index=True):
        """An error response: HTTP status, application/problem+json, the
        ACME type, a matching 'status' member, Replay-Nonce, Link index."""
        probs = []
        if r.status_code != status:
            probs.append("HTTP status %s, expected %s" %
                         (r.status_code, status))
        ct = r.headers.get("Content-Type", "").split(";")[0].strip()
        if ct != "application/problem+json":
            probs.append("Content-Type %r, expected application/problem+json"
                         % ct)
        try:
            doc = r.json()
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            probs.append("body is not a JSON object")
        else:
            want = typ if typ.startswith("urn:") else ERR + typ
            if doc.get("type") != want:
                probs.append("type %r, expected %r" % (doc.get("type"), want))
            if "status" in doc and doc["status"] != r.status_code:
                probs.append("member status %r differs from HTTP %s" %
                             (doc["status"], r.status_code))
        if nonce and not NONCE_RE.match(r.headers.get("Replay-Nonce", "")):
            probs.append("no valid Replay-Nonce")
        if index and not self._index_ok(r):
            probs.append("no Link rel=index to the directory")
        if probs:
            probs.append("body: %s" % r.text[:400])
        return self.ok(not probs, name, "\n".join(probs))

    def done(self):
        print("1..%d" % self.n, flush=True)
        if self.failed:
            print("# %d of %d checks failed" % (len(self.failed), self.n),
                  flush=True)
            sys.exit(1)
        if self.n == 0:
            sys.exit(1)
        sys.exit(0)


def require_env():
    missing = [v for v in ("IDP_DIRECTORY_URL", "IDP_TLS_CA", "IDPROVER_VAR")
               if not os.environ.get(v)]
    if missing:
        sys.stderr.write("run through tests/integ/run.sh (missing %s)\n"
                         % ", ".join(missing))
        sys.exit(2)


# ------------------------------------------------------------ shell tools

def _problem_type(r):
    try:
        return str(r.json().get("type", "")).replace(ERR, "")
    except ValueError:
        return "-"


def _main(argv):
    require_env()
    if len(argv) >= 2 and argv[0] == "account-new":
        key = Key("ES256")
        key.save(argv[1])
        raw = Raw()
        nonce = raw.new_nonce()
        if len(argv) == 4 and argv[2] == "--hook":
            with open(argv[3], "w"):
                pass
        r = raw.new_account(key, {"termsOfServiceAgreed": True,
                                  "contact": ["mailto:c@example.test"]},
                            nonce=nonce)
        print("%d %s" % (r.status_code, r.headers.get("Location")
                         or _problem_type(r)))
        return 0 if r.status_code == 201 else 1
    if len(argv) == 2 and argv[0] == "account-lookup":
        key = Key.load(argv[1])
        r = Raw().new_account(key, {"onlyReturnExisting": True})
        print("%d %s" % (r.status_code, r.headers.get("Location")
                         or _problem_type(r)))
        return 0 if r.status_code == 200 else 1
    if len(argv) == 3 and argv[0] == "account-get":
        key = Key.load(argv[1])
        r = Raw().post_as_get(argv[2], key, argv[2])
        status = "-"
        if r.status_code == 200:
            status = r.json().get("status", "-")
        else:
            status = _problem_type(r)
        print("%d %s" % (r.status_code, status))
        return 0 if r.status_code == 200 else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(_main(sys.argv[1:]))
    except Exception as e:  # noqa: BLE001 - one line for shell tests
        print("000 %s: %s" % (type(e).__name__, str(e)[:300]))
        sys.exit(1)
