#!/usr/bin/python3
"""A catalogue of hostile requests (PROTOCOL §2-§5, §7, §8.2).

Each row names the request, how it is built, the expected HTTP status and
ACME problem type, and state probes: the response must be a problem
document (application/problem+json, that type, a "status" member equal
to the HTTP status, a Replay-Nonce, Link rel=index) and the probes must
show that the store did not change where nothing should have changed.
A few rows are about the transport (lying Content-Length, a slow body)
and have their own checks. The catalogue size is printed.
"""

import base64
import hashlib
import json
import os
import time
import traceback

import requests

from cryptography.hazmat.primitives.asymmetric import ec

from acmetest import (DIRECTORY_URL, JOSE_CT, Key, Raw, Tests, b64u,
                      compact_json, der_tlv, fresh_number, make_csr,
                      require_env, sms_count, sms_digest, tn_identifier,
                      tnauthlist_der, tnauthlist_value, wait_sms_code)
from hostile import (BASE, Account, Custom, NoAccount, NoSms,
                     OrdersUnchanged, RawHTTP, Unchanged, body_text,
                     check_problem, header, problem_summary, raw_request,
                     signed_parts, url_path)

require_env()
T = Tests("hostile requests")
T.index_url = DIRECTORY_URL
raw = Raw()
ALGS = ["ES256", "ES384", "ES512", "RS256", "EdDSA"]
NEW_ACCOUNT = raw["newAccount"]
NEW_ORDER = raw["newOrder"]
REVOKE = raw["revokeCert"]
TOS = {"termsOfServiceAgreed": True}


# ------------------------------------------------------------- fixtures

def new_order(acct, number=None):
    number = number or fresh_number()
    r = acct.post(NEW_ORDER, {"identifiers": [tn_identifier(number)]})
    if r.status_code != 201:
        raise RuntimeError("newOrder: %s %s" % (r.status_code, r.text))
    o = r.json()
    o["url"] = r.headers["Location"]
    o["number"] = number
    o["authz_url"] = o["authorizations"][0]
    o["chall"] = acct.get_json(o["authz_url"])["challenges"][0]
    return o


def send_code(acct, o):
    seen = sms_count(o["number"])
    r = acct.post(o["chall"]["url"], {})
    if r.status_code != 200:
        raise RuntimeError("challenge {}: %s %s" % (r.status_code, r.text))
    code = wait_sms_code(o["number"], seen)
    if code is None:
        raise RuntimeError("no SMS to %s" % o["number"])
    return code


def prove(acct, o):
    code = send_code(acct, o)
    r = acct.post(o["chall"]["url"], {"keyAuthorization": sms_digest(
        code, o["chall"]["token"], acct.key.thumbprint())})
    if r.status_code != 200 or r.json().get("status") != "valid":
        raise RuntimeError("challenge answer: %s %s" % (r.status_code,
                                                         r.text))


A = Account(raw)                        # the victim / main actor
B = Account(raw)                        # another account
R = Account(raw, Key("RS256"))          # an RSA account
D = Account(raw)                        # deactivated below
r = D.post(D.kid, {"status": "deactivated"})
assert r.status_code == 200, r.text

O1 = new_order(A)                       # pending, no code sent
O2 = new_order(A)                       # challenge processing
CODE2 = send_code(A, O2)
O3 = new_order(A)                       # valid, certificate issued
prove(A, O3)
CSR3, _ = make_csr(tnauthlist_der(O3["number"]))
r = A.post(O3["finalize"], {"csr": b64u(CSR3)})
assert r.status_code == 200 and r.json().get("certificate"), r.text
O3["cert_url"] = r.json()["certificate"]
PEM3 = A.get(O3["cert_url"]).text
CERT3 = base64.b64decode("".join(
    PEM3.split("-----BEGIN CERTIFICATE-----")[1]
    .split("-----END CERTIFICATE-----")[0].split()))
O4 = new_order(A)                       # ready
prove(A, O4)
CSR4, _ = make_csr(tnauthlist_der(O4["number"]))


def id_of(url):
    return url.rstrip("/").rsplit("/", 1)[1]


O1_ID = id_of(O1["url"])


# ------------------------------------------------------------- the table

ROWS = []


class Row:
    def __init__(self, name, req, send, status=None, typ=None, probes=(),
                 extra=None, check=None, want=None):
        self.name, self.req, self.send = name, req, send
        self.want = want
        self.status, self.typ = status, typ
        self.probes = list(probes)
        self.extra = extra              # fn(r) -> [problems]
        self.check = check              # fn(r) -> [problems], replaces all


def row(*a, **kw):
    ROWS.append(Row(*a, **kw))


def no_account(key):
    return NoAccount(raw, key)


def orders_same(acct=None):
    return OrdersUnchanged(acct or A)


def same(url, acct=None, label=None):
    return Unchanged(acct or A, url, label)


def chall_same(o, acct=None):
    return [same(o["chall"]["url"], acct, "challenge"), NoSms()]


def allow_post(r):
    allow = r.headers.get("Allow")
    if allow is None:
        return ["no Allow header"]
    methods = [m.strip() for m in allow.split(",")]
    return [] if "POST" in methods else ["Allow %r lacks POST" % allow]


def lists_algorithms(r):
    try:
        algs = r.json().get("algorithms")
    except ValueError:
        algs = None
    if not isinstance(algs, list) or sorted(algs) != sorted(ALGS):
        return ["algorithms %r, expected %r" % (algs, ALGS)]
    return []


def jws_post(url, jws, ctype=JOSE_CT):
    return raw.send(url, jws if isinstance(jws, (str, bytes)) else
                    body_text(jws), ctype)


def pag_raw(acct, url, method="POST"):
    """A valid kid-signed POST-as-GET for url, sent with the path exactly
    as written (no normalisation by the client)."""
    jws = raw.jws(url, None, acct.key, acct.kid)
    return raw_request(method, url_path(url), body_text(jws))


def newacct_jws(key=None, payload=None, **kw):
    key = key or Key()
    return key, raw.jws(NEW_ACCOUNT, TOS if payload is None else payload,
                        key, **kw)


# --- transport: size, lengths ------------------------------------------

def padded_body(jws, size):
    text = body_text(jws)
    assert len(text) < size
    return text[:-1] + " " * (size - len(text)) + "}"


k_big = Key()
row("body of 65537 octets (64 KiB + 1, JSON whitespace) to newAccount",
    "POST new-account, valid JWS padded to 65537 octets",
    lambda: jws_post(NEW_ACCOUNT, padded_body(
        raw.jws(NEW_ACCOUNT, TOS, k_big), 65537)),
    413, "malformed", [no_account(k_big)])
k_huge = Key()
row("body of 1000 KiB (below the web server's own cap) to newAccount",
    "POST new-account, valid JWS padded to 1000 KiB",
    lambda: jws_post(NEW_ACCOUNT, padded_body(
        raw.jws(NEW_ACCOUNT, TOS, k_huge), 1000 * 1024)),
    413, "malformed", [no_account(k_huge)])
row("body over 64 KiB to newOrder (kid)",
    "POST new-order, valid kid JWS padded to 70000 octets",
    lambda: jws_post(NEW_ORDER, padded_body(raw.jws(
        NEW_ORDER, {"identifiers": [tn_identifier(fresh_number())]},
        A.key, A.kid), 70000)),
    413, "malformed", [orders_same()])

k_short = Key()


def send_short_length():
    body = body_text(raw.jws(NEW_ACCOUNT, TOS, k_short)).encode()
    return raw_request("POST", url_path(NEW_ACCOUNT), body,
                       content_length=len(body) - 20)


row("Content-Length 20 octets smaller than the body",
    "POST new-account, Content-Length = body - 20 (raw socket)",
    send_short_length, 400, "malformed", [no_account(k_short)])


def empty_body():
    return raw_request("POST", url_path(NEW_ACCOUNT), b"")


row("empty body (Content-Length: 0)", "POST new-account, empty body",
    empty_body, 400, "malformed")

k_lie = Key()


def lying_length_half_close():
    """Content-Length 4000, 300 octets sent, then FIN: the server must
    answer with an error or close; never hang, never 2xx."""
    body = body_text(raw.jws(NEW_ACCOUNT, TOS, k_lie)).encode()[:300]
    c = RawHTTP(timeout=8)
    try:
        c.send(RawHTTP.head("POST", url_path(NEW_ACCOUNT), JOSE_CT, 4000)
               + body)
        c.half_close()
        t0 = time.time()
        r = c.read_response(t0 + 6)
        r.elapsed = time.time() - t0
        return r
    finally:
        c.close()


def check_lying_half_close(r):
    T.diag("lying Content-Length + FIN: %s after %.1f s" % (
        r.summary()[:60], r.elapsed))
    if r.status_code is None:
        if r.timed_out:
            return ["no answer and no close within 6 s (the server hangs "
                    "on a body shorter than its Content-Length)"]
        return []                                   # closed: fine
    if 200 <= r.status_code < 300:
        return ["got %s for a truncated body" % r.status_code]
    return []


row("Content-Length larger than the body, then the client half-closes",
    "POST new-account, Content-Length 4000, 300 octets sent, FIN",
    lying_length_half_close, check=check_lying_half_close,
    want="an error answer or a close within 6 s, never 2xx",
    probes=[no_account(k_lie)])

k_lie2 = Key()


def lying_length_wait():
    """Content-Length 4000, 300 octets sent, connection kept open: other
    clients are served meanwhile; the liar never gets a 2xx."""
    body = body_text(raw.jws(NEW_ACCOUNT, TOS, k_lie2)).encode()[:300]
    c = RawHTTP(timeout=8)
    out = {}
    try:
        c.send(RawHTTP.head("POST", url_path(NEW_ACCOUNT), JOSE_CT, 4000)
               + body)
        time.sleep(0.3)
        s = requests.Session()
        s.trust_env = False
        s.verify = raw.session.verify
        t0 = time.time()
        try:
            h = s.head(raw["newNonce"], timeout=5)
            out["nonce"] = (h.status_code, time.time() - t0)
        except requests.RequestException as e:
            out["nonce"] = ("error %s" % type(e).__name__, time.time() - t0)
        t0 = time.time()
        try:
            p = s.post(NEW_ACCOUNT, data=body_text(raw.jws(
                NEW_ACCOUNT, {"onlyReturnExisting": True}, Key())),
                headers={"Content-Type": JOSE_CT}, timeout=5)
            out["post"] = (p.status_code, time.time() - t0)
        except requests.RequestException as e:
            out["post"] = ("error %s" % type(e).__name__, time.time() - t0)
        r = c.read_response(time.time() + 3)
        r.others = out
        return r
    finally:
        c.close()


def check_lying_wait(r):
    probs = []
    if r.others.get("nonce", (0,))[0] != 200:
        probs.append("HEAD newNonce during the lying request: %s" %
                     (r.others.get("nonce"),))
    if r.others.get("post", (0,))[0] != 400:
        probs.append("newAccount onlyReturnExisting during the lying "
                     "request: %s (expected 400)" % (r.others.get("post"),))
    if r.status_code is not None and 200 <= r.status_code < 300:
        probs.append("the lying request got %s" % r.status_code)
    if not probs and r.status_code is None and r.timed_out:
        T.diag("lying Content-Length: the server still waits for the "
               "promised body after 3 s (allowed; others were served)")
    return probs


row("Content-Length larger than the body, client keeps the connection",
    "POST new-account, Content-Length 4000, 300 octets sent, then wait; "
    "meanwhile HEAD new-nonce and POST new-account from another client",
    lying_length_wait, check=check_lying_wait, probes=[no_account(k_lie2)],
    want="others served within 5 s; never 2xx to the liar")

k_slow = Key()


def slow_body():
    body = body_text(raw.jws(NEW_ACCOUNT, TOS, k_slow)).encode()
    c = RawHTTP(timeout=15)
    try:
        c.send(RawHTTP.head("POST", url_path(NEW_ACCOUNT), JOSE_CT,
                            len(body)))
        step = (len(body) + 7) // 8
        for i in range(0, len(body), step):
            time.sleep(0.25)
            c.send(body[i:i + step])
        return c.read_response(time.time() + 10)
    finally:
        c.close()


def check_slow(r):
    T.diag("slow body: %s" % problem_summary(r))
    if r.status_code == 201:
        rr = raw.new_account(k_slow, {"onlyReturnExisting": True})
        return [] if rr.status_code == 200 else \
            ["201 but the account is not found: %s" % problem_summary(rr)]
    if r.status_code is None:
        return ["no response to a slow body: %s" % r.summary()]
    probs = check_problem(r, r.status_code, "malformed")
    return ["slow body refused (%s) and not cleanly: %s" %
            (problem_summary(r), "; ".join(probs))] if probs else []


row("slow body: headers, then the body in 8 pieces over 2 s",
    "POST new-account, body trickled 0.25 s apart",
    slow_body, check=check_slow,
    want="201 (or a clean problem document)")

# --- content types -------------------------------------------------------

for ctype in ("text/plain", "application/json", None, "application/jose",
              "application/x-www-form-urlencoded"):
    k = Key()
    row("Content-Type %s" % (ctype or "missing"),
        "POST new-account, valid JWS, Content-Type %s" % ctype,
        (lambda k=k, ctype=ctype: jws_post(
            NEW_ACCOUNT, raw.jws(NEW_ACCOUNT, TOS, k), ctype)),
        415, "malformed", [no_account(k)])

# --- methods -------------------------------------------------------------


def plain(method, url, body=b""):
    return lambda: raw_request(method, url_path(url), body,
                               content_type=JOSE_CT if body else None)


def signed_body(url, payload=None, acct=None):
    acct = acct or A
    return lambda: body_text(raw.jws(url, payload, acct.key, acct.kid))


METHOD_ROWS = [
    ("GET", NEW_ACCOUNT, None, []), ("PUT", NEW_ACCOUNT, TOS, []),
    ("DELETE", NEW_ACCOUNT, None, []),
    ("GET", NEW_ORDER, None, [orders_same]), ("PUT", NEW_ORDER, None, []),
    ("OPTIONS", NEW_ORDER, None, []),
    ("GET", A.kid, None, []), ("DELETE", A.kid, None,
                               [lambda: same(A.kid, label="account")]),
    ("GET", O1["url"], None, []), ("PATCH", O1["url"], None, []),
    ("GET", O1["authz_url"], None, []),
    ("GET", O1["chall"]["url"], None, []),
    ("PUT", O1["chall"]["url"], {}, [lambda: chall_same(O1)]),
    ("GET", O3["cert_url"], None, []),
    ("GET", O4["finalize"], None, []),
    ("DELETE", O4["finalize"], None,
     [lambda: same(O4["url"], label="ready order")]),
    ("GET", REVOKE, None, []), ("GET", raw["keyChange"], None, []),
]
for method, url, payload, probes in METHOD_ROWS:
    pr = []
    for p in probes:
        got = p()
        pr.extend(got if isinstance(got, list) else [got])
    if payload is not None or method in ("PUT", "PATCH"):
        def send(method=method, url=url, payload=payload):
            return raw_request(method, url_path(url), signed_body(
                url, payload)())
        what = "%s %s with a signed body" % (method, url_path(url))
    else:
        send = plain(method, url)
        what = "%s %s" % (method, url_path(url))
    row("%s on %s" % (method, url_path(url).split("/")[2]), what, send,
        405, "malformed", pr, extra=allow_post)

# --- ids and paths -----------------------------------------------------

PATH_ROWS = [
    ("order id with ../../etc/passwd", BASE + "/order/../../etc/passwd"),
    ("order id %2e%2e", BASE + "/order/%2e%2e"),
    ("order id %2e%2e%2f%2e%2e%2facct", BASE + "/order/%2e%2e%2f%2e%2e%2facct"),
    ("order id one character short", BASE + "/order/" + O1_ID[:-1]),
    ("order id one character long", BASE + "/order/" + O1_ID + "A"),
    ("order id with '!'", BASE + "/order/" + O1_ID[:-1] + "!"),
    ("order id with '+' (base64, not base64url)",
     BASE + "/order/" + O1_ID[:-1] + "+"),
    ("order id with '=' padding", BASE + "/order/" + O1_ID[:-1] + "="),
    ("order URL with a trailing slash", O1["url"] + "/"),
    ("order id of 4000 characters", BASE + "/order/" + "A" * 4000),
    ("unknown order id of the right shape",
     BASE + "/order/" + b64u(os.urandom(12))),
    ("authz id with a suffix", O1["authz_url"] + "x"),
    ("challenge id one character short", O1["chall"]["url"][:-1]),
    ("certificate id with junk", O3["cert_url"] + "%20junk"),
    ("orders list with an extra segment", A.obj["orders"] + "/extra"),
]
for name, url in PATH_ROWS:
    probes = [NoSms()] if "challenge" in name else []
    row(name, "POST %s (valid kid POST-as-GET for that URL)" %
        url_path(url)[:120],
        (lambda url=url: pag_raw(A, url)), 404, "malformed", probes)

row("unknown path (POST)", "POST /acme/nope, valid kid JWS",
    lambda: pag_raw(A, BASE + "/nope"), 404, "malformed")
row("unknown path (GET)", "GET /acme/nope",
    plain("GET", BASE + "/nope"), 404, "malformed")
row("path extending a program's prefix (/acme/new-orderX)",
    "POST /acme/new-orderX, valid kid newOrder payload",
    lambda: raw_request("POST", url_path(BASE + "/new-orderX"), body_text(
        raw.jws(BASE + "/new-orderX", {"identifiers": [tn_identifier(
            fresh_number())]}, A.key, A.kid))),
    404, "malformed", [orders_same()])
row("bare /acme/", "POST /acme/, valid kid JWS",
    lambda: pag_raw(A, BASE + "/"), 404, "malformed")
row("directory with an extra segment", "GET /acme/directory/extra",
    plain("GET", BASE + "/directory/extra"), 404, "malformed")
k_sub = Key()
row("new-account with an extra segment",
    "POST /acme/new-account/x, valid newAccount JWS for that URL",
    lambda: raw_request("POST", url_path(NEW_ACCOUNT + "/x"), body_text(
        raw.jws(NEW_ACCOUNT + "/x", TOS, k_sub))),
    404, "malformed", [no_account(k_sub)])

# --- JWS serialization and encoding (newAccount; nothing may be created)


def std_b64_payload():
    """A payload whose base64 (standard alphabet) holds '+' or '/' and no
    padding: the same octets, sent in the wrong alphabet."""
    for i in range(200):
        text = compact_json({"termsOfServiceAgreed": True,
                             "x": "?" * i + ">"})
        enc = base64.b64encode(text.encode()).decode()
        if ("+" in enc or "/" in enc) and "=" not in enc:
            return enc
    raise RuntimeError("no payload")


def na_row(name, build, status=400, typ="malformed", extra=None,
           key=None, req=None):
    """newAccount row: build(key) returns the body (dict or text)."""
    k = key or Key()
    row(name, req or "POST new-account: " + name,
        lambda: jws_post(NEW_ACCOUNT, build(k)), status, typ,
        [no_account(k)], extra=extra)


def hdr(k, **kw):
    return header(raw, NEW_ACCOUNT, k, **kw)


def compact(k):
    j = raw.jws(NEW_ACCOUNT, TOS, k)
    return "%s.%s.%s" % (j["protected"], j["payload"], j["signature"])


def general(k):
    j = raw.jws(NEW_ACCOUNT, TOS, k)
    return {"payload": j["payload"], "signatures": [
        {"protected": j["protected"], "signature": j["signature"]}]}


def with_member(name, value):
    def build(k):
        j = raw.jws(NEW_ACCOUNT, TOS, k)
        j[name] = value
        return j
    return build


def without(name):
    def build(k):
        j = raw.jws(NEW_ACCOUNT, TOS, k)
        del j[name]
        return j
    return build


def pad_part(part):
    """Sign, then make one part padded with '=' (the signature covers
    the padded text where the part is signed)."""
    def build(k):
        h = compact_json(hdr(k)).encode()
        p = compact_json(TOS).encode()
        if part == "protected":
            while len(b64u(h)) % 4 == 0:
                h = h[:-1] + b' }'
            prot = b64u(h) + "=" * (-len(b64u(h)) % 4)
            return signed_parts(k, "b64:" + prot, p)
        if part == "payload":
            while len(b64u(p)) % 4 == 0:
                p = p[:-1] + b' }'
            return signed_parts(k, h, "b64:" + b64u(p) + "=" *
                                (-len(b64u(p)) % 4))
        j = signed_parts(k, h, p)
        j["signature"] += "=" * (-len(j["signature"]) % 4 or 4)
        return j
    return build


def protected_bytes(pb):
    """A protected header from exact octets, payload TOS, signed."""
    return lambda k: signed_parts(k, pb(k), compact_json(TOS))


def payload_bytes(pb):
    return lambda k: signed_parts(k, compact_json(hdr(k)), pb)


def hdr_with_raw_member(k, member_json):
    """Header JSON text with member_json (raw octets) added at the end."""
    h = compact_json(hdr(k)).encode()
    return h[:-1] + b"," + member_json + b"}"


def sig_of(k, transform):
    def build(k):
        j = raw.jws(NEW_ACCOUNT, TOS, k)
        sig = base64.urlsafe_b64decode(j["signature"] + "==")
        j["signature"] = transform(sig, j, k)
        return j
    return build


def der_sig(k):
    return raw.jws(NEW_ACCOUNT, TOS, k, der_signature=True)


na_row("compact serialization body", compact)
na_row("general serialization (signatures array)", general)
na_row("flattened plus a signatures member",
       lambda k: dict(raw.jws(NEW_ACCOUNT, TOS, k), signatures=[]))
na_row("unprotected header member",
       with_member("header", {"kid": "x"}))
na_row("b64:false with crit [b64]", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, extra={"b64": False, "crit": ["b64"]}))
na_row("crit [exp] in the protected header", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, extra={"crit": ["exp"], "exp": 1}))
na_row("b64:true without crit", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, extra={"b64": True}))
na_row("payload in the standard base64 alphabet ('+', '/')",
       lambda k: signed_parts(k, compact_json(hdr(k)),
                              "b64:" + std_b64_payload()))
na_row("payload with a character outside base64 ('*')",
       lambda k: signed_parts(k, compact_json(hdr(k)), "b64:" +
                              b64u(compact_json(TOS)) + "*"))
na_row("protected header padded with '='", pad_part("protected"))
na_row("payload padded with '='", pad_part("payload"))
na_row("signature padded with '='", pad_part("signature"))
na_row("newline inside the signature", sig_of(
    None, lambda s, j, k: b64u(s)[:20] + "\n" + b64u(s)[20:]))
na_row("ES256 signature of 63 octets", sig_of(
    None, lambda s, j, k: b64u(s[:63])))
na_row("ES256 signature of 65 octets", sig_of(
    None, lambda s, j, k: b64u(s + b"\0")))
na_row("ES256 signature of 64 zero octets", sig_of(
    None, lambda s, j, k: b64u(b"\0" * 64)))
na_row("DER ECDSA signature", der_sig)
na_row("signature member missing", without("signature"))
na_row("payload member missing (detached payload)", without("payload"))
na_row("protected member missing", without("protected"))
na_row("protected is an object, not a string",
       lambda k: dict(raw.jws(NEW_ACCOUNT, TOS, k), protected=hdr(k)))
na_row("protected is not JSON", protected_bytes(lambda k: b"alg=ES256"))
na_row("protected is a JSON array",
       protected_bytes(lambda k: compact_json([hdr(k)]).encode()))
na_row("body is JSON null", lambda k: "null")
na_row("body is a JSON array", lambda k: [raw.jws(NEW_ACCOUNT, TOS, k)])
na_row("body is not JSON", lambda k: "protected=x&payload=y")
na_row("invalid UTF-8 in the protected header", protected_bytes(
    lambda k: hdr_with_raw_member(k, b'"x":"\xff\xfe"')))
na_row("overlong UTF-8 ('/' as C0 AF) in the protected header",
       protected_bytes(lambda k: hdr_with_raw_member(k, b'"x":"\xc0\xaf"')))
na_row("invalid UTF-8 in the payload",
       payload_bytes(b'{"termsOfServiceAgreed":true,"x":"\xc3\x28"}'))
na_row("UTF-8-encoded surrogate (CESU) in the payload",
       payload_bytes(b'{"termsOfServiceAgreed":true,"x":"\xed\xa0\x80"}'))
def nested_nonce(k, depth=1000):
    h = hdr(k)
    del h["nonce"]
    return raw.jws(NEW_ACCOUNT, TOS, k, protected=compact_json(h)[:-1] +
                   ',"nonce":' + "[" * depth + "]" * depth + "}")


na_row("nonce nested 1000 levels deep in the protected header",
       nested_nonce)
na_row("duplicate member in the body (protected twice)",
       lambda k: (lambda j: '{"protected":"%s","protected":"%s",'
                  '"payload":"%s","signature":"%s"}' % (
                      j["protected"], j["protected"], j["payload"],
                      j["signature"]))(raw.jws(NEW_ACCOUNT, TOS, k)))
na_row("duplicate url member in the protected header (same value)",
       lambda k: raw.jws(NEW_ACCOUNT, TOS, k, protected=compact_json(
           hdr(k))[:-1] + ',"url":"%s"}' % NEW_ACCOUNT))
na_row("duplicate x member in the jwk (same value)",
       lambda k: raw.jws(NEW_ACCOUNT, TOS, k, protected=compact_json(
           hdr(k)).replace('"x":', '"x":"%s","x":' %
                           k.public_jwk()["x"], 1)))
na_row("duplicate member in the payload (same value)",
       payload_bytes(b'{"termsOfServiceAgreed":true,'
                     b'"termsOfServiceAgreed":true}'))

# --- algorithms ---------------------------------------------------------

na_row("alg none (with a signature)", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, alg="none", sign_with=k),
    typ="badSignatureAlgorithm", extra=lists_algorithms)
na_row("alg none (empty signature, RFC 7515 style)", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, alg="none"),
    typ="badSignatureAlgorithm", extra=lists_algorithms)
na_row("alg HS256 (MAC)", lambda k: raw.jws(NEW_ACCOUNT, TOS, k,
                                            alg="HS256"),
       typ="badSignatureAlgorithm", extra=lists_algorithms)
RSA2048 = Key("RS256")
na_row("alg RS384", lambda k: raw.jws(NEW_ACCOUNT, TOS, k, alg="RS384"),
       typ="badSignatureAlgorithm", extra=lists_algorithms, key=RSA2048)
na_row("alg PS256", lambda k: raw.jws(NEW_ACCOUNT, TOS, k, alg="PS256"),
       typ="badSignatureAlgorithm", extra=lists_algorithms,
       key=Key("RS256", RSA2048.priv))
K1 = Key("ES256", ec.generate_private_key(ec.SECP256K1()))
K1_JWK = {"kty": "EC", "crv": "secp256k1",
          "x": b64u(K1.priv.public_key().public_numbers().x.to_bytes(
              32, "big")),
          "y": b64u(K1.priv.public_key().public_numbers().y.to_bytes(
              32, "big"))}
na_row("alg ES256K with a secp256k1 key", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, alg="ES256K", jwk=K1_JWK),
    typ="badSignatureAlgorithm", extra=lists_algorithms, key=K1)
na_row("alg missing", lambda k: raw.jws(NEW_ACCOUNT, TOS, k, drop=("alg",)),
       typ="badSignatureAlgorithm", extra=lists_algorithms)
na_row("alg es256 (wrong case)", lambda k: raw.jws(NEW_ACCOUNT, TOS, k,
                                                   alg="es256"),
       typ="badSignatureAlgorithm", extra=lists_algorithms)

# --- keys (§6.1) --------------------------------------------------------


def jwk_row(name, jwk_fn, key=None, alg=None, typ="badPublicKey"):
    k = key or Key()
    na_row(name, lambda k: raw.jws(NEW_ACCOUNT, TOS, k, alg=alg,
                                   jwk=jwk_fn(k)), typ=typ, key=k)


def rsa_jwk(k, **over):
    j = k.public_jwk()
    j.update(over)
    return j


P256 = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
jwk_row("ES256 jwk with alg ES384", lambda k: k.public_jwk(), alg="ES384")
jwk_row("P-256 jwk with alg ES512", lambda k: k.public_jwk(), alg="ES512")
jwk_row("RSA 1024-bit key", lambda k: k.public_jwk(),
        key=Key("RS256", rsa_bits=1024))
jwk_row("RSA key with an even exponent (65538)",
        lambda k: rsa_jwk(k, e=b64u((65538).to_bytes(3, "big"))),
        key=RSA2048)
jwk_row("RSA key with exponent 1", lambda k: rsa_jwk(k, e="AQ"),
        key=RSA2048)
jwk_row("RSA modulus with a leading zero octet", lambda k: rsa_jwk(
    k, n=b64u(b"\0" + base64.urlsafe_b64decode(
        k.public_jwk()["n"] + "==="))), key=RSA2048)
jwk_row("RSA modulus of 4104 bits",
        lambda k: rsa_jwk(k, n=b64u(b"\xc1" + os.urandom(511) + b"\x01")),
        key=RSA2048)


def off_curve(k):
    j = k.public_jwk()
    y = int.from_bytes(base64.urlsafe_b64decode(j["y"] + "=="), "big")
    j["y"] = b64u(((y + 1) % P256).to_bytes(32, "big"))
    return j


jwk_row("EC point off the curve", off_curve)
jwk_row("EC x of 31 octets", lambda k: dict(k.public_jwk(), x=b64u(
    base64.urlsafe_b64decode(k.public_jwk()["x"] + "==")[1:])))
jwk_row("EC x coordinate >= p", lambda k: dict(
    k.public_jwk(), x=b64u((P256 + 1).to_bytes(33, "big")[1:])))
jwk_row("EC point without y (compressed form)",
        lambda k: {m: v for m, v in k.public_jwk().items() if m != "y"})
ED = Key("EdDSA")
jwk_row("Ed25519 x of 31 octets", lambda k: dict(k.public_jwk(), x=b64u(
    os.urandom(31))), key=ED)
jwk_row("Ed448 key with alg EdDSA", lambda k: {
    "kty": "OKP", "crv": "Ed448", "x": b64u(os.urandom(57))}, key=ED)
jwk_row("private member d in an EC jwk", lambda k: dict(
    k.public_jwk(), d=b64u(k.priv.private_numbers().private_value
                          .to_bytes(32, "big"))))
jwk_row("private members d, p, q in an RSA jwk", lambda k: dict(
    k.public_jwk(), d=b64u(b"\x01" * 256), p=b64u(b"\x03" * 128),
    q=b64u(b"\x05" * 128)), key=RSA2048)
jwk_row("symmetric jwk (kty oct, k)", lambda k: {
    "kty": "oct", "k": b64u(os.urandom(32))})
jwk_row("jwk with an unknown kty", lambda k: dict(k.public_jwk(),
                                                   kty="XYZ"))

# --- jwk / kid forms ----------------------------------------------------

row("both jwk and kid on newOrder", "POST new-order, header jwk + kid",
    lambda: raw.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, A.key, A.kid, jwk=A.key.public_jwk()),
    400, "malformed", [orders_same()])
na_row("neither jwk nor kid on newAccount",
       lambda k: raw.jws(NEW_ACCOUNT, TOS, k, jwk=None))
row("kid (of an existing account) on newAccount",
    "POST new-account signed by A with kid",
    lambda: raw.post(NEW_ACCOUNT, TOS, A.key, A.kid), 400, "malformed",
    [same(A.kid, label="account A")])
row("jwk (of the account key) on newOrder",
    "POST new-order with jwk instead of kid",
    lambda: raw.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, A.key), 400, "malformed", [orders_same()])
row("kid of an unknown account",
    "POST new-order, kid = BASE/acct/<random id>",
    lambda: raw.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, A.key, BASE + "/acct/" + b64u(os.urandom(12))),
    400, "accountDoesNotExist", [orders_same()])
row("kid that is a number", "POST new-order, kid = 1",
    lambda: raw.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, A.key, 1), 400, "accountDoesNotExist",
    [orders_same()])
row("kid of the account on another host",
    "POST new-order, kid with 127.0.0.1 instead of the host name",
    lambda: raw.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, A.key, A.kid.replace(
            "//" + A.kid.split("/")[2], "//127.0.0.1:1")),
    400, "accountDoesNotExist", [orders_same()])
row("kid with a trailing slash", "POST new-order, kid = account URL + '/'",
    lambda: raw.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, A.key, A.kid + "/"),
    400, "accountDoesNotExist", [orders_same()])
row("kid of a deactivated account (POST-as-GET of itself)",
    "POST acct/D, POST-as-GET signed by deactivated D",
    lambda: D.get(D.kid), 401, "unauthorized")
row("kid of a deactivated account (newOrder)",
    "POST new-order signed by deactivated D",
    lambda: D.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}), 401, "unauthorized")
row("newAccount with the key of a deactivated account",
    "POST new-account, jwk = D's key",
    lambda: raw.new_account(D.key), 401, "unauthorized",
    [Custom(lambda: None, lambda s: (lambda r: None if r.status_code == 401
                                     else "onlyReturnExisting for D's key: "
                                     "%s, expected 401" % problem_summary(r))(
        raw.new_account(D.key, {"onlyReturnExisting": True})))])
row("ES256 account, alg ES384 in the header",
    "POST new-order, kid A (P-256), alg ES384",
    lambda: raw.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, A.key, A.kid, alg="ES384"),
    400, "malformed", [orders_same()])
row("RSA account, alg ES256 in the header",
    "POST new-order, kid R (RSA), alg ES256 signed by a P-256 key",
    lambda: raw.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, R.key, R.kid, alg="ES256", sign_with=Key()),
    400, "malformed", [orders_same(R)])
row("signature by another account's key (kid A, signed by B)",
    "POST new-order, kid A, signature by B's key",
    lambda: raw.post(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, A.key, A.kid, sign_with=B.key),
    400, "malformed", [orders_same()])


def flipped(k):
    j = raw.jws(NEW_ACCOUNT, TOS, k)
    s = bytearray(base64.urlsafe_b64decode(j["signature"] + "=="))
    s[10] ^= 1
    j["signature"] = b64u(bytes(s))
    return j


na_row("one signature bit flipped", flipped)

# --- nonces -------------------------------------------------------------


def replay():
    jws = raw.jws(NEW_ORDER, {"identifiers": [tn_identifier(
        fresh_number())]}, A.key, A.kid)
    first = jws_post(NEW_ORDER, jws)
    second = jws_post(NEW_ORDER, jws)
    second.first = first
    return second


def replay_probe():
    def after(before):
        now = A.orders()
        grown = [u for u in now if u not in before]
        if len(grown) != 1:
            return "orders list grew by %d (expected exactly 1: the " \
                "first send only)" % len(grown)
        return None
    return Custom(A.orders, after)


row("replayed JWS (the same body twice)",
    "POST new-order twice with the same body; the second is checked",
    replay, 400, "badNonce", [replay_probe()],
    extra=lambda r: [] if r.first.status_code == 201 else
    ["the first send got %s" % problem_summary(r.first)])
na_row("nonce never issued", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, nonce=b64u(os.urandom(24))), typ="badNonce")


def flip_nonce(k):
    n = raw.new_nonce()
    n = n[:-2] + ("A" if n[-2] != "A" else "B") + n[-1]
    return raw.jws(NEW_ACCOUNT, TOS, k, nonce=n)


na_row("issued nonce with one character changed", flip_nonce,
       typ="badNonce")
na_row("nonce missing", lambda k: raw.jws(NEW_ACCOUNT, TOS, k, nonce=None),
       typ="badNonce")
na_row("nonce not base64url", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, nonce="ab+/cd=="))
na_row("nonce is a number", lambda k: raw.jws(NEW_ACCOUNT, TOS, k,
                                              nonce=12345))

# --- url ------------------------------------------------------------------

row("JWS signed for another URL (newAccount URL, posted to newOrder)",
    "POST new-order, kid A, protected url = new-account URL",
    lambda: jws_post(NEW_ORDER, raw.jws(NEW_ACCOUNT, {
        "identifiers": [tn_identifier(fresh_number())]}, A.key, A.kid)),
    403, "unauthorized", [orders_same()])
na_row("url missing", lambda k: raw.jws(NEW_ACCOUNT, TOS, k, drop=("url",)),
       status=403, typ="unauthorized")
na_row("url with http:// instead of https://", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, extra={"url": NEW_ACCOUNT.replace(
        "https://", "http://", 1)}), status=403, typ="unauthorized")
na_row("url with 127.0.0.1 for the host name", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, extra={"url": NEW_ACCOUNT.replace(
        "//" + NEW_ACCOUNT.split("/")[2],
        "//127.0.0.1:" + NEW_ACCOUNT.split("/")[2].rsplit(":", 1)[-1])}),
    status=403, typ="unauthorized")
na_row("url with a trailing slash", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, extra={"url": NEW_ACCOUNT + "/"}),
    status=403, typ="unauthorized")
na_row("url is a number", lambda k: raw.jws(
    NEW_ACCOUNT, TOS, k, extra={"url": 443}), status=403,
    typ="unauthorized")

# --- another account's resources (403 unauthorized) --------------------

X = [
    ("B reads A's account", "POST-as-GET acct/A by B",
     lambda: B.get(A.kid), [same(A.kid, label="account A")]),
    ("B deactivates A's account", "POST acct/A {status: deactivated} by B",
     lambda: B.post(A.kid, {"status": "deactivated"}),
     [same(A.kid, label="account A")]),
    ("B reads A's orders list", "POST-as-GET acct/A/orders by B",
     lambda: B.get(A.obj["orders"]), []),
    ("B reads A's order", "POST-as-GET order/O1 by B",
     lambda: B.get(O1["url"]), []),
    ("B reads A's authorization", "POST-as-GET authz/O1 by B",
     lambda: B.get(O1["authz_url"]), []),
    ("B deactivates A's authorization",
     "POST authz/O1 {status: deactivated} by B",
     lambda: B.post(O1["authz_url"], {"status": "deactivated"}),
     [same(O1["authz_url"], label="authz O1"),
      same(O1["url"], label="order O1")]),
    ("B triggers the SMS of A's challenge", "POST chall/O1 {} by B",
     lambda: B.post(O1["chall"]["url"], {}), chall_same(O1)),
    ("B answers A's challenge with the right digest",
     "POST chall/O2 {keyAuthorization: A's correct digest} by B",
     lambda: B.post(O2["chall"]["url"], {"keyAuthorization": sms_digest(
         CODE2, O2["chall"]["token"], A.key.thumbprint())}),
     chall_same(O2) + [same(O2["url"], label="order O2")]),
    ("B reads A's challenge", "POST-as-GET chall/O3 by B",
     lambda: B.get(O3["chall"]["url"]), []),
    ("B downloads A's certificate", "POST-as-GET cert/O3 by B",
     lambda: B.get(O3["cert_url"]), []),
    ("B finalizes A's ready order", "POST finalize/O4 {csr} by B",
     lambda: B.post(O4["finalize"], {"csr": b64u(CSR4)}),
     [same(O4["url"], label="order O4")]),
    ("B revokes A's certificate", "POST revoke-cert {certificate} kid B",
     lambda: B.post(REVOKE, {"certificate": b64u(CERT3)}), []),
]
for name, req, send, probes in X:
    row(name, req, send, 403, "unauthorized", probes)

# --- newOrder payloads (kid A; the orders list must not change) --------


def order_row(name, payload, typ, status=400, text=None):
    """payload: a dict, or text=the exact payload JSON text."""
    body = text if text is not None else payload
    row("newOrder: " + name, "POST new-order, kid A, payload %s" % (
        text[:100] if text is not None else json.dumps(payload)[:160]),
        lambda: A.post(NEW_ORDER, body), status, typ, [orders_same()])


def ident(value, typ="TNAuthList"):
    return {"identifiers": [{"type": typ, "value": value}]}


def der_value(der):
    return b64u(der)


n = fresh_number()
one = tnauthlist_der(n)
order_row("dns identifier", ident("platform.example", "dns"),
          "unsupportedIdentifier")
order_row("ip identifier", ident("127.0.0.1", "ip"), "unsupportedIdentifier")
order_row("type tnauthlist (wrong case)", ident(tnauthlist_value(n),
                                                "tnauthlist"),
          "unsupportedIdentifier")
order_row("two identifiers", {"identifiers": [
    tn_identifier(fresh_number()), tn_identifier(fresh_number())]},
    "malformed")
order_row("empty identifiers list", {"identifiers": []}, "malformed")
order_row("no identifiers member", {"notBefore": "2030-01-01T00:00:00Z"},
          "malformed")
order_row("identifiers is an object", {"identifiers": tn_identifier(n)},
          "malformed")
order_row("identifier without value", {"identifiers": [
    {"type": "TNAuthList"}]}, "malformed")
order_row("SPC entry", ident("MAigBhYEMTIzNA"), "rejectedIdentifier")
order_row("range entry", ident("MBShEjAQFgsxMjAyNTU1MDEwMAIBZA"),
          "rejectedIdentifier")
order_row("two numbers in one list", ident(tnauthlist_value(
    fresh_number(), fresh_number())), "rejectedIdentifier")
order_row("16 digits", ident(tnauthlist_value("1202555012345678")),
          "rejectedIdentifier")
order_row("'*67'", ident("MAeiBRYDKjY3"), "rejectedIdentifier")
order_row("'#' in the number", ident(tnauthlist_value("1202555#123")),
          "rejectedIdentifier")
order_row("'+' before the digits", ident(tnauthlist_value("+12025550123")),
          "rejectedIdentifier")
order_row("empty number", ident(tnauthlist_value("")),
          "rejectedIdentifier")
order_row("value in standard base64 ('+')", ident("MA+iDRYLMTIwMjU1NTAxMjM"),
          "malformed")
order_row("value padded", ident("MA-iDRYLMTIwMjU1NTAxMjM="), "malformed")
order_row("value not DER (ASCII digits)", ident("MTIwMjU1NTAxMjM"),
          "malformed")
order_row("non-minimal length octets (30 81 0f)", ident(der_value(
    b"\x30\x81" + one[1:])), "malformed")
order_row("a trailing octet after the DER", ident(der_value(one + b"\0")),
          "malformed")
order_row("indefinite length (BER)", ident(der_value(
    b"\x30\x80" + one[2:] + b"\0\0")), "malformed")
order_row("IMPLICIT [2] instead of EXPLICIT", ident(der_value(der_tlv(
    0x30, der_tlv(0x82, n.encode())))), "malformed")
order_row("value empty", ident(""), "malformed")
order_row("value is a number", ident(12025550123), "malformed")
order_row("value is a huge integer", ident(10 ** 40), "malformed")
order_row("identifiers nested 20000 levels deep", None, "malformed",
          text='{"identifiers":' + "[" * 20000 + "]" * 20000 + "}")
v = tnauthlist_value(fresh_number())
order_row("duplicate identifiers member (same value)", None, "malformed",
          text='{"identifiers":[{"type":"TNAuthList","value":"%s"}],'
          '"identifiers":[{"type":"TNAuthList","value":"%s"}]}' % (v, v))
for what, nb in (("notBefore 'yesterday'", {"notBefore": "yesterday"}),
                 ("notAfter in month 13", {"notAfter":
                                           "2030-13-01T00:00:00Z"}),
                 ("notBefore is a number", {"notBefore": 1700000000}),
                 ("notBefore a huge integer", {"notBefore": 10 ** 30}),
                 ("notAfter before notBefore",
                  {"notBefore": "2030-02-01T00:00:00Z",
                   "notAfter": "2030-01-01T00:00:00Z"}),
                 ("notAfter 10 years ahead",
                  {"notAfter": time.strftime(
                      "%Y-%m-%dT%H:%M:%SZ",
                      time.gmtime(time.time() + 3650 * 86400))})):
    p = {"identifiers": [tn_identifier(fresh_number())]}
    p.update(nb)
    order_row(what, p, "malformed")

# --- challenge responses (no try counted, nothing sent) ----------------

TOKEN2 = O2["chall"]["token"]
GOOD2 = sms_digest(CODE2, TOKEN2, A.key.thumbprint())
WRONG = b64u(hashlib.sha256(b"wrong").digest())
KA_ROWS = [
    ("null", None), ("a number", 123456), ("a huge integer", 10 ** 40),
    ("the raw key authorization", "%s%s.%s" % (CODE2, TOKEN2,
                                                A.key.thumbprint())),
    ("the digest padded with '='", GOOD2 + "="),
    ("42 characters", GOOD2[:42]), ("44 characters", GOOD2 + "A"),
    ("43 characters of standard base64 ('+')", "+" + GOOD2[1:]),
    ("an empty string", ""), ("an array", [GOOD2]),
    ("an object", {"digest": GOOD2}), ("the digest with a space",
                                       GOOD2[:20] + " " + GOOD2[21:]),
    ("the code itself", CODE2),
]
for what, value in KA_ROWS:
    row("keyAuthorization %s" % what,
        "POST chall/O2 (processing) {keyAuthorization: %s}" %
        json.dumps(value)[:60],
        (lambda value=value: A.post(O2["chall"]["url"],
                                    {"keyAuthorization": value})),
        400, "malformed",
        chall_same(O2) + [same(O2["url"], label="order O2")])
row("duplicate keyAuthorization members (same well-formed wrong value)",
    "POST chall/O2, payload with keyAuthorization twice",
    lambda: A.post(O2["chall"]["url"], '{"keyAuthorization":"%s",'
                   '"keyAuthorization":"%s"}' % (WRONG, WRONG)),
    400, "malformed", chall_same(O2))
row("keyAuthorization while the challenge is pending (no code sent)",
    "POST chall/O1 (pending) {keyAuthorization: well-formed digest}",
    lambda: A.post(O1["chall"]["url"], {"keyAuthorization": WRONG}),
    400, "malformed", chall_same(O1))
row("challenge payload nested 5000 levels deep",
    "POST chall/O1 (pending), payload {x: [[[...]]]}",
    lambda: A.post(O1["chall"]["url"], '{"x":' + "[" * 5000 + "]" * 5000
                   + "}"), 400, "malformed", chall_same(O1))

# --- finalize ------------------------------------------------------------

CSR1, _ = make_csr(tnauthlist_der(O1["number"]))
row("finalize a pending order", "POST finalize/O1 {csr} (order pending)",
    lambda: A.post(O1["finalize"], {"csr": b64u(CSR1)}), 403,
    "orderNotReady", [same(O1["url"], label="order O1")])
row("finalize a valid order again", "POST finalize/O3 {csr} (order valid)",
    lambda: A.post(O3["finalize"], {"csr": b64u(CSR3)}), 403,
    "orderNotReady", [same(O3["url"], label="order O3")])
row("finalize with POST-as-GET", "POST finalize/O4, payload \"\"",
    lambda: A.get(O4["finalize"]), 400, "malformed",
    [same(O4["url"], label="order O4")])
row("order POST with a non-empty payload", "POST order/O1 {}",
    lambda: A.post(O1["url"], {}), 400, "malformed",
    [same(O1["url"], label="order O1")])

# --- account and authorization updates --------------------------------

row("account status revoked by the client", "POST acct/A {status: revoked}",
    lambda: A.post(A.kid, {"status": "revoked"}), 400, "malformed",
    [same(A.kid, label="account A")])
row("account status a huge integer", "POST acct/A {status: 10**40}",
    lambda: A.post(A.kid, '{"status":%d}' % 10 ** 40), 400, "malformed",
    [same(A.kid, label="account A")])
E = Account(raw)
row("duplicate status members in an account update",
    "POST acct/E '{\"status\":\"valid\",\"status\":\"deactivated\"}'",
    lambda: E.post(E.kid, '{"status":"valid","status":"deactivated"}'),
    400, "malformed", [same(E.kid, E, "account E")])
row("authorization status valid set by the client",
    "POST authz/O1 {status: valid}",
    lambda: A.post(O1["authz_url"], {"status": "valid"}), 400, "malformed",
    [same(O1["authz_url"], label="authz O1")])

# --- revocation reasons -------------------------------------------------

for reason in (2, 6, 7, 8, 9, 10, 11, -1, 2 ** 32 + 1):
    row("revocation reason %d" % reason,
        "POST revoke-cert kid A {certificate: O3, reason: %d}" % reason,
        (lambda reason=reason: A.post(REVOKE, '{"certificate":"%s",'
                                      '"reason":%d}' % (b64u(CERT3),
                                                        reason))),
        400, "badRevocationReason")

# An integer past the int64 range makes the whole payload malformed: the
# JSON parser refuses what it would otherwise silently clamp.
row("revocation reason 2**64+1",
    "POST revoke-cert kid A {certificate: O3, reason: 18446744073709551617}",
    (lambda: A.post(REVOKE, '{"certificate":"%s","reason":%d}' %
                    (b64u(CERT3), 2 ** 64 + 1))),
    400, "malformed")


# ------------------------------------------------------------- run it

def run_row(rw):
    probs = []
    r = None
    try:
        for p in rw.probes:
            p.before()
        r = rw.send()
        if rw.check is not None:
            probs += rw.check(r)
        else:
            probs += check_problem(r, rw.status, rw.typ)
            if rw.extra is not None and r.status_code is not None:
                probs += rw.extra(r)
        for p in rw.probes:
            d = p.after()
            if d:
                probs.append("state changed: " + d)
    except Exception:  # noqa: BLE001 - a failed row
        probs.append("raised:\n" + traceback.format_exc())
    want = "%s %s" % (rw.status, rw.typ) if rw.status else rw.want
    got = problem_summary(r) if r is not None else "exception"
    if probs:
        probs.insert(0, "request: %s" % rw.req)
        probs.insert(1, "expected: %s; got: %s" % (want, got))
    T.ok(not probs, "%s: %s" % (rw.name, want), "\n".join(probs))
    return None if not probs else (rw.name, rw.req, want, got)


def error_log_size():
    try:
        return os.path.getsize(os.path.join(os.environ["IDP_ROOT"], "run",
                                            "error.log"))
    except (KeyError, OSError):
        return 0


log_start = error_log_size()
T.diag("catalogue: %d hostile requests" % len(ROWS))
failures = [f for f in (run_row(rw) for rw in ROWS) if f]


# ------------------------------------------------------------- afterwards

def after_checks():
    # The malformed answers counted no try: one real wrong code → 4 left.
    wrong = sms_digest("%06d" % ((int(CODE2) + 1) % 1000000), TOKEN2,
                       A.key.thumbprint())
    r = A.post(O2["chall"]["url"], {"keyAuthorization": wrong})
    T.ok(not check_problem(r, 400, "incorrectResponse"),
         "after the catalogue: a real wrong code → 400 incorrectResponse",
         "\n".join(check_problem(r, 400, "incorrectResponse")))
    rem = r.json().get("remainingTries") if r.status_code == 400 else None
    T.eq(rem, 4, "after the catalogue: remainingTries 4 (no malformed "
         "answer counted a try)")
    T.eq(A.get_json(O2["chall"]["url"]).get("status"), "processing",
         "after the catalogue: challenge O2 still processing")
    T.eq(sms_count(O2["number"]), 1, "after the catalogue: one SMS to "
         "O2's number")
    T.eq(sms_count(O1["number"]), 0, "after the catalogue: no SMS to O1's "
         "number")
    T.eq(A.get_json(O4["url"]).get("status"), "ready",
         "after the catalogue: order O4 still ready")
    T.eq(A.get_json(A.kid).get("status"), "valid",
         "after the catalogue: account A still valid")
    # The refused revocations revoked nothing: a good one succeeds now.
    r = A.post(REVOKE, {"certificate": b64u(CERT3), "reason": 1})
    T.ok(r.status_code == 200, "after the catalogue: revoking O3's "
         "certificate with reason 1 → 200 (it was not revoked before)",
         problem_summary(r))
    r = A.post(O4["finalize"], {"csr": b64u(CSR4)})
    T.ok(r.status_code == 200 and r.json().get("status") == "valid",
         "after the catalogue: O4 still finalizes → 200 valid",
         problem_summary(r))
    # No FastCGI program died on the way.
    try:
        with open(os.path.join(os.environ["IDP_ROOT"], "run",
                               "error.log"), "rb") as f:
            f.seek(log_start)
            text = f.read().decode("utf-8", "replace")
    except (KeyError, OSError):
        text = ""
    deaths = [line for line in text.splitlines()
              if "signal" in line.lower() or "child exited" in line.lower()
              or "died" in line.lower()]
    T.ok(not deaths, "no FastCGI program died during the catalogue",
         "\n".join(deaths[:10]))


T.section(after_checks)
T.diag("catalogue: %d hostile requests, %d as specified, %d not" % (
    len(ROWS), len(ROWS) - len(failures), len(failures)))
for name, req, want, got in failures:
    T.diag("FAILED %s | %s | expected %s | got %s" % (name, req, want, got))
T.done()
