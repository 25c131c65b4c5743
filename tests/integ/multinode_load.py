"""Enrolment loops for test_multinode.sh, and the check of what they saw.

  multinode_load.py loop OUT PREFIX SECONDS MAX PORT...
      Enrolments of one account (numbers PREFIX + 4 digits), each request
      to the next of the PORTs, until MAX are done or SECONDS have passed
      (an enrolment under way is finished, not abandoned). A 503 is
      retried (after a pause; bounded by a deadline per step), so are a
      badNonce and the answers that show a lost reply of a request that
      did commit (the client then reads the state back). One JSON line
      per response and per thing seen committed goes to OUT.
  multinode_load.py db ORDERS CERTS OUTBOX SENDS_MAX TRIES_MAX
      The database's rows (tab-separated) against what the loops saw
      committed ($IDP_ROOT/seen.json, written by check) and the SMS log.
  multinode_load.py check DOWN UP OUT...
      Summary of the loops' files (one line, key=value) and a problem
      list on stderr; exit 1 when a rule is broken. DOWN and UP are the
      epoch seconds of the database's stop and of its being back.
"""
import json
import os
import sys
import time
import urllib.parse

from acmetest import (Key, Raw, b64u, fresh_number, make_csr, sms_count,
                      sms_digest, sms_messages, tnauthlist_der,
                      tnauthlist_value, require_env, wait_sms_code)

STEP_DEADLINE = 90.0	# seconds one step may spend on 503s and retries
SMS_WAIT = 45.0		# a send left to the retry index: its lease first
HANG = 8.0		# a 503 slower than this is a hang
PROBLEM = "application/problem+json"
ERR = "urn:ietf:params:acme:error:"


class Loop(Raw):
    """Signs for the shared base URL, sends each request to the next
    node, and notes every response."""

    def __init__(self, out, ports):
        self.out = out
        self.ports = ports
        self.turn = 0
        Raw.__init__(self)

    def note(self, **kw):
        kw["t"] = time.time()
        self.out.write(json.dumps(kw) + "\n")
        self.out.flush()

    def _to(self, url):
        u = urllib.parse.urlsplit(url)
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        return u._replace(netloc="localhost:%s" % port).geturl()

    def new_nonce(self):
        while True:
            t = time.time()
            r = self.session.head(self._to(self.directory["newNonce"]),
                                  timeout=60)
            self._seen("new-nonce", r, t)
            if r.headers.get("Replay-Nonce"):
                return r.headers["Replay-Nonce"]
            time.sleep(0.5)

    def send(self, url, body, *a, **kw):
        return Raw.send(self, self._to(url), body, *a, **kw)

    def _seen(self, what, r, t):
        try:
            typ = r.json().get("type", "") if r.headers.get(
                "Content-Type", "").startswith(PROBLEM) else ""
        except ValueError:
            typ = "?"
        self.note(ev="resp", what=what, status=r.status_code,
                  took=round(time.time() - t, 3),
                  retry_after=r.headers.get("Retry-After"),
                  ctype=r.headers.get("Content-Type", ""), type=typ)

    def call(self, what, url, payload, key, kid, ok=(200, 201), lost=()):
        """POST until a status in ok (returned), or an answer whose
        problem type is in lost (None: a reply lost, read back). 503 and
        badNonce are retried."""
        end = time.time() + STEP_DEADLINE
        while time.time() < end:
            t = time.time()
            r = self.post(url, payload, key, kid)
            self._seen(what, r, t)
            typ = ""
            if r.headers.get("Content-Type", "").startswith(PROBLEM):
                typ = r.json().get("type", "")
            if r.status_code in ok:
                return r
            if typ[len(ERR):] in lost:
                return None
            if r.status_code == 503 or typ == ERR + "badNonce":
                time.sleep(0.5)
                continue
            raise RuntimeError("%s: %d %s" % (what, r.status_code, r.text))
        raise RuntimeError("%s: no answer in %d s" % (what, STEP_DEADLINE))

    def get(self, what, url, key, kid):
        return self.call(what, url, None, key, kid, ok=(200,)).json()


def wait_sms(c, url, key, kid, number, seen):
    """The code sent to number. A send that the outage cut off after its
    commit is made by the retry index once its lease has run out, after
    a request to the challenge program: poll the challenge meanwhile, as
    a client does."""
    end = time.time() + SMS_WAIT
    while time.time() < end:
        code = wait_sms_code(number, seen, timeout=2.0)
        if code is not None:
            return code
        c.get("chall-poll", url, key, kid)
    return None


def enrol(c, key, kid, prefix):
    number = fresh_number(prefix)
    r = c.call("new-order", c["newOrder"], {"identifiers": [
        {"type": "TNAuthList", "value": tnauthlist_value(number)}]},
        key, kid, ok=(201,))
    o, ourl = r.json(), r.headers["Location"]
    c.note(ev="order", url=ourl, tn=number)
    authz = c.get("authz", o["authorizations"][0], key, kid)
    chall = authz["challenges"][0]
    seen = sms_count(number)
    # {} once: a retry after a 503 is a no-op if the first did commit.
    c.call("chall-send", chall["url"], {}, key, kid, ok=(200,))
    code = wait_sms(c, chall["url"], key, kid, number, seen)
    if code is None:
        raise RuntimeError("no SMS to %s in %d s" % (number, SMS_WAIT))
    r = c.call("chall-answer", chall["url"], {"keyAuthorization": sms_digest(
        code, chall["token"], key.thumbprint())}, key, kid, ok=(200,),
        lost=("malformed",))	# "no longer open": it was answered
    if r is not None and r.json().get("status") != "valid":
        raise RuntimeError("challenge: %s" % r.text)
    st = c.get("order", ourl, key, kid)
    if st["status"] != "ready":
        raise RuntimeError("order after the answer: %s" % st)
    c.note(ev="ready", url=ourl)
    csr, _ = make_csr(tnauthlist_der(number))
    r = c.call("finalize", o["finalize"], {"csr": b64u(csr)}, key, kid,
               ok=(200,), lost=("orderNotReady",))
    if r is not None:
        c.note(ev="finalized", url=ourl, status=r.json().get("status"))
    end = time.time() + STEP_DEADLINE
    while True:
        st = c.get("order", ourl, key, kid)
        if st["status"] == "valid" or time.time() > end:
            break
        time.sleep(0.5)
    if st["status"] != "valid":
        raise RuntimeError("order not valid: %s" % st)
    c.note(ev="valid", url=ourl)
    r = c.call("cert", st["certificate"], None, key, kid, ok=(200,))
    if "BEGIN CERTIFICATE" not in r.text:
        raise RuntimeError("certificate: %s" % r.text)
    c.note(ev="cert", url=ourl)


def loop(out, prefix, seconds, most, ports):
    stop = time.time() + seconds
    with open(out, "a", encoding="utf-8") as f:
        c = Loop(f, ports)
        key = Key("ES256")
        r = c.call("new-account", c["newAccount"],
                   {"termsOfServiceAgreed": True}, key, None, ok=(201,))
        kid = r.headers["Location"]
        done = 0
        try:
            while done < most and time.time() < stop:
                enrol(c, key, kid, prefix)
                done += 1
        except Exception as e:	# noted for the check, then fatal
            c.note(ev="error", error=repr(e)[:300])
            raise
        c.note(ev="done", n=done)


def check(down, up, files):
    ev = []
    for name in files:
        with open(name, encoding="utf-8") as f:
            ev.extend(json.loads(line) for line in f if line.strip())
    bad = []
    resp = [e for e in ev if e["ev"] == "resp"]
    n503 = [e for e in resp if e["status"] == 503]
    # Outside the outage a 503 may also be a transaction that lost its
    # races too often: counted, not a failure.
    out503 = [e for e in n503 if not (down - 1 <= e["t"] and
                                      e["t"] - e["took"] <= up + 30)]
    for e in n503:
        ra = e.get("retry_after") or ""
        if not (ra.isdigit() and int(ra) > 0 and e["ctype"].startswith(
                PROBLEM) and e["type"].startswith(ERR)):
            bad.append("503 without Retry-After or a problem: %s" % e)
        if e["took"] > HANG:
            bad.append("503 after %.1f s (a hang): %s" % (e["took"], e))
    for e in resp:
        if e["status"] >= 500 and e["status"] != 503:
            bad.append("a %d: %s" % (e["status"], e))
    for e in ev:
        if e["ev"] == "error":
            bad.append("a loop failed: %s" % e["error"])
    loops_done = sum(1 for e in ev if e["ev"] == "done")
    if loops_done != len(files):
        bad.append("%d of %d loops finished" % (loops_done, len(files)))
    if not n503:
        bad.append("no request met the outage")
    after = [e for e in resp if e["t"] - e["took"] > up and
             e["status"] in (200, 201)]
    if not after:
        bad.append("no success after the database was back")
    orders = {e["url"].rsplit("/", 1)[1]: e["tn"] for e in ev
              if e["ev"] == "order"}
    valid = {e["url"].rsplit("/", 1)[1] for e in ev if e["ev"] == "valid"}
    late = [e for e in n503 if e["t"] - e["took"] > up]
    print("loops=%d responses=%d 503=%d (%d sent once the database was "
          "back, %d away from the outage) max503=%.2fs orders=%d valid=%d "
          "after=%d" % (
              loops_done, len(resp), len(n503), len(late), len(out503), max(
                  [e["took"] for e in n503] or [0]), len(orders),
              len(valid), len(after)))
    with open(os.environ["IDP_ROOT"] + "/seen.json", "w",
              encoding="utf-8") as f:
        json.dump({"orders": orders, "valid": sorted(valid)}, f)
    for b in bad[:20]:
        print("# " + b, file=sys.stderr)
    return 1 if bad else 0


def rows(name):
    with open(name, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def db(orders_tsv, certs_tsv, outbox_tsv, sends_max, tries_max):
    """The database after the load: id status tn sends tries per order,
    order_id serial per certificate, id state order_id per message."""
    with open(os.environ["IDP_ROOT"] + "/seen.json", encoding="utf-8") as f:
        seen = json.load(f)
    orders = {r[0]: r for r in rows(orders_tsv)}
    certs = rows(certs_tsv)
    outbox = rows(outbox_tsv)
    bad = []
    cert_of = {}
    for oid, serial in certs:
        cert_of.setdefault(oid, []).append(serial)
    missing = [o for o in seen["orders"] if o not in orders]
    if missing:
        bad.append("orders seen made (201) but absent: %s" % missing[:5])
    lost = [o for o in seen["valid"] if o in orders and
            (orders[o][1] != "3" or len(cert_of.get(o, [])) != 1)]
    if lost:
        bad.append("orders seen valid but not valid with one "
                   "certificate: %s" % [orders[o] for o in lost[:5]])
    valid = [o for o, r in orders.items() if r[1] == "3"]
    if any(len(cert_of.get(o, [])) != 1 for o in valid):
        bad.append("a valid order without exactly one certificate")
    if any(o not in orders or orders[o][1] != "3" for o in cert_of):
        bad.append("a certificate of an order that is not valid")
    serials = [s for _, s in certs]
    if len(set(serials)) != len(serials):
        bad.append("serials not unique")
    over = [r for r in orders.values() if not (
        0 <= int(r[3]) <= sends_max and 0 <= int(r[4]) <= tries_max)]
    if over:
        bad.append("sends or tries out of bounds: %s" % over[:5])
    sends = {}
    for r in orders.values():
        tn = r[2].lstrip("+")
        sends[tn] = sends.get(tn, 0) + int(r[3])
    queued = {}
    for mid, _, oid in outbox:
        tn = orders[oid][2].lstrip("+") if oid in orders else "?"
        queued[tn] = queued.get(tn, 0) + 1
    got, texts = {}, set()
    for m in sms_messages():
        tn = str(m.get("to", "")).lstrip("+")
        got[tn] = got.get(tn, 0) + 1
        if (tn, m.get("text")) in texts:
            bad.append("the same SMS twice to %s" % tn)
        texts.add((tn, m.get("text")))
    twice = [(tn, n, sends.get(tn, 0), queued.get(tn, 0))
             for tn, n in got.items()
             if n > min(sends.get(tn, 0), queued.get(tn, 0))]
    if twice:
        bad.append("more SMS than sends (number, SMS, sends, queued): %s"
                   % twice[:5])
    print("orders=%d valid=%d certificates=%d serials=%d sms=%d sends=%d "
          "outbox=%d maxsends=%d" % (
              len(orders), len(valid), len(certs), len(set(serials)),
              sum(got.values()), sum(sends.values()), len(outbox),
              max([int(r[3]) for r in orders.values()] or [0])))
    for b in bad[:20]:
        print("# " + b, file=sys.stderr)
    return 1 if bad else 0


def main(argv):
    require_env()
    if argv[1] == "loop":
        loop(argv[2], argv[3], float(argv[4]), int(argv[5]), argv[6:])
        return 0
    if argv[1] == "db":
        return db(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]))
    return check(float(argv[2]), float(argv[3]), argv[4:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
