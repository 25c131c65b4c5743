"""A refused request changes nothing, through a real lighttpd.

For every resource that takes a POST, a request the server refuses gets an
RFC 7807 problem document with the right ACME type and a fresh Replay-Nonce,
and leaves the store byte-identical: every Berkeley DB database of the data
folder is dumped with db5.3_dump before and after and compared (nonces.db
aside: the refused request's nonce is used up, as it must be, so that the
request cannot be replayed); on PostgreSQL (IDPROVER_STORE a URI) every
table, its rows in a fixed order (used_nonces aside). The one kept outcome, a wrong code, shows that
it is kept. Also here: strings with a NUL or a control character, the
validity window of newOrder, E.164 numbers, CRL numbers, nonces of 128
random bits, a 10 KB kid, a path with %00, keyChange without an inner url.
"""

import base64
import glob
import json
import os
import subprocess

from cryptography import x509

from acmetest import (DIRECTORY_URL, VAR, Key, Raw, Tests, b64u, b64u_decode,
                      fresh_number, make_csr, require_env, sms_digest,
                      tn_identifier, tnauthlist_der, tnauthlist_value,
                      wait_sms_code, sms_count)
from hostile import Account, check_problem, raw_request, url_path

require_env()
T = Tests("a refused request changes nothing")
raw = Raw()
T.index_url = DIRECTORY_URL
DB_DIR = os.path.join(VAR, "db")


STORE_URI = os.environ.get("IDPROVER_STORE", "")
PSQL = os.path.join(os.environ["PG_BIN"], "psql") \
    if os.environ.get("PG_BIN") else "psql"


def psql(sql):
    r = subprocess.run([PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-d", STORE_URI, "-c", sql],
                       capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("psql %s: %s" % (sql, r.stderr))
    return r.stdout


def dump_pg():
    """{table: its rows as text, sorted} of every table but the nonces."""
    out = {}
    tables = psql("SELECT table_name FROM information_schema.tables WHERE "
                  "table_schema = 'public' AND table_type = 'BASE TABLE' "
                  "ORDER BY 1").decode().split()
    for t in tables:
        if t not in ("used_nonces", "schema_version"):
            out[t] = psql('SELECT r::text FROM "%s" r ORDER BY 1' % t)
    return out


def dump_store():
    """{file: dump text} of every database but the nonces."""
    if STORE_URI.startswith(("postgresql://", "postgres://")):
        out = dump_pg()
        if len(out) < 5:
            raise RuntimeError("only %d tables in %s" % (len(out), STORE_URI))
        return out
    out = {}
    for path in sorted(glob.glob(os.path.join(DB_DIR, "*.db"))):
        name = os.path.basename(path)
        if name == "nonces.db":
            continue
        r = subprocess.run(["db5.3_dump", "-p", "-h", DB_DIR, name],
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("db5.3_dump %s: %s" % (name, r.stderr))
        out[name] = r.stdout
    if len(out) < 5:
        raise RuntimeError("only %d databases in %s" % (len(out), DB_DIR))
    return out


def diff_store(before, after):
    changed = [n for n in sorted(set(before) | set(after))
               if before.get(n) != after.get(n)]
    return "changed: %s" % ", ".join(changed) if changed else None


def refused(name, send, status, typ, detail=None):
    """send() is refused with status/typ and the store stays the same."""
    before = dump_store()
    r = send()
    T.problem(r, status, typ, "%s: %d %s, with a nonce" % (name, status,
                                                           typ))
    if detail is not None:
        got = r.json().get("detail", "") if r.headers.get(
            "Content-Type", "").startswith("application/problem") else ""
        T.ok(detail in got, "%s: detail says %r" % (name, detail),
             "detail: %r" % got)
    d = diff_store(before, dump_store())
    T.ok(d is None, "%s: the store is byte-identical" % name, d)
    return r


def new_order(acct, number, extra=None):
    payload = {"identifiers": [tn_identifier(number)]}
    payload.update(extra or {})
    r = acct.post(raw["newOrder"], payload)
    if r.status_code != 201:
        raise RuntimeError("newOrder: %s %s" % (r.status_code, r.text[:300]))
    return r.headers["Location"], r.json()


def ready_order(acct, number):
    """An order whose challenge is answered: (order url, order, code)."""
    url, order = new_order(acct, number)
    authz = acct.get_json(order["authorizations"][0])
    chall = authz["challenges"][0]
    seen = sms_count(number)
    r = acct.post(chall["url"], {})
    if r.status_code != 200:
        raise RuntimeError("challenge {}: %s %s" % (r.status_code, r.text))
    code = wait_sms_code(number, seen)
    ka = sms_digest(code, chall["token"], acct.key.thumbprint())
    r = acct.post(chall["url"], {"keyAuthorization": ka})
    if r.status_code != 200:
        raise RuntimeError("answer: %s %s" % (r.status_code, r.text))
    return url, acct.get_json(url), chall


# ------------------------------------------------------------ accounts

def accounts():
    a = Account(raw, payload={"termsOfServiceAgreed": True,
                              "contact": ["mailto:ops@example.org"]})
    number = fresh_number()
    order_url, _ = new_order(a, number)
    # The reproduction of the issue: deactivation plus a refused contact.
    refused("account: deactivate with a tel: contact",
            lambda: a.post(a.kid, {"status": "deactivated",
                                   "contact": ["tel:+1555"]}),
            400, "unsupportedContact")
    T.eq(a.get_json(order_url)["status"], "pending",
         "account: the pending order stayed pending")
    T.eq(a.get_json(a.kid)["status"], "valid", "account: still valid")
    refused("account: status deactivated\\u0000junk",
            lambda: a.post(a.kid, '{"status":"deactivated\\u0000junk"}'),
            400, "malformed")
    refused("account: contact with NUL and a header",
            lambda: a.post(a.kid, '{"contact":["mailto:a@example.org'
                           '\\u0000\\r\\nX-Injected: 1"]}'),
            400, "invalidContact")
    refused("account: contact with CR LF",
            lambda: a.post(a.kid, '{"contact":["mailto:a@example.org'
                           '\\r\\nX-Injected: 1"]}'),
            400, "invalidContact")
    T.eq(a.get_json(a.kid).get("contact"), ["mailto:ops@example.org"],
         "account: the contact is unchanged")
    refused("account: status valid, bad contact",
            lambda: a.post(a.kid, {"status": "valid",
                                   "contact": ["mailto:a@@x"]}),
            400, "invalidContact")
    # New accounts: a refused contact creates none.
    k = Key()
    refused("newAccount: contact with NUL",
            lambda: raw.new_account(k, '{"termsOfServiceAgreed":true,'
                                    '"contact":["mailto:a@example.org'
                                    '\\u0000x"]}'),
            400, "invalidContact")
    refused("newAccount: tel: contact",
            lambda: raw.new_account(k, {"termsOfServiceAgreed": True,
                                        "contact": ["tel:+12025550123"]}),
            400, "unsupportedContact")
    # Header strings are whole: a kid with NUL and junk is not the kid.
    refused("kid with \\u0000junk",
            lambda: raw.send(a.kid, raw.jws(
                a.kid, None, a.key, protected=json.dumps(
                    {"alg": a.key.alg, "nonce": raw.nonce(), "url": a.kid,
                     "kid": a.kid + "\u0000junk"}))),
            400, "malformed")
    refused("url with \\u0000junk",
            lambda: raw.send(a.kid, raw.jws(
                a.kid, None, a.key, protected=json.dumps(
                    {"alg": a.key.alg, "nonce": raw.nonce(),
                     "url": a.kid + "\u0000junk", "kid": a.kid}))),
            400, "malformed")
    refused("alg with \\u0000junk",
            lambda: raw.send(a.kid, raw.jws(
                a.kid, None, a.key, protected=json.dumps(
                    {"alg": a.key.alg + "\u0000junk", "nonce": raw.nonce(),
                     "url": a.kid, "kid": a.kid}))),
            400, "malformed")
    refused("a kid of 10 KB",
            lambda: a.post(a.kid, None, extra={"kid": a.kid + "0" * 10240}),
            400, "malformed", detail="too long")
    refused("a kid of 2 KB",
            lambda: a.post(a.kid, None, extra={"kid": a.kid + "0" * 2048}),
            400, "malformed", detail="too long")
    return a


def key_change(a):
    new = Key()
    url = raw["keyChange"]
    inner = raw.key_change_body(url, a.kid, a.key, new)
    inner_nourl = raw.jws(url, {"account": a.kid,
                                "oldKey": a.key.public_jwk()},
                          new, nonce=None, drop=("url",))
    refused("keyChange: inner JWS without url",
            lambda: a.post(url, inner_nourl), 400, "malformed")
    inner_nul = raw.jws(url, '{"account":"%s\\u0000x","oldKey":%s}' % (
        a.kid, json.dumps(a.key.public_jwk())), new, nonce=None)
    refused("keyChange: account with NUL",
            lambda: a.post(url, inner_nul), 400, "malformed")
    T.ok(inner is not None, "keyChange: a proper inner JWS builds")


# ------------------------------------------------------------ orders

def orders(a):
    refused("newOrder: number with a leading 0",
            lambda: a.post(raw["newOrder"], {"identifiers": [
                tn_identifier("012025550123")]}),
            400, "rejectedIdentifier")
    refused("newOrder: number 00...",
            lambda: a.post(raw["newOrder"], {"identifiers": [
                tn_identifier("0012025550123")]}),
            400, "rejectedIdentifier")
    refused("newOrder: number 000000000000000",
            lambda: a.post(raw["newOrder"], {"identifiers": [
                tn_identifier("000000000000000")]}),
            400, "rejectedIdentifier")
    refused("newOrder: number 1",
            lambda: a.post(raw["newOrder"], {"identifiers": [
                tn_identifier("1")]}),
            400, "rejectedIdentifier")
    number = fresh_number()
    ident = {"identifiers": [tn_identifier(number)]}

    def validity(nb=None, na=None):
        p = dict(ident)
        if nb is not None:
            p["notBefore"] = nb
        if na is not None:
            p["notAfter"] = na
        return lambda: a.post(raw["newOrder"], p)

    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)

    def t(delta):
        return (now + delta).strftime("%Y-%m-%dT%H:%M:%SZ")
    day = datetime.timedelta(days=1)
    hour = datetime.timedelta(hours=1)
    refused("newOrder: notBefore an hour ago", validity(nb=t(-hour)),
            400, "malformed")
    refused("newOrder: notBefore after the order's expiry",
            validity(nb=t(2 * day)), 400, "malformed")
    refused("newOrder: notBefore 89 days ahead",
            validity(nb=t(89 * day)), 400, "malformed")
    refused("newOrder: notAfter past now + cert_max_days",
            validity(nb=t(hour), na=t(90 * day + 2 * hour)),
            400, "malformed")
    refused("newOrder: notAfter - notBefore > cert_max_days",
            validity(na=t(91 * day)), 400, "malformed")
    refused("newOrder: notBefore with \\u0000",
            lambda: a.post(raw["newOrder"], '{"identifiers":[%s],'
                           '"notBefore":"%s\\u0000x"}' % (
                               json.dumps(tn_identifier(number)),
                               t(hour))),
            400, "malformed")
    # Inside the window: accepted, and the times are echoed.
    r = a.post(raw["newOrder"], dict(ident, notBefore=t(hour),
                                     notAfter=t(30 * day)))
    T.eq(r.status_code, 201, "newOrder: notBefore in an hour, 30 days: 201")
    order = r.json()
    url = r.headers.get("Location")
    refused("order: a payload on the order URL",
            lambda: a.post(url, {}), 400, "malformed")
    refused("authz: status deactivated\\u0000x",
            lambda: a.post(order["authorizations"][0],
                           '{"status":"deactivated\\u0000x"}'),
            400, "malformed")
    refused("finalize: an order that is not ready",
            lambda: a.post(order["finalize"], {"csr": b64u(make_csr(
                tnauthlist_der(number))[0])}),
            403, "orderNotReady")
    chall = a.get_json(order["authorizations"][0])["challenges"][0]
    refused("challenge: keyAuthorization before a code was sent",
            lambda: a.post(chall["url"], {"keyAuthorization": "A" * 43}),
            400, "malformed")
    return order


def challenge_and_cert(a):
    number = fresh_number()
    url, order = new_order(a, number)
    authz = a.get_json(order["authorizations"][0])
    chall = authz["challenges"][0]
    seen = sms_count(number)
    r = a.post(chall["url"], {})
    T.eq(r.status_code, 200, "challenge {}: 200")
    code = wait_sms_code(number, seen)
    ka = sms_digest(code, chall["token"], a.key.thumbprint())
    refused("challenge: keyAuthorization with \\u0000",
            lambda: a.post(chall["url"], '{"keyAuthorization":"%s\\u0000"}'
                           % ka),
            400, "malformed")
    # The kept outcome: a wrong code counts (remainingTries goes down).
    before = dump_store()
    wrong = sms_digest("%06d" % ((int(code) + 1) % 1000000), chall["token"],
                       a.key.thumbprint())
    r = a.post(chall["url"], {"keyAuthorization": wrong})
    T.problem(r, 400, "incorrectResponse", "challenge: a wrong code: 400")
    T.eq(r.json().get("remainingTries"), 4, "challenge: 4 tries left")
    T.ok(diff_store(before, dump_store()) is not None,
         "challenge: the failed try is kept in the store")
    r = a.post(chall["url"], {"keyAuthorization": ka})
    T.eq(r.status_code, 200, "challenge: the right code: 200")
    order = a.get_json(url)
    refused("finalize: csr with \\u0000",
            lambda: a.post(order["finalize"], '{"csr":"MIIB\\u0000"}'),
            400, "malformed")
    refused("finalize: a CSR for another number",
            lambda: a.post(order["finalize"], {"csr": b64u(make_csr(
                tnauthlist_der(fresh_number()))[0])}),
            400, "badCSR")
    csr, _ = make_csr(tnauthlist_der(number))
    r = a.post(order["finalize"], {"csr": b64u(csr)})
    T.eq(r.status_code, 200, "finalize: 200")
    order = a.get_json(url)
    refused("cert: a payload on the cert URL",
            lambda: a.post(order["certificate"], {}), 400, "malformed")
    r = a.get(order["certificate"])
    pem = r.text
    cert = x509.load_pem_x509_certificate(pem.encode())
    der = cert.public_bytes(__import__(
        "cryptography.hazmat.primitives.serialization",
        fromlist=["Encoding"]).Encoding.DER)
    refused("revoke: reason 2 (not accepted)",
            lambda: a.post(raw["revokeCert"], {"certificate": b64u(der),
                                               "reason": 2}),
            400, "badRevocationReason")
    refused("revoke: certificate with \\u0000",
            lambda: a.post(raw["revokeCert"], '{"certificate":"%s\\u0000"}'
                           % b64u(der)),
            400, "malformed")
    other = Account(raw)
    refused("revoke: an account without authorization",
            lambda: other.post(raw["revokeCert"], {"certificate": b64u(der)}),
            403, "unauthorized")
    # Validity inside the proof: at most cert_max_days (90) after the
    # validation, notBefore no earlier than a minute before issuance.
    nb = cert.not_valid_before_with_tz if hasattr(
        cert, "not_valid_before_with_tz") else cert.not_valid_before
    na = cert.not_valid_after_with_tz if hasattr(
        cert, "not_valid_after_with_tz") else cert.not_valid_after
    T.ok((na - nb).total_seconds() <= 90 * 86400,
         "certificate: lifetime at most cert_max_days")
    return der


# ------------------------------------------------------------ CRL numbers

def crl_number(text_or_bytes):
    crl = x509.load_der_x509_crl(text_or_bytes)
    return crl.extensions.get_extension_for_class(
        x509.CRLNumber).value.crl_number


def crls(a, der):
    crl_url = raw["newNonce"].rsplit("/", 1)[0] + "/crl"
    nums = []
    for i in range(3):
        r = raw.session.get(crl_url, timeout=30)
        nums.append(crl_number(r.content))
    r = a.post(raw["revokeCert"], {"certificate": b64u(der)})
    T.eq(r.status_code, 200, "revoke: 200")
    for i in range(2):
        r = raw.session.get(crl_url, timeout=30)
        nums.append(crl_number(r.content))
    T.ok(all(x < y for x, y in zip(nums, nums[1:])),
         "CRL numbers strictly increase within one second and across "
         "a revocation", "numbers: %r" % nums)


# ------------------------------------------------------------ smaller items

def smaller():
    n = raw.new_nonce()
    T.eq(len(b64u_decode(n)), 30, "nonce: 30 octets (time, 128 random "
         "bits, MAC)")
    # A path with %00 reaches the program: our problem document.
    base = url_path(DIRECTORY_URL.rsplit("/", 1)[0])
    for method, path in (("GET", base + "/order/%00abc"),
                         ("POST", base + "/acct/%00"),
                         ("GET", base + "/directory%00")):
        r = raw_request(method, path, body=b"{}" if method == "POST"
                        else b"")
        probs = check_problem(r, r.status_code or 0, r.json().get("type", "")
                              if r.headers.get("Content-Type", "")
                              .startswith("application/problem+json")
                              else "none")
        T.ok(r.status_code in (400, 404, 405) and not probs,
             "%s %s: our problem document with a nonce, not the web "
             "server's page" % (method, path),
             "%s %s" % (r.status_code, "; ".join(probs)))


a = T.section(accounts)
if a is not None:
    T.section(key_change, a)
    T.section(orders, a)
    der = T.section(challenge_and_cert, a)
    if der is not None:
        T.section(crls, a, der)
T.section(smaller)
T.done()
