#!/bin/bash
# idprover-admin against a running server (the harness's): stats counts
# what python3-acme created; prune removes used nonces past their
# lifetime and nothing live; revoke marks a certificate revoked (the CRL
# lists it); backup makes a folder a second server runs on (an account
# created before the backup answers there, one created after does not);
# check-config names the key of a broken file.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for v in IDP_ROOT IDPROVER_VAR IDP_DIRECTORY_URL IDP_TLS_CA; do
	if [ -z "${!v:-}" ]; then
		echo "run through tests/integ/run.sh ($v is not set)" >&2
		exit 2
	fi
done


admin() { "$IDP_BUILD/tools/idprover-admin" "$@"; }
py() { PYTHONPATH=$here "$IDP_PYTHON" "$here/acmetest.py" "$@"; }
work=$IDP_ROOT/admin
mkdir -p "$work"

# A value of `idprover-admin stats` output ("name value" lines).
stat_of() {	# file name
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

# ---------------------------------------------------------------- data
# Two accounts; one pending order; one order carried to a certificate.
PYTHONPATH=$here "$IDP_PYTHON" "$here/enrol_one.py" "$work" admin@example.test \
    > "$work/make.out" 2>&1
rc=$?
ok $rc "python3-acme: two accounts, a pending order, a certificate" \
    "$(tail -n 20 "$work/make.out")"
py account-new "$work/second.key" > "$work/second.out" 2>&1
kid=$(awk '$1 == "account" { print $2 }' "$work/make.out")
serial=$(awk '$1 == "serial" { print $2 }' "$work/make.out")

# --------------------------------------------------------------- stats
admin stats > "$work/stats1" 2> "$work/stats1.err"
rc=$?
ok $rc "stats: exits 0" "$(cat "$work/stats1.err")"
ok "$([ "$(stat_of "$work/stats1" accounts)" = 2 ]; echo $?)" \
    "stats: 2 accounts" "$(cat "$work/stats1")"
ok "$([ "$(stat_of "$work/stats1" orders.pending)" = 1 ] &&
    [ "$(stat_of "$work/stats1" orders.valid)" = 1 ]; echo $?)" \
    "stats: 1 pending order, 1 valid order" "$(cat "$work/stats1")"
ok "$([ "$(stat_of "$work/stats1" sms.sent)" = 1 ] &&
    [ "$(stat_of "$work/stats1" sms.queued)" = 0 ]; echo $?)" \
    "stats: 1 SMS sent, none queued" "$(cat "$work/stats1")"
ok "$([ "$(stat_of "$work/stats1" certificates)" = 1 ] &&
    [ "$(stat_of "$work/stats1" certificates.revoked)" = 0 ]; echo $?)" \
    "stats: 1 certificate, none revoked" "$(cat "$work/stats1")"

# --------------------------------------------------------------- prune
# A nonce issued 3598 s ago (made with the server's secret, as the
# server makes them) is still good: using it stores it until its
# lifetime ends, 2 s later. A fresh nonce used now is stored for an hour.
PYTHONPATH=$here "$IDP_PYTHON" - "$work" > "$work/nonce.out" 2>&1 <<'PY'
import hashlib
import hmac
import os
import struct
import sys
import time

from acmetest import VAR, Key, Raw, b64u, require_env

require_env()
work = sys.argv[1]
with open(os.path.join(VAR, "secret"), "rb") as f:
    secret = f.read()
body = struct.pack(">I", int(time.time()) - 3598) + os.urandom(16)   # time(4) random(16)
mac = hmac.new(secret, b"nnc1" + body, hashlib.sha256).digest()[:10]
old = b64u(body + mac)
key = Key.load(work + "/platform.key")
raw = Raw()
r = raw.new_account(key, {"onlyReturnExisting": True}, nonce=old)
print("old %d %s" % (r.status_code, old))
fresh = raw.new_nonce()
r = raw.new_account(key, {"onlyReturnExisting": True}, nonce=fresh)
print("fresh %d %s" % (r.status_code, fresh))
PY
old_status=$(awk '$1 == "old" { print $2 }' "$work/nonce.out")
old_nonce=$(awk '$1 == "old" { print $3 }' "$work/nonce.out")
fresh_nonce=$(awk '$1 == "fresh" { print $3 }' "$work/nonce.out")
ok "$([ "$old_status" = 200 ] && [ -n "$fresh_nonce" ]; echo $?)" \
    "a nonce near the end of its lifetime is accepted" \
    "$(cat "$work/nonce.out")"

# Replaying a nonce: "used before" while it is stored, else "expired".
replay() {	# nonce -> prints the problem detail
	PYTHONPATH=$here "$IDP_PYTHON" - "$work" "$1" <<'PY'
import sys

from acmetest import Key, Raw, require_env

require_env()
key = Key.load(sys.argv[1] + "/platform.key")
r = Raw().new_account(key, {"onlyReturnExisting": True}, nonce=sys.argv[2])
try:
    print(r.status_code, r.json().get("type", ""), r.json().get("detail", ""))
except ValueError:
    print(r.status_code, "-")
PY
}

admin prune > "$work/prune0" 2>&1
rc=$?
ok $rc "prune on live data: exits 0" "$(cat "$work/prune0")"
admin stats > "$work/stats2" 2>&1
ok "$(cmp -s "$work/stats1" "$work/stats2"; echo $?)" \
    "prune on live data: accounts, orders, SMS, certificates all kept" \
    "$(diff "$work/stats1" "$work/stats2")"
out=$(replay "$fresh_nonce")
ok "$(echo "$out" | grep -q 'badNonce.*used' ; echo $?)" \
    "prune on live data: a used nonce within its lifetime is kept" "$out"

# Past the old nonce's lifetime: prune removes it.
sleep 3
admin prune > "$work/prune1" 2>&1
rc=$?
removed=$(sed -n 's/^prune: \([0-9]*\) .*/\1/p' "$work/prune1")
ok "$([ $rc -eq 0 ] && [ "${removed:-0}" -ge 1 ]; echo $?)" \
    "prune: the used nonce past its lifetime is removed (count printed)" \
    "$(cat "$work/prune1")"
out=$(replay "$fresh_nonce")
ok "$(echo "$out" | grep -q 'badNonce.*used' ; echo $?)" \
    "prune: the fresh used nonce stays used" "$out"
out=$(replay "$old_nonce")
ok "$(echo "$out" | grep -q 'badNonce' ; echo $?)" \
    "prune: the removed nonce is still refused (expired)" "$out"
admin stats > "$work/stats3" 2>&1
ok "$(cmp -s "$work/stats1" "$work/stats3"; echo $?)" \
    "prune: nothing else removed" "$(diff "$work/stats1" "$work/stats3")"
out=$(py account-lookup "$work/platform.key" 2>&1)
ok "$(case $out in "200 $kid") echo 0 ;; *) echo 1 ;; esac)" \
    "prune: the account still answers" "$out"

# -------------------------------------------------------------- revoke
admin revoke "$serial" --reason 4 > "$work/revoke1" 2>&1
ok $? "revoke SERIAL --reason 4: exits 0" "$(cat "$work/revoke1")"
curl -fsS --noproxy "*" --cacert "$IDP_TLS_CA" -o "$work/crl.der" \
    "${IDPROVER_BASE_URL}/crl" 2> "$work/crl.err"
crl=$(openssl crl -inform DER -in "$work/crl.der" -noout -text 2>&1)
ser_up=$(echo "$serial" | tr a-f A-F)
ok "$(echo "$crl" | tr -d ' :' | grep -qi "SerialNumber$ser_up\|SerialNumber0$ser_up" &&
    echo "$crl" | grep -q 'Superseded'; echo $?)" \
    "revoke: the CRL lists the serial with reason superseded" \
    "$(echo "$crl" | head -n 30)"
admin revoke "$serial" > "$work/revoke2" 2>&1
rc=$?
ok "$([ $rc -ne 0 ] && grep -q 'already revoked' "$work/revoke2"; echo $?)" \
    "revoke again: refused, already revoked" "$(cat "$work/revoke2")"
admin revoke 0x00ff00ff00ff > "$work/revoke3" 2>&1
rc=$?
ok "$([ $rc -ne 0 ] && grep -q 'no certificate' "$work/revoke3"; echo $?)" \
    "revoke an unknown serial: refused" "$(cat "$work/revoke3")"
admin revoke "$serial" --reason 2 > "$work/revoke4" 2>&1
rc=$?
ok "$([ $rc -ne 0 ] && grep -q 'reason' "$work/revoke4"; echo $?)" \
    "revoke --reason 2: refused" "$(cat "$work/revoke4")"
admin stats > "$work/stats4" 2>&1
ok "$([ "$(stat_of "$work/stats4" certificates.revoked)" = 1 ]; echo $?)" \
    "stats: 1 certificate revoked" "$(cat "$work/stats4")"

# -------------------------------------------------------------- backup
bk=$work/backup
admin backup "$bk" > "$work/backup.out" 2>&1
rc=$?
dbfile=$bk/db/accounts.db
[ "${IDP_STORE:-bdb}" = pg ] && dbfile=$bk/db/idprover.pgdump
ok "$([ $rc -eq 0 ] && [ -f "$bk/secret" ] && [ -f "$bk/ca/ca.key" ] &&
    [ -f "$bk/ca/ca.pem" ] && [ -f "$dbfile" ]; echo $?)" \
    "backup DIR: the database, the secret and the CA" \
    "$(cat "$work/backup.out"; ls -lR "$bk" 2>&1 | head -n 30)"
admin backup "$bk" > "$work/backup2.out" 2>&1
ok "$([ $? -ne 0 ]; echo $?)" "backup into a folder that is not empty: refused" \
    "$(cat "$work/backup2.out")"
# An account made after the backup is not in it.
py account-new "$work/late.key" > "$work/late.out" 2>&1

# A second server on the copy (IDPROVER_VAR=DIR; on PostgreSQL the dump
# restored into a new database).
if [ "${IDP_STORE:-bdb}" = pg ]; then
	IDPROVER_STORE=$(pg_createdb "$(idp_pg_db)_restored") &&
	    "$PG_BIN/pg_restore" -h "$PG_DIR" -p "$PG_PORT" -U postgres \
	    -d "$(idp_pg_db)" "$bk/db/idprover.pgdump" > "$work/restore.out" 2>&1
	ok $? "pg_restore of the backup into a new database" \
	    "$(cat "$work/restore.out")"
fi
port2=$(idp_free_port)
run2=$work/run2
mkdir -p "$run2/www"
tls_make "$bk/tls"
(
	export IDPROVER_VAR=$bk IDPROVER_PORT=$port2 IDPROVER_RUN_DIR=$run2 \
	    IDPROVER_BUILD=$IDP_BUILD \
	    IDPROVER_BASE_URL=https://localhost:$port2/acme \
	    IDPROVER_SMS_GATEWAY=file://$bk/sms.log
	"$IDP_TOP/scripts/run.sh" render > "$run2/lighttpd.conf"
) 2> "$work/render2.err"
lighttpd -D -f "$run2/lighttpd.conf" > "$run2/out" 2>&1 &
pid2=$!
trap 'kill -TERM $pid2 2>/dev/null; wait $pid2 2>/dev/null' EXIT
dir2=https://localhost:$port2/acme/directory
for _ in $(seq 1 100); do
	curl -fsS -o /dev/null --noproxy "*" --cacert "$bk/tls/ca.pem" \
	    --max-time 2 "$dir2" 2>/dev/null && break
	sleep 0.1
done
out=$(IDP_DIRECTORY_URL=$dir2 IDP_TLS_CA=$bk/tls/ca.pem IDPROVER_VAR=$bk \
    py account-lookup "$work/platform.key" 2>&1)
ok "$(case $out in "200 https://localhost:$port2/acme/acct/${kid##*/}") echo 0 ;;
    *) echo 1 ;; esac)" \
    "server on the backup: an account from before answers (onlyReturnExisting 200)" \
    "$out
$(tail -n 5 "$run2/error.log" 2>/dev/null; cat "$work/render2.err")"
out=$(IDP_DIRECTORY_URL=$dir2 IDP_TLS_CA=$bk/tls/ca.pem IDPROVER_VAR=$bk \
    py account-lookup "$work/late.key" 2>&1)
ok "$(case $out in "400 accountDoesNotExist") echo 0 ;; *) echo 1 ;; esac)" \
    "server on the backup: an account from after the backup does not" "$out"
kill -TERM "$pid2" 2>/dev/null
wait "$pid2" 2>/dev/null
trap - EXIT

# -------------------------------------------------------- check-config
check() {	# name json -> exit status; output in $work/check.out
	printf '%s\n' "$2" > "$work/$1.json"
	admin -c "$work/$1.json" check-config > "$work/check.out" 2>&1
}
check good '{"cert_days": 10, "sms_platform": "Example"}'
ok $? "check-config on a good file: exits 0" "$(cat "$work/check.out")"
for c in "unknown key|bogus_key|{\"bogus_key\": 1}" \
    "bad type|cert_days|{\"cert_days\": \"30\"}" \
    "out of bounds|order_hours|{\"order_hours\": 1000}" \
    "bad template|sms_template|{\"sms_template\": \"no code in here\"}" \
    "bad prefixes|allowed_prefixes|{\"allowed_prefixes\": [\"1x\"]}"; do
	what=${c%%|*}
	rest=${c#*|}
	key=${rest%%|*}
	json=${rest#*|}
	check "$key" "$json"
	rc=$?
	ok "$([ $rc -ne 0 ] && grep -q "$key" "$work/check.out"; echo $?)" \
	    "check-config on a $what: exits $rc, names $key" \
	    "$(cat "$work/check.out")"
done

echo "1..$n"
[ $failed -eq 0 ]
