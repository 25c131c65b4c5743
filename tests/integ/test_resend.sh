#!/bin/bash
# The resend rules of sms-link-00 (PROTOCOL.md 8.2.5) against a server
# whose resend interval is 2 s: nothing is sent within the interval, a
# resend draws a new code and the old one stops working, failed tries are
# not reset, and a challenge gets four SMS at most.
set -u
. "$IDP_TOP/tests/integ/lib.sh"

idp_stop
cat > "$IDP_ROOT/resend.conf" <<'JSON'
{ "sms_resend_interval": 2 }
JSON
export IDPROVER_CONF=$IDP_ROOT/resend.conf
idp_render && idp_start || { echo "not ok 1 - server with a 2 s interval"; exit 1; }
trap idp_stop EXIT

"$IDP_PYTHON" -u - <<'PY'
import re
import time

from acmetest import (Raw, Tests, acme_client, acme_register, fresh_number,
                      kid_of, require_env, sms_count, sms_digest,
                      sms_messages, tn_identifier, wait_sms_code)

require_env()
T = Tests("resend")
raw = Raw()
acme = acme_client()
acme_register(acme)
key, kid = acme.idp_key, kid_of(acme)


def post(url, payload):
    return raw.post(url, payload, key, kid)


number = fresh_number()
order = post(raw["newOrder"], {"identifiers": [tn_identifier(number)]}).json()
authz = raw.post_as_get(order["authorizations"][0], key, kid).json()
chall = authz["challenges"][0]
digest = lambda code: sms_digest(code, chall["token"], key.thumbprint())

post(chall["url"], {})
code1 = wait_sms_code(number, 0)
r = post(chall["url"], {})
T.eq(r.status_code, 200, "a second {} within the interval: 200")
T.eq(r.json().get("status"), "processing", "... the challenge is processing")
ra = r.headers.get("Retry-After")
T.ok(ra is not None and 0 <= int(ra) <= 2,
     "... Retry-After is the wait until a resend (<= 2 s)", ra)
time.sleep(0.3)
T.eq(sms_count(number), 1, "... and sends nothing")

wrong = "%06d" % ((int(code1) + 1) % 1000000)
r = post(chall["url"], {"keyAuthorization": digest(wrong)})
T.eq(r.json().get("remainingTries"), 4, "a wrong code: 4 tries left")

time.sleep(2.2)
post(chall["url"], {})
code2 = wait_sms_code(number, 1)
T.eq(sms_count(number), 2, "after the interval, {} sends a new SMS")
if code2 != code1:
    r = post(chall["url"], {"keyAuthorization": digest(code1)})
    T.eq(r.status_code, 400, "the first code no longer works: 400")
    T.eq(r.json().get("remainingTries"), 3,
         "... and failed tries are not reset: 3 left")
else:
    T.ok(True, "the new code equals the old one by chance (1 in 10^6)")
    T.ok(True, "(tries check skipped)")

for n in (3, 4):
    time.sleep(2.2)
    post(chall["url"], {})
    wait_sms_code(number, n - 1)
time.sleep(2.2)
r = post(chall["url"], {})
time.sleep(0.5)
T.eq(sms_count(number), 4, "a fifth {} after the interval sends nothing: "
     "four SMS at most")
T.eq(r.status_code, 200, "... and still answers 200")

last = sms_messages(number)[-1]
code4 = re.findall(r"(?<!\d)\d{6}(?!\d)", last["text"])[0]
r = post(chall["url"], {"keyAuthorization": digest(code4)})
T.eq(r.json().get("status"), "valid", "the newest code validates")
T.done()
PY
