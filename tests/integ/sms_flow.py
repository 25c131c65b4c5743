#!/usr/bin/python3
"""ACME and SMS steps for tests/integ/test_sms_delivery.sh.

Checks print "ok - NAME" / "not ok - NAME" followed by "#   " diagnostic
lines; the shell test numbers them. The exit status is 1 when a check
failed. The server under test is the one described by the environment of
tests/integ/lib.sh (IDP_DIRECTORY_URL, IDP_TLS_CA); per-instance state
(account keys, order URLs, the code read from an SMS) is kept as JSON in
$SMS_FLOW_DIR.

Where SMS are read from (SRC):
    smsc:PORT    the control port of tests/smsc_sim.js (GET /messages)
    jsonl:PATH   one JSON object per line with "to" and "text" (the file
                 gateway, and the HTTP receiver below, which also records
                 "status": only 2xx count as delivered)
    tsv:PATH     lines "NUMBER<TAB>TEXT" (the exec gateway scripts)

ACME commands:
    flow NAME NUMBER --sms SRC [--acct A] [--resend]
        order, {}, read the code, [second {} sends nothing], answer,
        finalize, certificate
    start NAME NUMBER --expect processing|invalid-connection [--acct A]
        order and {}
    finish NAME --sms SRC [--count N]
        read the code of the N-th SMS to the number and answer with it
    limits --sms SRC --number-hour N --account-hour N --prefix-hour N
           --global-hour N
    day-burst --sms SRC --number-day N --global-hour N --first NUMBER
              --burst N
Other commands (no ACME):
    conf KEY=VALUE...          a configuration file (digits: integers)
    count SRC NUMBER [--all]   SMS delivered to NUMBER (--all: attempts)
    codes SRC...               every six-digit code in the recorded texts
    http-check NUMBER LOG GET|POST   how the HTTP gateway encoded its request
    receiver PORT LOG STATUSFILE     the HTTP SMS receiver
"""

import json
import os
import re
import sys
import time
import traceback
import urllib.parse
import urllib.request

A = None        # acmetest, imported by the ACME commands only
T = None        # the report
RAW = None      # acmetest.Raw

CODE_RUN = re.compile(r"[0-9]+")
UNRESERVED_PCT = re.compile(r"^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})*$")
FORM_PCT = re.compile(r"^(?:[A-Za-z0-9._~+*-]|%[0-9A-Fa-f]{2})*$")
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Abort(Exception):
    """A step failed (already reported); later steps depend on it."""


# ------------------------------------------------------------ SMS records

def _read_lines(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def sms_records(src, number=None, delivered=True):
    """SMS records of a source, oldest first: dicts with "to", "text"
    and what the source adds. delivered: only those the gateway
    accepted."""
    kind, _, arg = src.partition(":")
    out = []
    if kind == "smsc":
        with NO_PROXY.open("http://127.0.0.1:%s/messages" % arg,
                           timeout=5) as r:
            recs = json.load(r)
        for m in recs:
            if delivered and m.get("status", 0) != 0:
                continue
            out.append(m)
    elif kind == "jsonl":
        for line in _read_lines(arg):
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if not isinstance(m, dict):
                continue
            st = m.get("status")
            if delivered and st is not None and not 200 <= st < 300:
                continue
            out.append(m)
    elif kind == "tsv":
        for line in _read_lines(arg):
            to, _, text = line.partition("\t")
            out.append({"to": to, "text": text})
    else:
        raise ValueError("unknown SMS source %r" % src)
    if number is not None:
        out = [m for m in out if str(m.get("to", "")) == number]
    return out


def six_digit_runs(text):
    """The runs of digits in text that are exactly six long, and whether
    a longer run (which would hide a code) is present."""
    runs = CODE_RUN.findall(str(text))
    return [r for r in runs if len(r) == 6], any(len(r) > 6 for r in runs)


def wait_records(src, number, count, timeout=10.0):
    """Wait until at least count SMS went to number, then a little more
    to catch duplicates; return them all."""
    end = time.time() + timeout
    msgs = sms_records(src, number)
    while len(msgs) < count and time.time() < end:
        time.sleep(0.1)
        msgs = sms_records(src, number)
    time.sleep(0.3)
    return sms_records(src, number)


# ------------------------------------------------------------- reporting

def make_report():
    class Report(A.Tests):
        """acmetest.Tests without numbers: the shell numbers the lines."""

        def ok(self, cond, name, diag=None):
            self.n += 1
            print("%s - %s" % ("ok" if cond else "not ok", name), flush=True)
            if not cond:
                self.failed.append(name)
                if diag is not None:
                    for line in str(diag).splitlines() or [""]:
                        print("#   %s" % line, flush=True)
            return bool(cond)

    t = Report()
    t.index_url = A.DIRECTORY_URL
    return t


def body_of(r):
    try:
        doc = r.json()
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def diag(request, expected, r=None, got=None):
    """request / expected / got, for a failed check."""
    lines = ["request:  %s" % request, "expected: %s" % expected]
    if r is not None:
        extra = ""
        if r.headers.get("Retry-After") is not None:
            extra = " Retry-After: %s" % r.headers["Retry-After"]
        lines.append("got:      HTTP %s%s %s" % (r.status_code, extra,
                                                 r.text[:600].strip()))
    if got is not None:
        lines.append("got:      %s" % (got,))
    return "\n".join(lines)


# ----------------------------------------------------------------- state

def state_dir():
    d = os.environ.get("SMS_FLOW_DIR")
    if not d:
        sys.stderr.write("SMS_FLOW_DIR is not set\n")
        sys.exit(2)
    os.makedirs(d, exist_ok=True)
    return d


def state_path(name):
    return os.path.join(state_dir(), re.sub(r"[^A-Za-z0-9._-]", "_", name) +
                        ".json")


def load_state(name):
    with open(state_path(name)) as f:
        return json.load(f)


def save_state(st):
    with open(state_path(st["name"]), "w") as f:
        json.dump(st, f)


def account(name):
    """The key and kid of a named account, created on first use."""
    base = os.path.join(state_dir(), "acct-" + name)
    if os.path.exists(base + ".json"):
        with open(base + ".json") as f:
            kid = json.load(f)["kid"]
        return A.Key.load(base + ".pem"), kid
    key = A.Key("ES256")
    payload = {"termsOfServiceAgreed": True,
               "contact": ["mailto:%s@example.test" % name]}
    r = RAW.new_account(key, payload)
    kid = r.headers.get("Location", "")
    if not T.ok(r.status_code == 201 and kid, "account %s: newAccount 201 "
                "with Location" % name,
                diag("POST newAccount %s" % json.dumps(payload),
                     "201 with Location", r)):
        raise Abort()
    key.save(base + ".pem")
    with open(base + ".json", "w") as f:
        json.dump({"kid": kid}, f)
    return key, kid


def keys_of(st):
    return account(st["acct"])


# ----------------------------------------------------------------- steps

def check(cond, name, diag_text, quiet=False):
    """T.ok, silent about success when quiet."""
    if quiet and cond:
        return True
    return T.ok(cond, name, diag_text)


def new_order(name, number, acct="a", quiet=False):
    """newOrder for one number; its authorization and challenge. quiet:
    report failures only."""
    key, kid = account(acct)
    payload = {"identifiers": [A.tn_identifier(number)]}
    r = RAW.post(RAW["newOrder"], payload, key, kid)
    order = body_of(r)
    if not check(r.status_code == 201 and r.headers.get("Location") and
                 order.get("authorizations"),
                 "%s: newOrder for %s answers 201" % (name, number),
                 diag("POST newOrder %s" % json.dumps(payload),
                      "201 with Location and authorizations", r), quiet):
        raise Abort()
    authz_url = order["authorizations"][0]
    ra = RAW.post_as_get(authz_url, key, kid)
    challs = [c for c in body_of(ra).get("challenges", [])
              if c.get("type") == "sms-link-00"]
    if not check(ra.status_code == 200 and len(challs) == 1 and
                 challs[0].get("status") == "pending",
                 "%s: the authorization has one pending sms-link-00 "
                 "challenge" % name,
                 diag("POST-as-GET %s" % authz_url, "200 with one pending "
                      "sms-link-00 challenge", ra), quiet):
        raise Abort()
    st = {"name": name, "number": number, "acct": acct,
          "order": r.headers["Location"], "authz": authz_url,
          "chall": challs[0]["url"], "token": challs[0]["token"],
          "finalize": order.get("finalize"), "code": None}
    save_state(st)
    return st


def states(st):
    """(challenge, authorization, order) status by POST-as-GET."""
    key, kid = keys_of(st)
    out = []
    for what in ("chall", "authz", "order"):
        r = RAW.post_as_get(st[what], key, kid)
        out.append(body_of(r).get("status", "HTTP %s" % r.status_code))
    return tuple(out)


def check_states(st, label, want):
    got = states(st)
    T.ok(got == want, "%s: POST-as-GET shows challenge %s, authorization "
         "%s, order %s" % ((label,) + want),
         diag("POST-as-GET of the challenge, authorization and order",
              "%s %s %s" % want, got=" ".join(got)))


LIMIT_WORDS = (
    ("prefix", ("range", "prefix")),
    ("account", ("account",)),
    ("global", ("service", "global", "total")),
)


def limit_named(detail):
    """Which SMS limit a problem detail names."""
    d = detail.lower()
    for name, words in LIMIT_WORDS:
        if any(w in d for w in words):
            return name
    if "number" in d and "day" in d:
        return "number-day"
    if "number" in d and "hour" in d:
        return "number-hour"
    return None


def ready(st, expect, label=None):
    """POST {} to the challenge and check the answer.

    expect: "processing", "invalid-connection", "limit:NAME" (429
    rateLimited naming limit NAME), or "any" (return the response)."""
    label = label or st["name"]
    key, kid = keys_of(st)
    r = RAW.post(st["chall"], {}, key, kid)
    req = "POST {} to %s (number %s)" % (st["chall"], st["number"])
    body = body_of(r)
    if expect == "processing":
        T.ok(r.status_code == 200 and body.get("status") == "processing" and
             "error" not in body,
             "%s: {} answers 200 with the challenge processing" % label,
             diag(req, "200, status processing, no error member", r))
    elif expect == "invalid-connection":
        err = body.get("error") if isinstance(body.get("error"), dict) \
            else {}
        T.ok(r.status_code == 200 and body.get("status") == "invalid" and
             err.get("type") == A.ERR + "connection",
             "%s: {} answers 200 with the challenge invalid, error type "
             "connection" % label,
             diag(req, "200, status invalid, error.type %sconnection" %
                  A.ERR, r))
        check_states(st, label, ("invalid", "invalid", "invalid"))
    elif expect.startswith("limit:"):
        which = expect[6:]
        window = 86400 if which == "number-day" else 3600
        T.problem(r, 429, "rateLimited", "%s: {} answers 429 rateLimited"
                  % label)
        ra = r.headers.get("Retry-After", "")
        T.ok(ra.isdigit() and 0 < int(ra) <= window,
             "%s: Retry-After in seconds, at most the %d s window" %
             (label, window),
             diag(req, "Retry-After: 1..%d" % window, r))
        detail = str(body.get("detail", ""))
        T.ok(limit_named(detail) == which,
             "%s: the detail names the %s limit" % (label, which),
             diag(req, "a detail naming the %s limit" % which, r,
                  got="detail %r read as %s" % (detail,
                                                limit_named(detail))))
        check_states(st, label, ("pending", "pending", "pending"))
    return r


def read_code(st, src, count=1, label=None):
    """The code of the count-th SMS to the number (which must be the
    last one)."""
    label = label or st["name"]
    number = st["number"]
    msgs = wait_records(src, number, count)
    if not T.ok(len(msgs) == count, "%s: exactly %d SMS delivered to %s" %
                (label, count, number),
                diag("SMS records of %s for %s" % (src, number),
                     "%d message(s)" % count,
                     got="%d: %s" % (len(msgs), json.dumps(msgs)[:600]))):
        if not msgs:
            raise Abort()
    m = msgs[-1]
    T.eq(str(m.get("to")), number, "%s: the destination is the number's "
         "digits" % label)
    if src.startswith("smsc:"):
        T.eq((m.get("dest_ton"), m.get("dest_npi")), (1, 1),
             "%s: submit_sm dest_addr_ton/npi 1/1" % label)
    runs, longer = six_digit_runs(m.get("text", ""))
    if not T.ok(len(runs) == 1 and not longer, "%s: the text has exactly "
                "one six-digit run (the code)" % label,
                diag("text of the SMS to %s" % number, "one run of six "
                     "digits, none longer", got=repr(m.get("text")))):
        raise Abort()
    st["code"] = runs[0]
    save_state(st)
    return runs[0]


def answer(st, label=None):
    """Answer with the digest of the code read; check valid/ready."""
    label = label or st["name"]
    key, kid = keys_of(st)
    digest = A.sms_digest(st["code"], st["token"], key.thumbprint())
    r = RAW.post(st["chall"], {"keyAuthorization": digest}, key, kid)
    body = body_of(r)
    if not T.ok(r.status_code == 200 and body.get("status") == "valid" and
                "validated" in body,
                "%s: the digest of the code makes the challenge valid" %
                label,
                diag("POST {keyAuthorization} to %s" % st["chall"],
                     "200, status valid, validated", r)):
        raise Abort()
    check_states(st, label, ("valid", "valid", "ready"))


def finalize(st, label=None):
    """Finalize with a CSR for the number; fetch and check the
    certificate."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    label = label or st["name"]
    key, kid = keys_of(st)
    der = A.tnauthlist_der(st["number"])
    csr, _ = A.make_csr(der)
    r = RAW.post(st["finalize"], {"csr": A.b64u(csr)}, key, kid)
    order = body_of(r)
    if not T.ok(r.status_code == 200 and order.get("status") in
                ("valid", "processing"),
                "%s: finalize answers 200" % label,
                diag("POST finalize %s" % st["finalize"], "200, order "
                     "valid or processing", r)):
        raise Abort()
    end = time.time() + 10
    while order.get("status") == "processing" and time.time() < end:
        time.sleep(0.2)
        order = body_of(RAW.post_as_get(st["order"], key, kid))
    if not T.ok(order.get("status") == "valid" and order.get("certificate"),
                "%s: the order is valid with a certificate URL" % label,
                diag("POST-as-GET %s" % st["order"], "status valid, "
                     "certificate", got=json.dumps(order))):
        raise Abort()
    rc = RAW.post_as_get(order["certificate"], key, kid)
    blocks, _ = A.split_pem_chain(rc.text)
    if not T.ok(rc.status_code == 200 and blocks, "%s: the certificate "
                "downloads as PEM" % label,
                diag("POST-as-GET %s" % order["certificate"], "200, PEM "
                     "chain", rc)):
        raise Abort()
    leaf = x509.load_pem_x509_certificate(blocks[0].encode())
    cn = [a.value for a in
          leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    try:
        ext = leaf.extensions.get_extension_for_oid(A.TNAUTHLIST_OID)
        tn = ext.value.value
    except x509.ExtensionNotFound:
        tn = None
    T.ok(cn == [st["number"]] and tn == der, "%s: the certificate names "
         "the number (CN and TNAuthList)" % label,
         diag("certificate subject and TNAuthList", "CN=%s, TNAuthList "
              "%s" % (st["number"], der.hex()),
              got="CN=%s, TNAuthList %s" % (cn, tn.hex() if tn else None)))


def resend_too_soon(st, src, label=None):
    """A second {} within 60 s: 200 processing, nothing sent."""
    label = label or st["name"]
    before = len(sms_records(src, st["number"]))
    r = ready(st, "processing", "%s: second {}" % label)
    ra = r.headers.get("Retry-After")
    T.ok(ra is None or (ra.isdigit() and 0 < int(ra) <= 60),
         "%s: second {} has no Retry-After or one of 1..60 s" % label,
         diag("POST {} to %s" % st["chall"], "no Retry-After or 1..60", r))
    time.sleep(1.0)
    after = len(sms_records(src, st["number"]))
    T.ok(after == before, "%s: a second {} within 60 s sends nothing "
         "new" % label,
         diag("POST {} to %s" % st["chall"], "%d SMS to %s" %
              (before, st["number"]), got="%d SMS" % after))


def avoid_window_edge(margin=20):
    """The limits count in fixed hourly windows: do not straddle one."""
    left = 3600 - time.time() % 3600
    if left < margin:
        time.sleep(left + 1)


# -------------------------------------------------------------- commands

def cmd_flow(args):
    name, number = args.pos
    st = new_order(name, number, args.acct)
    ready(st, "processing")
    read_code(st, args.sms)
    if args.resend:
        resend_too_soon(st, args.sms)
    answer(st)
    finalize(st)


def cmd_start(args):
    name, number = args.pos
    st = new_order(name, number, args.acct)
    ready(st, args.expect)


def cmd_finish(args):
    st = load_state(args.pos[0])
    read_code(st, args.sms, args.count)
    answer(st)


def cmd_limits(args):
    """Trip each hourly limit once, each time with the other limits
    still open, so that the answer can only name that one."""
    nh, ah, ph, gh = (args.number_hour, args.account_hour, args.prefix_hour,
                      args.global_hour)
    if not (nh < ah and nh < ph and ah + ph - nh < gh):
        raise ValueError("need number-hour < account-hour, "
                         "number-hour < prefix-hour and "
                         "account-hour + prefix-hour - number-hour < "
                         "global-hour")
    avoid_window_edge()
    sent = 0
    seq = iter(range(10, 99))

    def number(prefix):
        return "%s%04d" % (prefix, next(seq))

    def go(acct, num, expect, label):
        nonlocal sent
        st = new_order(label, num, acct)
        ready(st, expect, label)
        if expect == "processing":
            sent += 1
        return st

    p1 = "1202555"
    n1 = number(p1)
    # Per number per hour: nh sends to n1, the next one refused.
    for i in range(nh):
        go("a1", n1, "processing", "number-hour %d/%d" % (i + 1, nh))
    go("a1", n1, "limit:number-hour", "number-hour over")
    # Per account per hour: a1 fills up on numbers of fresh ranges.
    for i in range(ah - nh):
        go("a1", number("1%03d555" % (300 + i)), "processing",
           "account-hour %d/%d" % (nh + i + 1, ah))
    go("a1", number("1399555"), "limit:account", "account-hour over")
    # Per number range per hour: other accounts, other numbers of p1.
    for i in range(ph - nh):
        go("a2", number(p1), "processing",
           "prefix-hour %d/%d" % (nh + i + 1, ph))
    go("a3", number(p1), "limit:prefix", "prefix-hour over")
    # Service-wide per hour: fresh accounts, numbers and ranges.
    for i in range(gh - sent):
        go("g%d" % i, number("1%03d555" % (500 + i)), "processing",
           "global-hour %d/%d" % (sent + 1, gh))
    go("gx", number("1599555"), "limit:global", "global-hour over")
    n = len(sms_records(args.sms))
    T.ok(n == gh, "limits: %d SMS went out in all, as many as "
         "limit_global_hour" % gh,
         diag("count of SMS records in %s" % args.sms, gh, got=n))


def cmd_day_burst(args):
    """Per number per day, then a burst of orders to sequential numbers
    against the service-wide hourly limit."""
    avoid_window_edge()
    nd, gh = args.number_day, args.global_hour
    num = "12025550200"
    for i in range(nd):
        st = new_order("number-day %d/%d" % (i + 1, nd), num)
        ready(st, "processing")
    st = new_order("number-day over", num)
    ready(st, "limit:number-day")
    used = nd
    first = int(args.first)
    width = len(args.first)
    ok200 = over = other = 0
    others = []
    for i in range(args.burst):
        number = "%0*d" % (width, first + i)
        st = new_order("burst %s" % number, number, quiet=True)
        key, kid = keys_of(st)
        r = RAW.post(st["chall"], {}, key, kid)
        body = body_of(r)
        if r.status_code == 200 and body.get("status") == "processing":
            ok200 += 1
        elif (r.status_code == 429 and
              body.get("type") == A.ERR + "rateLimited" and
              limit_named(str(body.get("detail", ""))) == "global" and
              r.headers.get("Retry-After", "").isdigit()):
            over += 1
        else:
            other += 1
            others.append("%s: HTTP %s %s" % (number, r.status_code,
                                               r.text[:200]))
    T.ok(ok200 == gh - used and over == args.burst - ok200 and other == 0,
         "burst: %d of %d {} sent a code, the other %d got 429 "
         "rateLimited naming the service-wide limit" %
         (gh - used, args.burst, args.burst - (gh - used)),
         diag("POST {} to %d fresh orders" % args.burst,
              "%d processing, %d 429 (global)" % (gh - used,
                                                  args.burst - gh + used),
              got="%d processing, %d 429 (global), %d other\n%s" %
              (ok200, over, other, "\n".join(others[:5]))))
    n = len(sms_records(args.sms))
    T.ok(n <= gh, "burst: at most limit_global_hour (%d) SMS went out in "
         "all" % gh, diag("count of SMS records in %s" % args.sms,
                          "<= %d" % gh, got=n))


def cmd_http_check(number, log, method):
    """How the HTTP gateway shaped its request for number."""
    recs = sms_records("jsonl:" + log, number)
    if not recs:
        print("not ok - http %s: a request for %s reached the receiver" %
              (method, number))
        return False
    m = recs[-1]
    raw = m.get("raw", {})
    fails = []
    if m.get("method") != method:
        fails.append("method %r, expected %r" % (m.get("method"), method))
    if method == "GET":
        if raw.get("to") != number:
            fails.append("to=%r, expected %r" % (raw.get("to"), number))
        t = raw.get("text", "")
        if not UNRESERVED_PCT.match(t):
            fails.append("text=%r is not percent-encoded (only unreserved "
                         "characters and %%XX)" % t)
        if urllib.parse.unquote(t) != m.get("text"):
            fails.append("text does not decode to the SMS text")
        if raw.get("user") != "idp":
            fails.append("the fixed part of the template is lost: %r" %
                         m.get("query"))
    else:
        ct = str(m.get("content_type", "")).split(";")[0].strip()
        if ct != "application/x-www-form-urlencoded":
            fails.append("Content-Type %r, expected "
                         "application/x-www-form-urlencoded" % ct)
        if m.get("query"):
            fails.append("query %r, expected none" % m.get("query"))
        if raw.get("to") != number:
            fails.append("to=%r, expected %r" % (raw.get("to"), number))
        t = raw.get("text", "")
        if not FORM_PCT.match(t):
            fails.append("text=%r is not form-encoded" % t)
        if urllib.parse.unquote_plus(t) != m.get("text"):
            fails.append("text does not decode to the SMS text")
        if raw.get("user") != "idp":
            fails.append("the fixed part of the template is lost: %r" %
                         m.get("body"))
    runs, longer = six_digit_runs(m.get("text", ""))
    if len(runs) != 1 or longer:
        fails.append("decoded text %r has not exactly one six-digit run" %
                     m.get("text"))
    ok = not fails
    print("%s - http %s: {to} and {text} %s-encoded in the %s" %
          ("ok" if ok else "not ok", method,
           "URL" if method == "GET" else "form",
           "query" if method == "GET" else "body"))
    if not ok:
        print("#   request:  %s %s %s" % (m.get("method"), m.get("path"),
                                          m.get("query") or m.get("body")))
        for f in fails:
            print("#   got:      %s" % f)
    return ok


# -------------------------------------------------------- HTTP receiver

def _raw_fields(s):
    """name -> raw (still encoded) value of an a=b&c=d string."""
    out = {}
    for part in s.split("&"):
        if part:
            k, _, v = part.partition("=")
            out[k] = v
    return out


def receiver(port, log, statusfile):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self):
            u = urllib.parse.urlsplit(self.path)
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode("latin-1") if n else ""
            if u.path == "/ping":
                status = 200
            else:
                try:
                    with open(statusfile) as f:
                        status = int(f.read().strip() or 202)
                except (OSError, ValueError):
                    status = 202
                if self.command == "GET":
                    raw = _raw_fields(u.query)
                    dec = urllib.parse.unquote
                else:
                    raw = _raw_fields(body)
                    dec = urllib.parse.unquote_plus
                rec = {"method": self.command, "path": u.path,
                       "query": u.query, "body": body,
                       "content_type": self.headers.get("Content-Type", ""),
                       "status": status, "raw": raw,
                       "to": dec(raw.get("to", "")),
                       "text": dec(raw.get("text", ""))}
                with open(log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec) + "\n")
            text = b"0: Accepted for delivery\n" if status < 300 else \
                b"busy\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        do_GET = do_POST = handle_one

        def log_message(self, *a):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


# ------------------------------------------------------------------ main

class Args:
    """A small option parser: positional words, --name value, --flag."""
    FLAGS = ("resend", "all")

    def __init__(self, argv):
        self.pos = []
        self.sms = None
        self.acct = "a"
        self.expect = "processing"
        self.count = 1
        self.resend = self.all = False
        it = iter(argv)
        for a in it:
            if a.startswith("--"):
                k = a[2:].replace("-", "_")
                if k in self.FLAGS:
                    setattr(self, k, True)
                else:
                    v = next(it)
                    setattr(self, k, int(v) if v.isdigit() and
                            k not in ("first", "acct") else v)
            else:
                self.pos.append(a)


ACME = {"flow": cmd_flow, "start": cmd_start, "finish": cmd_finish,
        "limits": cmd_limits, "day-burst": cmd_day_burst}


def main(argv):
    global A, T, RAW
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "receiver":
        receiver(*rest)
        return 0
    if cmd == "count":
        args = Args(rest)
        print(len(sms_records(args.pos[0], args.pos[1],
                              delivered=not args.all)))
        return 0
    if cmd == "codes":
        seen = []
        for src in rest:
            for m in sms_records(src, delivered=False):
                for c in six_digit_runs(m.get("text", ""))[0]:
                    if c not in seen:
                        seen.append(c)
        print("\n".join(seen))
        return 0
    if cmd == "conf":
        conf = {}
        for kv in rest:
            k, _, v = kv.partition("=")
            conf[k] = int(v) if v.isdigit() else v
        print(json.dumps(conf, indent=2))
        return 0
    if cmd == "http-check":
        return 0 if cmd_http_check(*rest) else 1
    if cmd not in ACME:
        sys.stderr.write(__doc__)
        return 2
    import acmetest
    A = acmetest
    A.require_env()
    T = make_report()
    try:
        RAW = A.Raw()
        ACME[cmd](Args(rest))
    except Abort:
        pass
    except Exception:  # noqa: BLE001 - one failed check with the trace
        T.ok(False, "sms_flow.py %s: raised" % " ".join(argv),
             traceback.format_exc())
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
