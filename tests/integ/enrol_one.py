"""One account with a pending order and one number enrolled through the
harness's server, for the admin and copy-store tests: prints the account
URL, the serial and the certificate URL; the key goes to WORK/platform.key.

Usage: enrol_one.py WORK CONTACT"""
import sys

from cryptography import x509

from acmetest import (Key, Raw, acme_client, acme_register, b64u,
                      fresh_number, kid_of, make_csr, sms_count, sms_digest,
                      split_pem_chain, tnauthlist_der, tnauthlist_value,
                      require_env, wait_sms_code)

require_env()
work = sys.argv[1]
raw = Raw()
c = acme_client(Key("ES256"))
acme_register(c, sys.argv[2])
key, kid = c.idp_key, kid_of(c)
key.save(work + "/platform.key")


def order(number):
    r = raw.post(raw["newOrder"], {"identifiers": [
        {"type": "TNAuthList", "value": tnauthlist_value(number)}]}, key, kid)
    assert r.status_code == 201, r.text
    return r.json()


order(fresh_number())                                   # stays pending
number = fresh_number()
o = order(number)
authz = raw.post_as_get(o["authorizations"][0], key, kid).json()
chall = authz["challenges"][0]
seen = sms_count(number)
raw.post(chall["url"], {}, key, kid)
code = wait_sms_code(number, seen)
r = raw.post(chall["url"], {"keyAuthorization": sms_digest(
    code, chall["token"], key.thumbprint())}, key, kid)
assert r.json().get("status") == "valid", r.text
csr, _ = make_csr(tnauthlist_der(number))
r = raw.post(o["finalize"], {"csr": b64u(csr)}, key, kid)
assert r.status_code == 200, r.text
url = r.json()["certificate"]
pem = raw.post_as_get(url, key, kid).text
leaf = x509.load_pem_x509_certificate(split_pem_chain(pem)[0][0].encode())
print("account %s" % kid)
print("serial %x" % leaf.serial_number)
print("cert %s" % url)
