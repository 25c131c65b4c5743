#!/usr/bin/python3
"""The checks of test_renewal.sh that speak ACME: renewal
information (RFC 9773), profiles, authorization reuse, replaces and
alreadyReplaced under a race, reassigned numbers. python3-acme makes the
accounts; requests it cannot shape (profile, replaces, renewalInfo) go
through the raw client. Usage: renewal_flow.py PHASE STATEFILE."""

import json
import multiprocessing
import os
import sys
import time
from datetime import timezone

import requests

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from acmetest import (DIRECTORY_URL, Key, Raw, Tests, acme_client,
                      acme_register, b64u, certid, fresh_number, kid_of, make_csr,
                      sms_count, sms_digest, split_pem_chain, tnauthlist_der,
                      tnauthlist_value, wait_sms_code, require_env)

require_env()
PHASE, STATE_FILE = sys.argv[1], sys.argv[2]
T = Tests("renewal: " + PHASE)
T.index_url = DIRECTORY_URL
BASE = DIRECTORY_URL.rsplit("/", 1)[0]
raw = Raw()
DAY = 86400


def load_state():
    try:
        with open(STATE_FILE) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save_state(s):
    with open(STATE_FILE, "w") as f:
        json.dump(s, f)


class Platform:
    def __init__(self, key=None, kid=None):
        if kid is None:
            c = acme_client(key or Key("ES256"))
            r = acme_register(c, "platform@example.test")
            assert r.status_code == 201, r.text
            self.key, self.kid = c.idp_key, kid_of(c)
        else:
            self.key, self.kid = key, kid

    def post(self, url, payload):
        return raw.post(url, payload, self.key, self.kid)

    def get(self, url):
        return raw.post_as_get(url, self.key, self.kid)

    def order(self, number, **extra):
        pl = {"identifiers": [{"type": "TNAuthList",
                               "value": tnauthlist_value(number)}]}
        pl.update(extra)
        return self.post(raw["newOrder"], pl)


def prove(p, number, order):
    authz = p.get(order["authorizations"][0]).json()
    ch = authz["challenges"][0]
    seen = sms_count(number)
    p.post(ch["url"], {})
    code = wait_sms_code(number, seen)
    return p.post(ch["url"], {"keyAuthorization": sms_digest(
        code, ch["token"], p.key.thumbprint())})


def finalize(p, number, order):
    csr, _ = make_csr(tnauthlist_der(number))
    r = p.post(order["finalize"], {"csr": b64u(csr)})
    if r.status_code != 200:
        return r, None
    chain = p.get(r.json()["certificate"]).text
    blocks, _ = split_pem_chain(chain)
    return r, x509.load_pem_x509_certificate(blocks[0].encode())


def issue(p, number, **extra):
    """A certificate: (order URL, order, certificate)."""
    r = p.order(number, **extra)
    assert r.status_code == 201, r.text
    url, order = r.headers["Location"], r.json()
    if order["status"] == "pending":
        prove(p, number, order)
    r, cert = finalize(p, number, order)
    assert cert is not None, r.text
    return url, order, cert


def ari(cid):
    return raw.session.get(raw["renewalInfo"] + "/" + cid, timeout=30)


def ts(s):
    from datetime import datetime
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def not_after(cert):
    return cert.not_valid_after.replace(tzinfo=timezone.utc).timestamp()


def not_before(cert):
    return cert.not_valid_before.replace(tzinfo=timezone.utc).timestamp()


def lifetime(cert):
    return not_after(cert) - not_before(cert)


# ---------------------------------------------------------------- main

def directory():
    d = raw.directory
    T.eq(d.get("renewalInfo"), BASE + "/renewal-info",
         "directory: renewalInfo")
    prof = d.get("meta", {}).get("profiles", {})
    T.eq(sorted(prof), ["brief", "doomed", "nonrep", "quick", "tn", "tn-short"],
         "directory: meta.profiles lists the configured profiles")
    T.ok(all(isinstance(v, str) and v for v in prof.values()),
         "directory: each profile has a description", prof)


def profiles(S):
    p = Platform()
    S["p"] = p.kid
    n = fresh_number()
    url, order, cert = issue(p, n)
    T.eq(order.get("profile"), "tn", "order without profile: the default tn")
    T.ok(abs(lifetime(cert) - (30 * DAY + 60)) <= 2,
         "tn: a 30-day certificate", lifetime(cert))
    url, order, cert = issue(p, fresh_number(), profile="tn-short")
    T.eq(order.get("profile"), "tn-short", "order: profile tn-short echoed")
    T.ok(abs(lifetime(cert) - (7 * DAY + 60)) <= 2,
         "tn-short: a 7-day certificate", lifetime(cert))
    r = p.order(fresh_number(), profile="gold")
    T.problem(r, 400, "invalidProfile", "unknown profile: 400 invalidProfile")
    r = p.order(fresh_number(), profile=7)
    T.problem(r, 400, "malformed", "profile not a string: 400 malformed")
    _, _, cert = issue(p, fresh_number(), profile="nonrep")
    ku = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    T.ok(ku.digital_signature and ku.content_commitment and
         not ku.key_agreement, "nonrep: keyUsage digitalSignature and "
         "nonRepudiation", ku)
    _, _, cert = issue(p, fresh_number(), profile="tn")
    ku = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    T.ok(ku.digital_signature and not ku.content_commitment,
         "tn: keyUsage digitalSignature only", ku)
    # Proved under a profile the operator will remove: ready, kept.
    n = fresh_number()
    r = p.order(n, profile="doomed")
    order = r.json()
    prove(p, n, order)
    T.eq(p.get(r.headers["Location"]).json().get("status"), "ready",
         "doomed: the order is ready before the profile goes")
    S["doomed"] = {"number": n, "order": order,
                   "url": r.headers["Location"]}
    return p


def renewal_info(p):
    n = fresh_number()
    _, _, cert = issue(p, n)
    cid = certid(cert)
    r = ari(cid)
    T.headers(r, "renewalInfo: GET without JWS 200 JSON", 200, nonce=False)
    T.ok(r.headers.get("Retry-After", "").isdigit(),
         "renewalInfo: Retry-After", dict(r.headers))
    w = r.json().get("suggestedWindow", {})
    na = not_after(cert)
    nb = not_before(cert)
    third = (na - nb) / 3
    s, e = ts(w["start"]), ts(w["end"])
    T.ok(na - third - 1 <= s < e < na, "renewalInfo: the window lies in the "
         "last third of the lifetime", (w, nb, na))
    T.ok("explanationURL" not in r.json(), "renewalInfo: no explanation for "
         "a fresh certificate", r.json())
    T.eq(ari(cid).json(), r.json(), "renewalInfo: the same window again")
    # Jitter: windows of certificates issued together differ.
    starts = {ts(ari(certid(issue(p, fresh_number())[2])).json()
                 ["suggestedWindow"]["start"]) for _ in range(4)}
    T.ok(len(starts) > 1, "renewalInfo: per-certificate jitter", starts)
    for bad in ("nodot", "a.b.c", "AAAA.", ".AAAA", "AA=A.AAAA",
                "aYhba4dGQEHhs3uEe6CuLN4ByNQ.h2VDIQ"):
        T.problem(ari(bad), 400, "malformed",
                  "renewalInfo %s: 400 malformed" % bad, index=True)
    T.problem(ari("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"), 404, "malformed",
              "renewalInfo of an unknown certID: 404")
    aki, ser = cid.split(".")
    T.problem(ari("AAAA" + aki[4:] + "." + ser), 404, "malformed",
              "renewalInfo: right serial, wrong keyIdentifier: 404")
    r = raw.session.post(raw["renewalInfo"] + "/" + cid, data="{}",
                         headers={"Content-Type": "application/jose+json"})
    T.ok(r.status_code == 405, "renewalInfo: POST 405", r.status_code)
    # The freshness policy: quick allows 3-day-old proofs, so its
    # certificates end then, and their window is the last third of that.
    _, order, cert = issue(p, fresh_number(), profile="quick")
    authz = p.get(order["authorizations"][0]).json()
    validated = ts(authz["challenges"][0]["validated"])
    T.ok(abs(not_after(cert) - (validated + 3 * DAY)) <= 1,
         "quick: the certificate ends when its proof is 3 days old",
         (not_after(cert), validated))
    j = ari(certid(cert)).json()
    T.ok(ts(j["suggestedWindow"]["end"]) < not_after(cert) and
         ts(j["suggestedWindow"]["start"]) >= not_after(cert) - DAY - 61,
         "quick: the window is the last third of those 3 days", j)
    # A tn certificate, for the phase after the operator tightens tn.
    _, order, cert = issue(p, fresh_number())
    authz = p.get(order["authorizations"][0]).json()
    STALE["cid"] = certid(cert)
    STALE["validated"] = ts(authz["challenges"][0]["validated"])
    # Revoked: a window in the past.
    _, _, cert = issue(p, fresh_number())
    rr = p.post(raw["revokeCert"], {"certificate": b64u(der(cert)),
                                   "reason": 4})
    T.eq(rr.status_code, 200, "revoke (superseded)")
    j = ari(certid(cert)).json()
    T.ok(ts(j["suggestedWindow"]["end"]) < time.time(),
         "renewalInfo of a revoked certificate: the window is past", j)
    T.eq(j.get("explanationURL"), BASE + "/renewal-info/explain/revoked",
         "renewalInfo of a revoked certificate: explanationURL")


def der(cert):
    from cryptography.hazmat.primitives.serialization import Encoding
    return cert.public_bytes(Encoding.DER)


def reuse(p):
    n = fresh_number()
    issue(p, n)
    seen = sms_count(n)
    r = p.order(n)
    T.eq(r.json().get("status"), "ready", "reuse: a new order of the same "
         "account and number is ready at once")
    T.eq(sms_count(n), seen, "reuse: no SMS")
    authz = p.get(r.json()["authorizations"][0]).json()
    T.eq(authz.get("status"), "valid", "reuse: its authorization is valid")
    rr, cert = finalize(p, n, r.json())
    T.ok(cert is not None, "reuse: finalize issues", rr.text[:300])
    q = Platform()
    T.eq(q.order(n).json().get("status"), "pending",
         "reuse: another account's order of the number is pending")
    # Outside the window: quick reuses for 4 s.
    m = fresh_number()
    issue(p, m, profile="quick")
    T.eq(p.order(m, profile="quick").json().get("status"), "ready",
         "reuse: inside quick's 4-second window: ready")
    time.sleep(5)
    T.eq(p.order(m, profile="quick").json().get("status"), "pending",
         "reuse: outside quick's window: pending")
    # Deactivation ends reuse.
    k = fresh_number()
    _, order, _ = issue(p, k)
    rr = p.post(order["authorizations"][0], {"status": "deactivated"})
    T.eq(rr.json().get("status"), "deactivated", "authz deactivated")
    T.eq(p.order(k).json().get("status"), "pending",
         "reuse: a deactivated authorization is not reused")
    # A key-compromise revocation ends reuse, also for a ready order.
    k = fresh_number()
    _, _, cert = issue(p, k)
    ready = p.order(k).json()
    T.eq(ready.get("status"), "ready", "reuse: ready before the revocation")
    rr = p.post(raw["revokeCert"], {"certificate": b64u(der(cert)),
                                   "reason": 1})
    T.eq(rr.status_code, 200, "revoke (keyCompromise)")
    T.eq(p.order(k).json().get("status"), "pending",
         "reuse: not after a key-compromise revocation")
    rr, c = finalize(p, k, ready)
    T.problem(rr, 403, "unauthorized", "finalize of an order that reused "
              "the revoked proof: 403 unauthorized")


def race_once(args):
    """In a process of its own, with a connection of its own."""
    url, body, barrier = args
    s = requests.Session()
    s.trust_env = False
    s.verify = raw.session.verify
    s.get(DIRECTORY_URL, timeout=30)
    barrier.wait()
    return s.post(url, data=json.dumps(body), timeout=60, headers={
        "Content-Type": "application/jose+json"}).status_code


def replaces(p, S):
    n = fresh_number()
    _, _, cert = issue(p, n)
    cid = certid(cert)
    q = Platform()
    r = q.order(n, replaces=cid)
    T.problem(r, 400, "malformed", "replaces: another account's "
              "certificate: 400 malformed")
    r = p.order(fresh_number(), replaces=cid)
    T.problem(r, 400, "malformed", "replaces: a certificate of another "
              "number: 400 malformed")
    for bad in ("nodot", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", 5):
        T.problem(p.order(n, replaces=bad), 400, "malformed",
                  "replaces %r: 400 malformed" % (bad,))
    r = p.order(n, replaces=cid)
    T.headers(r, "replaces: 201", 201)
    first = r.json()
    r = p.order(n, replaces=cid)
    T.problem(r, 409, "alreadyReplaced", "replaces again: 409 "
              "alreadyReplaced")
    # The replacing order fails: it gives its place up.
    rr = p.post(first["authorizations"][0], {"status": "deactivated"})
    T.eq(rr.status_code, 200, "the replacing order's authorization "
         "deactivated (the order is invalid)")
    r = p.order(n, replaces=cid)
    T.headers(r, "replaces after the replacing order failed: 201", 201)
    S["lineage"] = {"number": n}
    # The race: two processes, each with its own signed request.
    wins = losses = 0
    ctx = multiprocessing.get_context("fork")
    for _ in range(6):
        m = fresh_number()
        _, _, c = issue(p, m)
        url = raw["newOrder"]
        pl = {"identifiers": [{"type": "TNAuthList",
                               "value": tnauthlist_value(m)}],
              "replaces": certid(c)}
        bodies = [raw.jws(url, pl, p.key, p.kid) for _ in range(2)]
        barrier = ctx.Manager().Barrier(2)
        with ctx.Pool(2) as pool:
            codes = pool.map(race_once, [(url, b, barrier) for b in bodies])
        wins += codes.count(201)
        losses += codes.count(409)
        if sorted(codes) != [201, 409]:
            T.diag("race: %s" % codes)
    T.eq((wins, losses), (6, 6), "replaces race, 2 processes x 6: one 201 "
         "and one 409 alreadyReplaced each time")


STALE = {}


def main():
    S = {}
    T.section(directory)
    p = T.section(profiles, S)
    if p is None:
        p = Platform()
    T.section(renewal_info, p)
    T.section(reuse, p)
    T.section(replaces, p, S)
    p.key.save(os.path.join(os.path.dirname(STATE_FILE), "p.key"))
    S["stale"] = STALE
    save_state(S)


# ------------------------------------------------- after the profile went

def doomed():
    S = load_state()
    d = S["doomed"]
    T.ok("doomed" not in raw.directory["meta"]["profiles"],
         "directory: a removed profile is not listed")
    # The account key was not kept across processes: the order belongs to
    # an account whose key the state holds.
    key = Key.load(os.path.join(os.path.dirname(STATE_FILE), "p.key"))
    p = Platform(key, S["p"])
    csr, _ = make_csr(tnauthlist_der(d["number"]))
    r = p.post(d["order"]["finalize"], {"csr": b64u(csr)})
    T.problem(r, 400, "invalidProfile", "finalize under a removed profile: "
              "400 invalidProfile")
    # The operator tightened tn's max_proof_seconds to one day: the
    # window of a 30-day tn certificate now ends a day after its proof.
    j = ari(S["stale"]["cid"]).json()
    T.ok(abs(ts(j["suggestedWindow"]["end"]) -
             (S["stale"]["validated"] + DAY)) <= 1,
         "renewalInfo: the window ends when the proof is older than the "
         "profile now allows", (j, S["stale"]))
    T.eq(j.get("explanationURL"), BASE + "/renewal-info/explain/stale",
         "renewalInfo: explanationURL for a proof grown too old")
    r = raw.session.get(j.get("explanationURL") or BASE, timeout=30)
    T.ok(r.status_code == 200 and "proof" in r.text and
         r.headers.get("Content-Type", "").startswith("text/html"),
         "explanation page: stale", r.text[:200])


# ------------------------------------------------------------ reassigned

def reassign_setup():
    """Certificates for numbers that will be reported reassigned: two
    platforms for the first number, one for the others."""
    S = load_state()
    nums = [fresh_number("1303555") for _ in range(int(os.environ.get(
        "REASSIGN_CERTS", "40")))]
    p, q = Platform(), Platform()
    t0 = time.time()
    certs = {}
    for i, n in enumerate(nums):
        _, _, c = issue(p, n)
        certs[n] = [certid(c)]
    _, _, c = issue(q, nums[0])
    certs[nums[0]].append(certid(c))
    T.diag("issued %d certificates in %.1f s" % (len(nums) + 1,
                                                   time.time() - t0))
    S["reassign"] = {"numbers": nums, "certs": certs, "p": p.kid}
    p.key.save(os.path.join(os.path.dirname(STATE_FILE), "r.key"))
    save_state(S)
    T.ok(len(certs) == len(nums), "reassigned: certificates issued")


def reassign_check():
    S = load_state()
    R = S["reassign"]
    past = 0
    for n, cids in R["certs"].items():
        for cid in cids:
            j = ari(cid).json()
            if (ts(j["suggestedWindow"]["end"]) < time.time() and
                    j.get("explanationURL") ==
                    BASE + "/renewal-info/explain/reassigned"):
                past += 1
    total = sum(len(v) for v in R["certs"].values())
    T.eq(past, total, "reassigned: every certificate's window is past, "
         "explanationURL reassigned (both platforms' for the shared number)")
    r = raw.session.get(BASE + "/renewal-info/explain/reassigned")
    T.ok(r.status_code == 200 and "reassigned" in r.text,
         "explanation page: reassigned")
    key = Key.load(os.path.join(os.path.dirname(STATE_FILE), "r.key"))
    p = Platform(key, R["p"])
    n = R["numbers"][1]
    T.eq(p.order(n).json().get("status"), "pending",
         "reassigned: the authorization is not reused: pending, SMS needed")
    # A new proof after the report.
    _, _, c = issue(p, n)
    R["after"] = certid(c)
    save_state(S)
    j = ari(R["after"]).json()
    T.ok(ts(j["suggestedWindow"]["start"]) > time.time() and
         "explanationURL" not in j, "a proof after the report: a fresh "
         "window", j)


def reassign_again():
    S = load_state()
    j = ari(S["reassign"]["after"]).json()
    T.ok(ts(j["suggestedWindow"]["start"]) > time.time() and
         "explanationURL" not in j, "the report again (same --since): the "
         "proof made after it is unaffected", j)


PHASES = {"main": main, "doomed": doomed, "reassign-setup": reassign_setup,
          "reassign-check": reassign_check, "reassign-again": reassign_again}

if __name__ == "__main__":
    PHASES[PHASE]()
    print("1..%d" % T.n)
    sys.exit(1 if T.failed else 0)
