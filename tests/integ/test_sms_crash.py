"""An SMS survives the death of the challenge program between the commit
that queued it and its send: the program is killed (SIGKILL) while it
waits in the send hook ($IDPROVER_SEND_HOOK), and the next requests to the
challenge program deliver the message once its lease runs out, exactly
once, without anyone running idprover-admin sms-flush. A message whose
account was deactivated meanwhile is dropped instead of sent.

Runs under tests/integ/run.sh (lighttpd, one process per program)."""
import os
import signal
import subprocess
import threading
import time

from acmetest import (Raw, Tests, acme_client, acme_register, fresh_number,
                      kid_of, require_env, sms_count, sms_digest, sms_code,
                      tn_identifier)

require_env()
T = Tests("sms crash")
raw = Raw()
HOOK = os.environ["IDPROVER_SEND_HOOK"]
LIGHTTPD = int(os.environ["IDP_LIGHTTPD_PID"])
# The lease: sms_timeout_ms (3 s by default) + 1 + 10 s.
LEASE = 14


def workers(prog):
    """Pids of lighttpd's FastCGI processes of one program."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read()
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read().split(b"\0")[0].decode()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[1]) == LIGHTTPD and \
                cmd.endswith("/cgi-bin/" + prog):
            out.append(int(p))
    return out


def sleeping(pid):
    """In the hook's usleep (nanosleep), not waiting in accept()."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            nr = f.read().split()[0]
        with open("/proc/%d/wchan" % pid) as f:
            wchan = f.read()
    except OSError:
        return False
    return nr in ("35", "230") or "nanosleep" in wchan


class Enrolment:
    def __init__(self, label):
        self.c = acme_client()
        acme_register(self.c)
        self.key, self.kid = self.c.idp_key, kid_of(self.c)
        self.number = fresh_number("1303555")
        order = self.post(raw["newOrder"],
                          {"identifiers": [tn_identifier(self.number)]})
        T.eq(order.status_code, 201, "%s: newOrder 201" % label)
        self.authz = order.json()["authorizations"][0]
        self.order = order.headers["Location"]
        authz = raw.post_as_get(self.authz, self.key, self.kid).json()
        self.chall = authz["challenges"][0]
        self.label = label

    def post(self, url, payload):
        return raw.post(url, payload, self.key, self.kid)

    def poll(self):
        return raw.post_as_get(self.chall["url"], self.key, self.kid)


def killed_send(e):
    """POST {} to e's challenge with the hook in place, and kill the
    challenge program while it waits between commit and send."""
    open(HOOK, "w").close()
    result = {}

    def go():
        try:
            result["r"] = e.post(e.chall["url"], {})
        except Exception as x:  # the connection may break
            result["x"] = x

    t = threading.Thread(target=go)
    t.start()
    target = None
    for _ in range(150):
        for w in workers("challenge"):
            if sleeping(w):
                time.sleep(0.2)
                if sleeping(w):
                    target = w
        if target or not t.is_alive():
            break
        time.sleep(0.1)
    T.ok(target is not None, "%s: the challenge program waits in the send "
         "hook" % e.label, "workers: %s" % workers("challenge"))
    if target is not None:
        os.kill(target, signal.SIGKILL)
    os.unlink(HOOK)
    t.join(60)
    r = result.get("r")
    T.ok(r is None or r.status_code >= 500,
         "%s: the killed request was not answered 200" % e.label,
         r.text[:200] if r is not None else None)
    T.eq(sms_count(e.number), 0, "%s: nothing was sent before the kill"
         % e.label)
    return time.time()


# 1. The killed send is delivered by later requests, exactly once.
a = Enrolment("a")
killed = killed_send(a)
polls = 0
arrived = None
while time.time() < killed + LEASE + 15:
    r = a.poll()
    polls += 1
    if polls == 1:
        T.ok(r.status_code == 200 and
             r.json().get("status") == "processing",
             "a: after the kill the challenge is processing", r.text[:200])
    if sms_count(a.number) > 0:
        arrived = time.time()
        break
    time.sleep(1)
T.ok(arrived is not None, "a: the SMS arrived without sms-flush (after "
     "%.1f s, %d polls)" % ((arrived or time.time()) - killed, polls))
T.ok(arrived is None or arrived - killed >= LEASE - 2,
     "a: not before the lease of the killed send ran out (%d s)" % LEASE)
# More requests to the challenge program: it must not go out again.
for _ in range(5):
    a.poll()
    time.sleep(0.5)
T.eq(sms_count(a.number), 1, "a: exactly one SMS to the number")
code = sms_code(a.number)
r = a.post(a.chall["url"], {"keyAuthorization": sms_digest(
    code or "000000", a.chall["token"], a.key.thumbprint())})
T.ok(r.status_code == 200 and r.json().get("status") == "valid",
     "a: its code validates the challenge", r.text[:300])

# 2. The account is deactivated before the retry: the message is dropped.
b = Enrolment("b")
killed = killed_send(b)
r = b.post(b.kid, {"status": "deactivated"})
T.eq(r.status_code, 200, "b: the account is deactivated")
other = Enrolment("c")
while time.time() < killed + LEASE + 8:
    other.poll()  # requests to the challenge program work off the index
    time.sleep(1)
T.eq(sms_count(b.number), 0, "b: no SMS went to the deactivated account's "
     "number")

# 3. Nothing was left for sms-flush: every message was sent or dropped.
admin = os.path.join(os.environ["IDP_BUILD"], "tools", "idprover-admin")
out = subprocess.run([admin, "stats"], capture_output=True, text=True,
                     timeout=60)
stats = dict(line.split(" ", 1) for line in out.stdout.splitlines()
             if " " in line)
T.ok(stats.get("sms.queued") == "0" and stats.get("sms.sent") == "1" and
     stats.get("sms.failed") == "1",
     "the outbox: nothing queued, one sent (a), one dropped (b)",
     out.stdout + out.stderr)
out = subprocess.run([admin, "sms-flush"], capture_output=True, text=True,
                     timeout=60)
T.ok(out.returncode == 0 and "0 delivered" in out.stdout,
     "sms-flush afterwards finds nothing to deliver", out.stdout +
     out.stderr)
T.eq(sms_count(a.number) + sms_count(b.number), 1,
     "in all one SMS for the two killed sends")
T.done()
