#!/bin/bash
# Limits that hold against a crowd, through a real server: 100 accounts
# made as fast as one client can, from one address, meet the default
# limit on new accounts per client address (10 in any hour); each account
# that was made meets the per-account SMS budget (3 in any hour here), so
# of the 500 SMS the crowd asks for, 30 go out. Then the service-wide
# limit on new accounts. Every 429 has Retry-After and a detail naming
# the limit, and the windows slide: Retry-After counts from the first
# event, not to the end of the clock hour.
set -u
. "$IDP_TOP/tests/integ/lib.sh"

restart() {	# JSON configuration
	idp_stop
	echo "$1" > "$IDP_ROOT/crowd.conf"
	export IDPROVER_CONF=$IDP_ROOT/crowd.conf
	idp_render && idp_start
}

restart '{ "limit_account_hour": 3 }' ||
	{ echo "not ok 1 - server with the default limits on new accounts"; exit 1; }
trap idp_stop EXIT

"$IDP_PYTHON" -u - <<'PY' || exit 1
import time

from acmetest import (Key, Raw, Tests, fresh_number, require_env,
                      sms_messages, tn_identifier)

require_env()
T = Tests("crowd")
raw = Raw()
HOUR = 3600

# 1. 100 accounts, one after the other, from 127.0.0.1.
made, refused, other = [], [], []
t0 = time.time()
for i in range(100):
    key = Key("ES256")
    r = raw.new_account(key)
    if r.status_code == 201:
        made.append((key, r.headers["Location"]))
    elif r.status_code == 429:
        refused.append(r)
    else:
        other.append("%d %s" % (r.status_code, r.text[:200]))
took = time.time() - t0
T.diag("100 newAccount requests in %.1f s" % took)
T.eq(len(made), 10, "10 of 100 accounts were made (limit_new_accounts_"
     "addr_hour, default 10)")
T.eq(other, [], "the other answers are all 429")
bad = [r for r in refused
       if r.headers.get("Content-Type") != "application/problem+json" or
       r.json().get("type") != "urn:ietf:params:acme:error:rateLimited" or
       "new accounts per client address per hour" not in
       r.json().get("detail", "") or
       not r.headers.get("Retry-After", "").isdigit() or
       not 0 < int(r.headers["Retry-After"]) <= HOUR]
T.ok(len(refused) == 90 and not bad, "90 answers 429 rateLimited with "
     "Retry-After (1..3600) and a detail naming the limit",
     bad[0].text if bad else None)
ra = int(refused[-1].headers["Retry-After"])
elapsed = time.time() - t0
T.ok(HOUR - elapsed - 61 <= ra <= HOUR,
     "newAccount Retry-After counts an hour from the first account "
     "(%d s, %.0f s after it)" % (ra, elapsed))

# 2. Each account asks for 5 SMS to 5 numbers: 3 go out per account.
first = {}
sent = limited = 0
last = None
for n, (key, kid) in enumerate(made):
    for j in range(5):
        number = fresh_number("1%02d%d555" % (40 + n, j))
        o = raw.post(raw["newOrder"],
                     {"identifiers": [tn_identifier(number)]}, key, kid)
        if o.status_code != 201:
            T.ok(False, "newOrder 201", o.text[:300])
            continue
        az = raw.post_as_get(o.json()["authorizations"][0], key, kid).json()
        url = az["challenges"][0]["url"]
        r = raw.post(url, {}, key, kid)
        if r.status_code == 200 and r.json().get("status") == "processing":
            sent += 1
            first.setdefault(kid, time.time())
        elif (r.status_code == 429 and
              "SMS per account per hour" in r.json().get("detail", "") and
              r.headers.get("Retry-After", "").isdigit()):
            limited += 1
            last = (r, first[kid])
        else:
            T.ok(False, "challenge {}: processing or 429", r.text[:300])
T.eq((sent, limited), (30, 20), "of 50 SMS asked by the 10 accounts, 30 "
     "were sent and 20 refused by the per-account budget")
time.sleep(1)
T.eq(len(sms_messages()), 30, "the gateway got 30 SMS for the crowd of 100 "
     "(which would have asked for 500)")

# 3. The window slides: Retry-After is an hour from the account's first
# SMS; a clock-aligned window would say the rest of this clock hour.
r, t_first = last
ra = int(r.headers["Retry-After"])
since = time.time() - t_first
T.ok(HOUR - since - 61 <= ra <= HOUR, "SMS Retry-After is an hour from "
     "the account's first SMS (%d s, %.0f s after it)" % (ra, since))
rest = HOUR - int(time.time()) % HOUR
if rest < HOUR - 120:
    T.ok(ra > rest + 60, "... not the %d s left in the clock hour" % rest)
else:
    T.diag("the clock hour has just begun: no contrast with a fixed "
           "window")
T.done()
PY

restart '{ "limit_new_accounts_addr_hour": 1000,
  "limit_new_accounts_addr_day": 1000, "limit_new_accounts_hour": 15 }' ||
	{ echo "not ok 1 - server with a service-wide limit of 15"; exit 1; }

"$IDP_PYTHON" -u - <<'PY'
from acmetest import Key, Raw, Tests, require_env

require_env()
T = Tests("crowd, service-wide")
raw = Raw()
codes = [raw.new_account(Key("ES256")) for _ in range(8)]
T.eq([r.status_code for r in codes], [201] * 5 + [429] * 3,
     "10 accounts in the last hour, 15 allowed: 5 more are made, then 429")
d = codes[-1].json().get("detail", "")
T.ok("new accounts of this service per hour" in d and
     codes[-1].headers.get("Retry-After", "").isdigit(),
     "the 429 names the service-wide limit and has Retry-After", d)
T.done()
PY
