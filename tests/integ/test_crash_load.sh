#!/bin/bash
# Crash safety under load: four python3-acme clients run whole enrolments
# (account → order → {} → code from sms.log → answer → finalize →
# certificate) for about 30 s while a killer SIGKILLs random FastCGI
# programs of the server (children of lighttpd, which respawns them)
# every 0.5-1.5 s, preferring one that is busy with a request. Then:
#   * lighttpd is stopped (db_verify needs no concurrent writers) and
#     db5.3_verify passes on every database file;
#   * the server starts again with no manual recovery and enrols;
#   * every account and order a client saw committed is still there and
#     consistent: orders answer POST-as-GET 200 with a status the client's
#     own observations allow, and every certificate a client downloaded is
#     still served byte for byte and verifies (certtool) against its CA;
#   * no send produced two SMS: in sms.log each (number, code) pair appears
#     once, and no challenge got more than 4 messages.
# Bounded: load 30 s (at most 40 s to reach 24 kills), each client step
# has a 10 s network timeout, the whole file stops by itself in < 2 min.
#
# Runs under tests/integ/run.sh (IDP_ROOT, IDP_LIGHTTPD_PID, IDPROVER_VAR,
# IDP_SMS_LOG, ... are set there).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for v in IDP_ROOT IDP_LIGHTTPD_PID IDPROVER_VAR IDP_SMS_LOG IDP_CONF; do
	if [ -z "${!v:-}" ]; then
		echo "run through tests/integ/run.sh ($v is not set)" >&2
		exit 2
	fi
done

LOAD_SECONDS=${IDP_CRASH_LOAD_SECONDS:-30}
# The whole file stops by itself within BUDGET seconds: every phase gets
# at most what is left.
BUDGET=${IDP_CRASH_LOAD_BUDGET:-110}
T0=$SECONDS
left() {	# seconds left, capped at $1, at least 1
	local l=$((BUDGET - (SECONDS - T0)))
	[ "$l" -gt "$1" ] && l=$1
	[ "$l" -lt 1 ] && l=1
	echo "$l"
}
MIN_KILLS=${IDP_CRASH_LOAD_MIN_KILLS:-24}
WORKERS=4
# The programs an enrolment goes through; the killer picks among them.
FLOW="new-nonce new-account account new-order order authz challenge finalize cert"

finish() {
	idp_stop
	echo "# $((SECONDS - T0)) s"
	echo "1..$n"
	[ $failed -eq 0 ] || { echo "# $failed of $n checks failed"; exit 1; }
	exit 0
}
# The server this file restarts is its own to stop.
trap 'idp_stop' EXIT
trap 'idp_stop; exit 130' INT TERM

work=$IDP_ROOT/crash-load
mkdir -p "$work/keys"
dbdir=$IDPROVER_VAR/db

# ------------------------------------------------------------- the client
cat > "$work/load.py" <<'PY'
"""worker ID SECONDS OUT  |  check OUT...  |  enrol"""
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

from acme import messages
from cryptography.hazmat.primitives.asymmetric import ec

import acmetest as at

WORK = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 5           # seconds per HTTP request
TRIES = 6             # attempts per step


class Out:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)

    def __call__(self, **ev):
        ev["t"] = round(time.time(), 3)
        self.f.write(json.dumps(ev) + "\n")


def client(key=None):
    c = at.acme_client(key or at.Key("ES256"))
    c.net._default_timeout = TIMEOUT
    return c


def err_text(e):
    if isinstance(e, messages.Error):
        return "%s %s" % (e.typ.replace(at.ERR, ""), (e.detail or "")[:80])
    return "%s: %s" % (type(e).__name__, str(e)[:120])


def problem(e):
    return e.typ.replace(at.ERR, "") if isinstance(e, messages.Error) \
        else None


def number():
    # A fresh 11-digit number with its own range (per-range SMS limits).
    return "1%010d" % random.randrange(10 ** 10)


class Flow:
    def __init__(self, wid, out, deadline):
        self.wid, self.out, self.deadline = wid, out, deadline
        self.fails = 0

    def step(self, name, fn, accept=()):
        """Run fn until it returns; a problem type in accept is handed back
        as ("problem", type). Errors are retried; None after TRIES."""
        for i in range(TRIES):
            if time.time() > self.deadline + 5:
                break
            try:
                return fn()
            except Exception as e:  # noqa: BLE001 - counted, retried
                if problem(e) in accept:
                    return ("problem", problem(e))
                self.fails += 1
                self.out(ev="error", worker=self.wid, step=name,
                         attempt=i + 1, err=err_text(e))
                time.sleep(0.1 + 0.1 * i + random.random() * 0.1)
        self.out(ev="gave_up", worker=self.wid, step=name)
        return None

    def account(self):
        key = at.Key("ES256")
        path = os.path.join(WORK, "keys", "w%d-%d.pem" % (
            self.wid, int(time.time() * 1000)))
        key.save(path)
        c = [None]

        def reg():
            c[0] = client(key)
            r = at.acme_register(c[0], "load@example.test")
            return r
        r = self.step("newAccount", reg)
        if r is None:
            return None
        # 201 first time; 200 when an earlier try committed unseen.
        self.out(ev="account", worker=self.wid, kid=at.kid_of(c[0]),
                 key=path, status=r.status_code)
        c[0].idp_key = key
        return c[0]

    def enrol(self, c):
        kid = at.kid_of(c)
        tn = number()
        value = at.tnauthlist_value(tn)
        r = self.step("newOrder", lambda: c._post(
            c.directory["newOrder"], messages.NewOrder(identifiers=[
                messages.Identifier(typ=at.TNAUTHLIST, value=value)])))
        if r is None:
            return False
        order_url = r.headers["Location"]
        order = r.json()
        self.out(ev="order", worker=self.wid, url=order_url, kid=kid,
                 number=tn, status=r.status_code)
        authz = self.step("authz", lambda: c._post_as_get(
            order["authorizations"][0]).json())
        if authz is None:
            return False
        ch = authz["challenges"][0]
        seen = at.sms_count(tn)
        code = None
        for attempt in range(3):
            r = self.step("challenge {}", lambda: c._post(
                ch["url"], at.RawJSON({})))
            if r is None:
                return False
            code = at.wait_sms_code(tn, seen, timeout=3)
            if code is not None:
                break
        if code is None:
            self.out(ev="no_sms", worker=self.wid, url=order_url)
            self.fails += 1
            return False
        digest = at.sms_digest(code, ch["token"], c.idp_key.thumbprint())
        r = self.step("answer", lambda: c._post(
            ch["url"], at.RawJSON({"keyAuthorization": digest})))
        if r is None:
            return False
        if r.json().get("status") != "valid":
            self.out(ev="answer_not_valid", worker=self.wid, url=order_url,
                     body=r.text[:200])
            return False
        self.out(ev="chall_valid", worker=self.wid, url=order_url)
        csr, _ = at.make_csr(at.tnauthlist_der(tn))
        r = self.step("finalize", lambda: c._post(
            order["finalize"], at.RawJSON({"csr": at.b64u(csr)})),
            accept=("orderNotReady",))
        if r is None:
            return False
        if isinstance(r, tuple):
            # A finalize that committed but whose answer was lost: the
            # order itself tells.
            o = self.step("order", lambda: c._post_as_get(order_url).json())
            if o is None or o.get("status") != "valid":
                self.out(ev="finalize_lost", worker=self.wid, url=order_url,
                         order=o)
                return False
        else:
            o = r.json()
        cert_url = o.get("certificate")
        self.out(ev="order_valid", worker=self.wid, url=order_url,
                 cert_url=cert_url)
        r = self.step("certificate", lambda: c._post_as_get(cert_url))
        if r is None:
            return False
        self.out(ev="cert", worker=self.wid, url=order_url,
                 cert_url=cert_url,
                 sha256=hashlib.sha256(r.content).hexdigest())
        return True


def worker(wid, seconds, path):
    out = Out(path)
    deadline = time.time() + seconds
    f = Flow(wid, out, deadline)
    done = 0
    c = None
    while time.time() < deadline:
        if c is None or random.random() < 0.2:
            c = f.account()
            if c is None:
                continue
        if f.enrol(c):
            done += 1
    out(ev="end", worker=wid, enrolments=done, failures=f.fails)


CA_PEM = open(os.path.join(at.VAR, "ca", "ca.pem")).read()
CA = at.x509.load_pem_x509_certificate(CA_PEM.encode())


def verify_chain(pem, with_certtool):
    """(good, why): the leaf is signed by the chain's last certificate,
    which is the server's CA; certtool checks the chain too when asked."""
    blocks, _ = at.split_pem_chain(pem)
    if len(blocks) < 2:
        return False, "%d PEM blocks" % len(blocks)
    leaf = at.x509.load_pem_x509_certificate(blocks[0].encode())
    ca = at.x509.load_pem_x509_certificate(blocks[-1].encode())
    if ca != CA:
        return False, "the chain's CA is not $IDPROVER_VAR/ca/ca.pem"
    try:
        ca.public_key().verify(leaf.signature, leaf.tbs_certificate_bytes,
                               ec.ECDSA(leaf.signature_hash_algorithm))
    except Exception as e:  # noqa: BLE001 - reported
        return False, "signature: %s" % type(e).__name__
    if not with_certtool:
        return True, ""
    with tempfile.NamedTemporaryFile("w", suffix=".pem", dir=WORK) as ch, \
            tempfile.NamedTemporaryFile("w", suffix=".pem", dir=WORK) as cf:
        ch.write(pem)
        ch.flush()
        cf.write(blocks[-1])
        cf.flush()
        p = subprocess.run(["certtool", "--verify",
                            "--load-ca-certificate", cf.name,
                            "--infile", ch.name],
                           capture_output=True, text=True)
        good = p.returncode == 0 and \
            "Chain verification output: Verified" in p.stdout
        return good, p.stdout[-300:]


def check_order(url, o, key, raw, with_certtool):
    """Problems with one committed order, and whether a certificate was
    re-downloaded and verified."""
    r = raw.post_as_get(url, key, o["kid"])
    if r.status_code != 200:
        return ["order %s (seen %s): POST-as-GET %s %s" % (
            url, o["seen"], r.status_code, r.text[:120])], 0
    status = r.json().get("status")
    probs = []
    if status not in ALLOWED[o["seen"]]:
        probs.append("order %s: status %s after the client saw it %s" %
                     (url, status, o["seen"]))
    if status != "valid":
        return probs, 0
    cert_url = r.json().get("certificate")
    if o.get("cert_url") and cert_url != o["cert_url"]:
        probs.append("order %s: certificate URL %s, the client saw %s" %
                     (url, cert_url, o["cert_url"]))
    if not cert_url:
        return probs + ["order %s: valid without a certificate" % url], 0
    r = raw.post_as_get(cert_url, key, o["kid"])
    if r.status_code != 200:
        return probs + ["certificate %s: %s %s" % (
            cert_url, r.status_code, r.text[:120])], 0
    if o.get("sha256") and \
            hashlib.sha256(r.content).hexdigest() != o["sha256"]:
        probs.append("certificate %s differs from the one the client "
                     "downloaded" % cert_url)
    good, why = verify_chain(r.text, with_certtool)
    if not good:
        probs.append("certificate %s does not verify: %s" % (cert_url, why))
    return probs, 1


ALLOWED = {"pending": {"pending", "ready", "processing", "valid", "invalid"},
           "ready": {"ready", "processing", "valid"},
           "valid": {"valid"}}


def check(paths):
    evs = []
    for p in paths:
        with open(p) as f:
            evs += [json.loads(line) for line in f if line.strip()]
    res = {"accounts": 0, "orders": 0, "valid": 0, "certs": 0,
           "problems": [], "enrolments": 0, "failures": 0}
    res["enrolments"] = sum(1 for e in evs if e["ev"] == "cert")
    res["failures"] = sum(1 for e in evs if e["ev"] in ("error", "no_sms"))
    keys = {}
    acct_seen = [e for e in evs if e["ev"] == "account"]
    for e in acct_seen:
        keys[e["kid"]] = e["key"]
    res["accounts"] = len(acct_seen)
    raw = at.Raw()
    for e in acct_seen:
        r = raw.new_account(at.Key.load(e["key"]),
                            {"onlyReturnExisting": True})
        if r.status_code != 200 or r.headers.get("Location") != e["kid"]:
            res["problems"].append("account %s: onlyReturnExisting %s %s" %
                                   (e["kid"], r.status_code, r.text[:120]))
    orders = {}
    for e in evs:
        if e["ev"] == "order":
            orders[e["url"]] = {"kid": e["kid"], "seen": "pending"}
    for e in evs:
        if e["ev"] == "chall_valid" and e["url"] in orders:
            orders[e["url"]]["seen"] = "ready"
    for e in evs:
        if e["ev"] == "order_valid" and e["url"] in orders:
            orders[e["url"]]["seen"] = "valid"
            orders[e["url"]]["cert_url"] = e["cert_url"]
        if e["ev"] == "cert" and e["url"] in orders:
            orders[e["url"]]["sha256"] = e["sha256"]
    res["orders"] = len(orders)
    # Four threads, each with its own connection; certtool on the first
    # 20 certificates, every certificate verified in process.
    items = sorted(orders.items())
    lock = threading.Lock()

    def part(idx):
        raw = at.Raw()
        for i in range(idx, len(items), 4):
            url, o = items[i]
            probs, n = check_order(url, o, at.Key.load(keys[o["kid"]]), raw,
                                   i < 20)
            with lock:
                res["problems"] += probs
                res["certs"] += n
    threads = [threading.Thread(target=part, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # No send produced two SMS.
    pairs, per_number = {}, {}
    for m in at.sms_messages():
        to = str(m.get("to", ""))
        codes = at.CODE_RE.findall(str(m.get("text", "")))
        pair = (to, codes[0] if codes else None)
        pairs[pair] = pairs.get(pair, 0) + 1
        per_number[to] = per_number.get(to, 0) + 1
    res["sms"] = sum(per_number.values())
    res["sms_dup_pairs"] = ["%s code %s x%d" % (k[0], k[1], v)
                            for k, v in pairs.items() if v > 1]
    res["sms_over_4"] = ["%s x%d" % (k, v) for k, v in per_number.items()
                         if v > 4]
    res["errors_by_step"] = {}
    for e in evs:
        if e["ev"] == "error":
            k = e["step"]
            res["errors_by_step"][k] = res["errors_by_step"].get(k, 0) + 1
    res["no_sms"] = sum(1 for e in evs if e["ev"] == "no_sms")
    res["gave_up"] = sum(1 for e in evs if e["ev"] == "gave_up")
    samples = [e["err"] for e in evs if e["ev"] == "error"]
    res["error_samples"] = sorted(set(samples))[:12]
    print(json.dumps(res))


def enrol_once():
    f = Flow(99, Out(os.path.join(WORK, "after.jsonl")), time.time() + 20)
    c = f.account()
    ok = c is not None and f.enrol(c)
    print("enrolment %s (%d errors)" % ("ok" if ok else "FAILED", f.fails))
    return 0 if ok else 1


if __name__ == "__main__":
    at.require_env()
    if sys.argv[1] == "worker":
        worker(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "check":
        check(sys.argv[2:])
    elif sys.argv[1] == "enrol":
        sys.exit(enrol_once())
PY

py() {	# timeout-seconds args...
	local t=$1
	shift
	PYTHONPATH=$here timeout "$t" "$IDP_PYTHON" "$work/load.py" "$@"
}

out=$(py "$(left 20)" enrol 2>&1)
ok $? "before the load: one enrolment works ($out)"

# ------------------------------------------------------------- load + kills
pids=()
for w in $(seq 1 $WORKERS); do
	timeout $((LOAD_SECONDS + 15)) \
	    env PYTHONPATH="$here" "$IDP_PYTHON" "$work/load.py" worker "$w" \
	    "$LOAD_SECONDS" "$work/w$w.jsonl" > "$work/w$w.err" 2>&1 &
	pids+=($!)
done

# The flow programs' pids, with shell builtins only (the killer must keep
# its pace on two busy cores).
flow_pids() {
	local p cmd
	for p in $(pgrep -P "$IDP_LIGHTTPD_PID"); do
		cmd=
		read -r -d '' cmd < "/proc/$p/cmdline" 2>/dev/null
		case " $FLOW " in
		*" ${cmd##*/} "*) echo "$p" ;;
		esac
	done
}
# Busy = not waiting in accept(2) (syscall 43 on x86_64, 288 accept4).
busy() {
	local sc=
	read -r sc _ < "/proc/$1/syscall" 2>/dev/null || return 1
	[ -n "$sc" ] && [ "$sc" != 43 ] && [ "$sc" != 288 ] &&
	    [ "$sc" != running ]
}

kills=0
busy_kills=0
start=$SECONDS
: > "$work/kills"
while :; do
	el=$((SECONDS - start))
	if [ $el -ge "$LOAD_SECONDS" ] && [ $kills -ge "$MIN_KILLS" ]; then
		break
	fi
	[ $el -ge $((LOAD_SECONDS + 10)) ] && break
	ms=$((500 + RANDOM % 1001))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	cands=()
	busys=()
	for p in $(flow_pids); do
		cands+=("$p")
		busy "$p" && busys+=("$p")
	done
	if [ ${#busys[@]} -gt 0 ]; then
		victim=${busys[RANDOM % ${#busys[@]}]}
		kind=busy
	elif [ ${#cands[@]} -gt 0 ]; then
		victim=${cands[RANDOM % ${#cands[@]}]}
		kind=idle
	else
		continue
	fi
	name=
	read -r -d '' name < "/proc/$victim/cmdline" 2>/dev/null
	if kill -KILL "$victim" 2>/dev/null; then
		kills=$((kills + 1))
		[ $kind = busy ] && busy_kills=$((busy_kills + 1))
		echo "$el $victim ${name##*/} $kind" >> "$work/kills"
	fi
done
echo "# $kills kills ($busy_kills of a busy program) in $((SECONDS - start)) s"
awk '{ print $3 }' "$work/kills" | sort | uniq -c | sed 's/^ */# killed /'

wrc=0
for p in "${pids[@]}"; do
	wait "$p" || wrc=$?
done
[ "$kills" -ge "$MIN_KILLS" ]
ok $? "the killer sent $kills SIGKILLs (at least $MIN_KILLS; $busy_kills \
hit a program inside a request)"
ok $wrc "all $WORKERS load clients stopped by themselves (rc $wrc)" \
    "$(tail -n 5 "$work"/w*.err 2>/dev/null)"
ends=$(cat "$work"/w*.jsonl 2>/dev/null | grep -c '"ev": "end"')
[ "$ends" -eq $WORKERS ]
ok $? "every client reported its end ($ends of $WORKERS)"
grep -h '"ev": "end"' "$work"/w*.jsonl | sed 's/^/# /'

# Still the same server, nobody intervened: it must serve again by itself
# (a killed program is respawned by lighttpd; the others must get over
# it). Up to 15 s.
recovered=1
t0=$SECONDS
while [ $((SECONDS - t0)) -lt 12 ]; do
	if out=$(py "$(left 8)" enrol 2>&1); then
		recovered=0
		break
	fi
	[ -n "$out" ] || out="enrolment timed out"
	sleep 1
done
# Which programs are inside a request now, and where they wait.
stuck=""
for p in $(pgrep -P "$IDP_LIGHTTPD_PID"); do
	sc=
	read -r sc _ < "/proc/$p/syscall" 2>/dev/null
	case $sc in 43|288|'') continue ;; esac
	cmd=
	read -r -d '' cmd < "/proc/$p/cmdline" 2>/dev/null
	stuck="$stuck${cmd##*/} (pid $p) in syscall $sc, wchan \
$(cat "/proc/$p/wchan" 2>/dev/null)"$'\n'
done
ok $recovered "after the kills, without a restart: a whole enrolment works \
within 12 s ($out; waited $((SECONDS - t0)) s)" \
    "$(grep -h '"ev": "error"' "$work/after.jsonl" 2>/dev/null | tail -n 3)
${stuck:+programs inside a request:
$stuck}"
# The same-file check of the load itself: certificates per 5 s window.
"$IDP_PYTHON" - "$work" <<'PY' | sed 's/^/# /'
import collections, glob, json, sys
ev = [json.loads(l) for f in glob.glob(sys.argv[1] + "/w*.jsonl")
      for l in open(f) if l.strip()]
if ev:
    t0 = min(e["t"] for e in ev)
    c = collections.Counter(int((e["t"] - t0) // 5) * 5 for e in ev
                            if e["ev"] == "cert")
    er = collections.Counter(int((e["t"] - t0) // 5) * 5 for e in ev
                             if e["ev"] == "error")
    last = max(int((e["t"] - t0) // 5) * 5 for e in ev)
    print("certificates / errors per 5 s: " + "  ".join(
        "%ds:%d/%d" % (b, c[b], er[b]) for b in range(0, last + 5, 5)))
PY

# ------------------------------------------------------------- verify
lpid=$IDP_LIGHTTPD_PID
kids=$(pgrep -P "$lpid" | tr '\n' ' ')
idp_stop
gone() {	# dead, or a zombie nobody reaped yet
	! kill -0 "$1" 2>/dev/null ||
	    grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}
alive=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	alive=""
	for k in $kids; do
		gone "$k" || alive="$alive $k"
	done
	[ -z "$alive" ] && break
	sleep 0.1
done
gone "$lpid" && [ -z "$alive" ]
ok $? "lighttpd (pid $lpid) and its programs stopped for the verification" \
    "still running:$alive"
nfiles=0
bad=""
for f in "$dbdir"/*.db; do
	[ -f "$f" ] || continue
	nfiles=$((nfiles + 1))
	if ! vout=$(db5.3_verify -h "$dbdir" "$(basename "$f")" 2>&1); then
		bad="$bad$(basename "$f"): $vout"$'\n'
	fi
done
[ $nfiles -gt 0 ] && [ -z "$bad" ]
ok $? "db5.3_verify passes on all $nfiles database files" "$bad"

# No manual recovery: start the same server again.
if [ $((BUDGET - (SECONDS - T0))) -lt 15 ]; then
	ok 1 "time left for the restart checks" "$((SECONDS - T0)) s used"
	finish
fi
if ! idp_start; then
	ok 1 "the server starts again" "$(tail -n 20 "$IDP_RUN/error.log")"
	finish
fi
ok 0 "the server starts again without manual recovery"
out=$(py "$(left 15)" enrol 2>&1)
ok $? "after the crashes: a whole enrolment works ($out)"

res=$(timeout "$(left 40)" env PYTHONPATH="$here" "$IDP_PYTHON" "$work/load.py" \
    check "$work"/w*.jsonl 2> "$work/check.err")
rc=$?
if [ $rc -ne 0 ] || [ -z "$res" ]; then
	ok 1 "the committed state can be checked" "$(tail -n 20 "$work/check.err")"
	finish
fi
get() { printf '%s' "$res" | "$IDP_PYTHON" -c \
    "import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(v if not isinstance(v, list) else '\n'.join(map(str, v)))" "$1"; }
echo "# clients: $(get enrolments) enrolments, $(get accounts) accounts, \
$(get orders) orders seen committed, $(get failures) failed attempts, \
$(get no_sms) codes not received, $(get gave_up) steps given up"
echo "# errors by step: $(get errors_by_step)"
get error_samples | sed 's/^/#   sample error: /'
[ "$(get orders)" -gt 0 ] && [ "$(get enrolments)" -gt 0 ]
ok $? "the clients got work done under the kills ($(get enrolments) \
enrolments, $(get orders) orders)"
probs=$(get problems)
[ -z "$probs" ]
ok $? "every committed account and order is present and consistent \
($(get accounts) accounts, $(get orders) orders, $(get certs) certificates \
re-downloaded and verified)" "$probs"
dups=$(get sms_dup_pairs)
[ -z "$dups" ]
ok $? "no (number, code) pair in sms.log twice ($(get sms) SMS)" "$dups"
over=$(get sms_over_4)
[ -z "$over" ]
ok $? "no challenge got more than 4 SMS" "$over"

if grep -qi 'panic\|DB_RUNRECOVERY\|run database recovery' \
    "$IDP_RUN/error.log" 2>/dev/null; then
	echo "# error.log mentions recovery ($(grep -ci 'panic\|DB_RUNRECOVERY\|run database recovery' "$IDP_RUN/error.log") lines), e.g.:"
	grep -i 'panic\|DB_RUNRECOVERY\|run database recovery' \
	    "$IDP_RUN/error.log" | tail -n 3 | sed 's/^/#   /'
fi
finish
