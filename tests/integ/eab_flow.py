#!/usr/bin/python3
"""Platforms through a real server whose SMS go over SMPP to
tests/smsc_sim.js: external account binding with python3-acme
(messages.ExternalAccountBinding) and hand-built bindings that break one
rule each; a disabled platform; ordering outside a platform's prefixes;
the per-platform SMS lines (WebOTP, SMS Retriever) as the SMSC received
them; a pumping run that trips the conversion guard of one platform
while another keeps enrolling; guard release; stats --platform.

Environment: what tests/integ/lib.sh sets for a server (IDP_DIRECTORY_URL,
IDP_TLS_CA, IDPROVER_VAR, IDPROVER_CONF), IDP_BUILD, IDP_SMSC_API (the
simulator's control API), EAB_OUT (where the node client's platform
credentials are written: "KID KEY").
"""

import hashlib
import hmac
import json
import os
import re
import subprocess
import time

import requests
from acme import messages
from cryptography import x509

import acmetest
from acmetest import (ERR, TNAUTHLIST, Key, Raw, Tests, acme_client, b64u,
                      certid, kid_of, make_csr, require_env, sms_digest,
                      tnauthlist_der, tnauthlist_value)

require_env()
T = Tests("eab")
T.index_url = acmetest.DIRECTORY_URL
raw = Raw()
ADMIN = os.path.join(os.environ.get("IDP_BUILD", "build"), "tools",
                     "idprover-admin")
SMSC = os.environ["IDP_SMSC_API"]


def sim_messages(number=None):
    """What the SMSC received, as the file gateway's lines would be."""
    out = []
    for m in requests.get(SMSC + "/messages", timeout=10).json():
        to = str(m.get("to", "")).lstrip("+")
        if number is None or to == number:
            out.append({"to": to, "text": m.get("text", ""),
                        "data_coding": m.get("data_coding")})
    return out


# The helpers of acmetest read codes from what the SMSC received.
acmetest.sms_messages = sim_messages


def admin(*args):
    r = subprocess.run([ADMIN] + list(args), capture_output=True,
                       text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


def platform_add(name, *opts):
    rc, out, err = admin("platform", "add", name, *opts)
    T.ok(rc == 0, "platform add %s: exit 0" % name, out + err)
    kid = re.search(r"^kid (\S+)$", out, re.M)
    key = re.search(r"^hmac-key (\S+)$", out, re.M)
    T.ok(kid and key, "platform add %s prints kid and hmac-key" % name, out)
    return kid.group(1), key.group(1)


def eab_register(kid, hmac_key, key=None):
    """newAccount with python3-acme's ExternalAccountBinding."""
    c = acme_client(key or Key("ES256"))
    eab = messages.ExternalAccountBinding.from_data(
        account_public_key=c.idp_key.jose_key().public_key(), kid=kid,
        hmac_key=hmac_key, directory=c.directory)
    reg = messages.NewRegistration.from_data(
        email="ops@platform.example", terms_of_service_agreed=True,
        external_account_binding=eab)
    try:
        r = c._post(c.directory["newAccount"], reg)
    except messages.Error as e:
        return c, e
    c.net.account = messages.RegistrationResource(
        uri=r.headers.get("Location"), body=messages.Registration())
    return c, r


def eab_jws(url, key, kid, hmac_key, header=None, payload=None,
            mac=None):
    """A binding built by hand: header members and payload replaceable."""
    hdr = {"alg": "HS256", "kid": kid, "url": url}
    if header is not None:
        hdr = header
    prot = b64u(json.dumps(hdr, separators=(",", ":")))
    pl = b64u(json.dumps(payload if payload is not None else
                         key.public_jwk(), separators=(",", ":")))
    k = acmetest.b64u_decode(hmac_key)
    sig = mac if mac is not None else hmac.new(
        k, ("%s.%s" % (prot, pl)).encode(), hashlib.sha256).digest()
    return {"protected": prot, "payload": pl, "signature": b64u(sig)}


def raw_account(binding, key=None):
    key = key or Key("ES256")
    payload = {"termsOfServiceAgreed": True}
    if binding is not None:
        payload["externalAccountBinding"] = binding
    return raw.new_account(key, payload), key


class Member:
    """An account of a platform: raw kid-signed requests."""

    def __init__(self, c):
        self.key = c.idp_key
        self.kid = kid_of(c)

    def post(self, url, payload):
        return raw.post(url, payload, self.key, self.kid)

    def order(self, number, **extra):
        pl = {"identifiers": [{"type": "TNAuthList",
                               "value": tnauthlist_value(number)}]}
        pl.update(extra)
        return self.post(raw["newOrder"], pl)

    def chall(self, order):
        authz = raw.post_as_get(order["authorizations"][0], self.key,
                                self.kid).json()
        return authz["challenges"][0]

    def send(self, number):
        """newOrder, authz, {}: (response of {}, challenge)."""
        r = self.order(number)
        if r.status_code != 201:
            return r, None
        ch = self.chall(r.json())
        return self.post(ch["url"], {}), ch

    def enrol(self, number):
        """The whole flow; the certificate's PEM or None."""
        seen = len(sim_messages(number))
        r = self.order(number)
        order = r.json()
        ch = self.chall(order)
        self.post(ch["url"], {})
        code = None
        for _ in range(100):
            msgs = sim_messages(number)
            if len(msgs) > seen:
                # With a WebOTP line the code is in the text twice.
                code = re.findall(r"(?<![0-9])[0-9]{6}(?![0-9])",
                                  msgs[-1]["text"])[0]
                break
            time.sleep(0.1)
        if code is None:
            return None, None
        r = self.post(ch["url"], {"keyAuthorization": sms_digest(
            code, ch["token"], self.key.thumbprint())})
        if r.status_code != 200:
            return None, r.text
        csr, _ = make_csr(tnauthlist_der(number))
        r = self.post(order["finalize"], {"csr": b64u(csr)})
        if r.status_code != 200:
            return None, r.text
        url = r.json().get("certificate")
        for _ in range(50):
            if url:
                break
            time.sleep(0.1)
            url = raw.post_as_get(r.headers["Location"], self.key,
                                  self.kid).json().get("certificate")
        return raw.post_as_get(url, self.key, self.kid).text, \
            sim_messages(number)[-1]["text"]


def main():
    d = raw.directory
    T.eq(d.get("meta", {}).get("externalAccountRequired"), True,
         "directory: meta.externalAccountRequired true with an SMPP gateway")

    # Platforms.
    a_kid, a_key = platform_add(
        "alpha", "--shown", "Alpha Chat", "--origin", "alpha.example",
        "--app-hash", "FA+9qCX9VSu", "--prefix", "1202", "--hour", "100")
    b_kid, b_key = platform_add("beta", "--shown", "Beta")
    d_kid, d_key = platform_add("delta")
    rc, out, err = admin("platform", "add", "alpha")
    T.ok(rc != 0 and "exists" in err, "platform add of an existing name "
         "is refused", out + err)
    rc, out, err = admin("platform", "add", "wide", "--shown", "W" * 40,
                         "--origin", ("o" * 60) + ".example", "--app-hash",
                         "AAAAAAAAAAA", "--app-hash", "BBBBBBBBBBB",
                         "--app-hash", "CCCCCCCCCCC")
    T.ok(rc != 0 and "does not fit one SMS" in err, "platform add: a "
         "platform whose text cannot fit one SMS is refused", out + err)
    for bad in (["--origin", "https://x.example"], ["--app-hash", "short"],
                ["--prefix", "12a"], ["--shown", "a{code}"]):
        rc, out, err = admin("platform", "add", "bad", *bad)
        T.ok(rc != 0, "platform add refuses %s" % " ".join(bad), out + err)
    rc, out, _ = admin("platform", "list")
    T.ok(rc == 0 and re.search(r"^alpha enabled kid=%s " % a_kid, out, re.M)
         and "hmac" not in out, "platform list: alpha enabled with its kid, "
         "no key shown", out)
    with open(os.environ["EAB_OUT"], "w") as f:
        f.write("%s %s\n" % (b_kid, b_key))

    # Binding: python3-acme.
    ca, r = eab_register(a_kid, a_key)
    T.eq(r.status_code, 201, "python3-acme: newAccount with "
         "ExternalAccountBinding: 201")
    alpha = Member(ca)
    cb, r = eab_register(b_kid, b_key)
    T.eq(r.status_code, 201, "python3-acme: a second platform's account")
    beta = Member(cb)
    cd, r = eab_register(d_kid, d_key)
    delta = Member(cd)

    # Bindings that break one rule each.
    url = d["newAccount"]
    k = Key("ES256")
    r, _ = raw_account(None)
    T.problem(r, 400, "externalAccountRequired", "newAccount without a "
              "binding: 400 externalAccountRequired")
    r, _ = raw_account(eab_jws(url, k, a_kid, b_key), k)
    T.problem(r, 403, "unauthorized", "binding MACed with another key: "
              "403 unauthorized")
    r, _ = raw_account(eab_jws(url, k, a_kid, a_key, mac=b"\0" * 32), k)
    T.problem(r, 403, "unauthorized", "binding with a zero MAC: 403 "
              "unauthorized")
    r, _ = raw_account(eab_jws(url, k, "nosuchkid", a_key), k)
    T.problem(r, 403, "unauthorized", "binding with an unknown kid: 403 "
              "unauthorized")
    cases = (
        ("a url of another resource", {"alg": "HS256", "kid": a_kid,
                                       "url": d["newOrder"]}, None, None),
        ("a nonce", {"alg": "HS256", "kid": a_kid, "url": url,
                     "nonce": raw.nonce()}, None, None),
        ("alg ES256", {"alg": "ES256", "kid": a_kid, "url": url}, None,
         None),
        ("no kid", {"alg": "HS256", "url": url}, None, None),
        ("another key as payload", None, Key("ES256").public_jwk(), None),
        ("a short MAC", None, None, b"\1" * 31),
    )
    for what, hdr, pl, mac in cases:
        r, _ = raw_account(eab_jws(url, k, a_kid, a_key, header=hdr,
                                   payload=pl, mac=mac), k)
        T.problem(r, 400, "malformed", "binding with %s: 400 malformed"
                  % what)
    r, _ = raw_account("not a JWS", k)
    T.problem(r, 400, "malformed", "binding as a string: 400 malformed")

    # Ordering outside the platform's prefixes.
    r = alpha.order("4420795550123")
    T.problem(r, 400, "rejectedIdentifier", "alpha (prefix 1202) orders "
              "for +44: 400 rejectedIdentifier")
    T.ok("1202" in r.text, "the detail names the platform's prefixes",
         r.text)

    # An enrolment through alpha: the text as the SMSC got it.
    number = "12025550100"
    pem, text = alpha.enrol(number)
    T.ok(pem and "BEGIN CERTIFICATE" in pem, "alpha: a certificate through "
         "python3-acme's binding", text)
    lines = (text or "").split("\n")
    code = (re.findall(r"[0-9]{6}", text or "") or [""])[0]
    T.ok("Alpha Chat" in (text or ""), "alpha's SMS names Alpha Chat", text)
    T.eq(lines[-1], "@alpha.example #%s" % code, "alpha's SMS: the last "
         "line is the WebOTP line @alpha.example #code")
    T.ok(len(lines) >= 3 and "FA+9qCX9VSu" in lines[-2].split(),
         "alpha's SMS: the app hash FA+9qCX9VSu for the SMS Retriever",
         text)
    m = sim_messages(number)[-1]
    T.eq(m["data_coding"], 0, "alpha's SMS went as one GSM-7 submit_sm")
    T.ok(re.search(r"(?:^|\s)@([a-zA-Z0-9.-]+) #([^#\s]+)$", text or "")
         is not None, "Chromium's WebOTP pattern finds origin and code")

    # Replacing that certificate (RFC 9773): only its own account may.
    cid = certid(x509.load_pem_x509_certificate(pem.encode()))
    r = beta.order(number, replaces=cid)
    T.problem(r, 400, "malformed", "beta replaces alpha's certificate: 400 "
              "malformed")
    r = alpha.order(number, replaces=cid)
    T.ok(r.status_code == 201, "alpha replaces its certificate: 201",
         r.text)
    r = alpha.order(number, replaces=cid)
    T.problem(r, 409, "alreadyReplaced", "alpha replaces it again: 409 "
              "alreadyReplaced")

    # A disabled platform.
    rc, _, _ = admin("platform", "disable", "delta")
    T.eq(rc, 0, "platform disable delta: exit 0")
    r = delta.order("12025550188")
    T.problem(r, 403, "unauthorized", "delta disabled: newOrder 403 "
              "unauthorized")
    k2 = Key("ES256")
    r, _ = raw_account(eab_jws(url, k2, d_kid, d_key), k2)
    T.problem(r, 403, "unauthorized", "delta disabled: newAccount with its "
              "binding 403 unauthorized")

    # Key rotation: the old key no longer binds.
    rc, out, _ = admin("platform", "rotate-key", "beta")
    nk = re.search(r"^kid (\S+)$", out, re.M)
    nh = re.search(r"^hmac-key (\S+)$", out, re.M)
    T.ok(rc == 0 and nk and nh and nk.group(1) != b_kid,
         "platform rotate-key: a new kid and key", out)
    k3 = Key("ES256")
    r, _ = raw_account(eab_jws(url, k3, b_kid, b_key), k3)
    T.problem(r, 403, "unauthorized", "the rotated-out key: 403")
    _, r = eab_register(nk.group(1), nh.group(1))
    T.eq(getattr(r, "status_code", r), 201, "the new key binds")
    with open(os.environ["EAB_OUT"], "w") as f:
        f.write("%s %s\n" % (nk.group(1), nh.group(1)))

    # Pumping: alpha sends to many numbers of one range, no answers.
    held = None
    for i in range(12):
        r, _ = alpha.send("1202555%04d" % (200 + i))
        if r.status_code == 429:
            held = (i, r)
            break
    # With alpha's one proven enrolment in the range, the fifth send in
    # all (the fourth of the run) is the minimum before a hold.
    T.ok(held is not None and held[0] + 1 >= 5, "pumping: alpha's SMS to "
         "120255 are held after the minimum of sends", held and held[1].text)
    if held:
        r = held[1]
        T.problem(r, 429, "rateLimited", "held: 429 rateLimited")
        T.ok("conversion guard" in r.json().get("detail", "") and
             "alpha" in r.json()["detail"], "held: the detail names the "
             "guard and the platform", r.text)
        T.ok(int(r.headers.get("Retry-After", "0")) > 0, "held: "
             "Retry-After", dict(r.headers))
    # Another platform keeps enrolling, in the very same range.
    pem, text = beta.enrol("12025550777")
    T.ok(pem and "BEGIN CERTIFICATE" in pem, "beta enrols in 120255 while "
         "alpha is held there", text)
    T.ok(text and text.startswith("Beta verification code") and "@" not in
         text, "beta's SMS: its own name, no WebOTP line", text)
    r, _ = alpha.send("1202555%04d" % 300)
    T.eq(r.status_code, 429, "alpha stays held")

    rc, out, _ = admin("guard", "list")
    T.ok(rc == 0 and re.search(r"^held alpha 120255 ", out, re.M),
         "guard list: alpha 120255 held", out)
    rc, out, _ = admin("guard", "release", "alpha", "120255")
    T.ok(rc == 0, "guard release alpha 120255", out)
    rc, out, _ = admin("guard", "list")
    T.ok("alpha" not in out, "guard list: released", out)
    r, _ = alpha.send("1202555%04d" % 301)
    T.ok(r.status_code == 200, "alpha sends again after the release",
         r.text)

    rc, out, _ = admin("stats", "--platform", "alpha")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    line = re.search(r"^%s (\d+) (\d+) (\S+) (\d+) (\d+)$" % today, out,
                     re.M)
    T.ok(rc == 0 and line is not None, "stats --platform alpha: today's "
         "line", out)
    if line:
        sent, done, _, certs, limited = (line.group(1), line.group(2),
                                         line.group(3), line.group(4),
                                         line.group(5))
        T.ok(int(sent) >= 6 and int(done) == 1 and int(certs) == 1 and
             int(limited) >= 2, "stats: sent, 1 proof, 1 certificate, "
             "limits hit", line.group(0))
    T.done()


main()
