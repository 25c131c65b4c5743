#!/usr/bin/python3
"""The whole enrollment (PROTOCOL §1, §3.7-§3.13, §7, §8.2, §9) with
python3-acme, then the negative paths: wrong codes, resend, finalize
rules, access by another account, identifier rejections, revocation and
the CRL."""

import datetime
import os
import subprocess
import tempfile

from acme import messages

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID

from acmetest import (B64U_RE, DIRECTORY_URL, ERR, TNAUTHLIST, TNAUTHLIST_OID,
                      VAR, Key, Raw, RawJSON, SmsLink00, Tests, acme_client,
                      acme_register, b64u, fresh_number, kid_of, links,
                      make_csr, require_env, sms_code, sms_count, sms_digest,
                      sms_messages, split_pem_chain, tn_identifier,
                      tnauthlist_der, tnauthlist_value, wait_sms_code)

require_env()
T = Tests("enrollment")
T.index_url = DIRECTORY_URL
BASE = DIRECTORY_URL.rsplit("/", 1)[0]
raw = Raw()
WORK = tempfile.mkdtemp(prefix="enroll.", dir=os.environ.get("IDP_ROOT"))


class Platform:
    """An ACME account driven by python3-acme, plus a raw client for the
    requests python3-acme cannot shape."""

    def __init__(self, email="platform@example.test"):
        self.acme = acme_client(Key("ES256"))
        r = acme_register(self.acme, email)
        if r.status_code != 201:
            raise RuntimeError("newAccount: %s" % r.status_code)
        self.key = self.acme.idp_key
        self.kid = kid_of(self.acme)

    def new_order(self, number):
        return self.acme._post(
            self.acme.directory["newOrder"],
            messages.NewOrder(identifiers=[messages.Identifier(
                typ=TNAUTHLIST, value=tnauthlist_value(number))]))

    def post(self, url, payload):
        """Raw kid-signed POST (no exception on errors)."""
        return raw.post(url, payload, self.key, self.kid)

    def get(self, url):
        """Raw kid-signed POST-as-GET (no exception on errors)."""
        return raw.post_as_get(url, self.key, self.kid)

    def digest(self, code, token):
        return sms_digest(code, token, self.key.thumbprint())


def other_code(code):
    return "%06d" % ((int(code) + 1) % 1000000)


def start_order(p, number):
    """newOrder + authz + challenge; returns (order_url, order, authz_url,
    challenge dict)."""
    r = p.new_order(number)
    order = r.json()
    authz_url = order["authorizations"][0]
    authz = p.get(authz_url).json()
    return r.headers["Location"], order, authz_url, authz["challenges"][0]


def prove(p, number, chall):
    """Trigger the SMS and answer with the right digest."""
    seen = sms_count(number)
    p.post(chall["url"], {})
    code = wait_sms_code(number, seen)
    return p.post(chall["url"], {"keyAuthorization":
                                 p.digest(code, chall["token"])})


def issue(p, number):
    """A certificate for number: (order_url, cert_url, leaf, chain_pem)."""
    order_url, order, _, chall = start_order(p, number)
    prove(p, number, chall)
    csr, _ = make_csr(tnauthlist_der(number))
    r = p.post(order["finalize"], {"csr": b64u(csr)})
    cert_url = r.json()["certificate"]
    chain = p.get(cert_url).text
    blocks, _ = split_pem_chain(chain)
    leaf = x509.load_pem_x509_certificate(blocks[0].encode())
    return order_url, cert_url, leaf, chain


# ----------------------------------------------------------- happy path

STATE = {}


def enroll():
    p = Platform()
    STATE["p"] = p
    number = fresh_number()
    tn_der = tnauthlist_der(number)
    ident = {"type": "TNAuthList", "value": tnauthlist_value(number)}

    # newOrder.
    r = p.new_order(number)
    order_url = r.headers.get("Location", "")
    STATE["order_url"] = order_url
    T.headers(r, "newOrder: 201 with Location", 201)
    T.ok(order_url.startswith(BASE + "/order/"), "newOrder: Location is an "
         "order URL", order_url)
    order = r.json()
    T.eq(order.get("status"), "pending", "newOrder: status pending")
    T.eq(order.get("identifiers"), [ident], "newOrder: identifiers echoed")
    T.ok(isinstance(order.get("expires"), str), "newOrder: expires present",
         order)
    T.ok(isinstance(order.get("authorizations"), list) and
         len(order["authorizations"]) == 1,
         "newOrder: one authorization", order)
    T.ok(str(order.get("finalize", "")).startswith(BASE + "/"),
         "newOrder: finalize URL", order)
    T.ok("notBefore" not in order and "notAfter" not in order,
         "newOrder: no notBefore/notAfter unless requested", order)
    body = messages.Order.from_json(order)
    T.eq(body.identifiers[0].typ, TNAUTHLIST,
         "newOrder: python3-acme parses the TNAuthList identifier")
    STATE["order"] = order

    r = p.get(order_url)
    T.headers(r, "order: POST-as-GET 200", 200)
    T.eq(r.json().get("status"), "pending", "order: pending")
    r = p.post(order_url, {})
    T.problem(r, 400, "malformed", "order: POST {} (not POST-as-GET) 400 "
              "malformed")

    # Authorization.
    authz_url = order["authorizations"][0]
    r = p.acme._post_as_get(authz_url)
    T.headers(r, "authz: POST-as-GET 200", 200)
    authz = messages.Authorization.from_json(r.json())
    T.eq(authz.status.name, "pending", "authz: pending")
    T.eq((authz.identifier.typ, authz.identifier.value),
         (TNAUTHLIST, ident["value"]), "authz: identifier is the TNAuthList")
    T.eq(len(authz.challenges), 1, "authz: exactly one challenge")
    ch = authz.challenges[0]
    T.ok(isinstance(ch.chall, SmsLink00), "authz: challenge is sms-link-00",
         r.text)
    T.eq(ch.status.name, "pending", "challenge: pending")
    token = ch.chall.token or ""
    T.ok(len(token) == 43 and B64U_RE.match(token) is not None,
         "challenge: token is 43 base64url characters", token)
    T.ok("wildcard" not in r.json(), "authz: no wildcard member")
    chall_url = ch.uri
    T.ok(chall_url.startswith(BASE + "/chall/"), "challenge: URL", chall_url)

    r = p.get(chall_url)
    T.headers(r, "challenge: POST-as-GET 200", 200)
    T.ok(authz_url in links(r, "up"), "challenge: Link rel=up to the authz",
         r.headers.get("Link"))

    # keyAuthorization before the code was sent.
    r = p.post(chall_url, {"keyAuthorization": p.digest("000000", token)})
    T.problem(r, 400, "malformed", "keyAuthorization while pending: 400 "
              "malformed")

    # Finalize before ready.
    csr, csr_key = make_csr(tn_der)
    r = p.post(order["finalize"], {"csr": b64u(csr)})
    T.problem(r, 403, "orderNotReady", "finalize before ready: 403 "
              "orderNotReady")

    # Step 1: {} sends the SMS.
    seen = sms_count(number)
    r = p.acme._post(chall_url, RawJSON({}))
    T.headers(r, "challenge {}: 200", 200)
    c = r.json()
    T.eq(c.get("status"), "processing", "challenge {}: processing")
    T.ok("error" not in c, "challenge {}: no error member while processing")
    T.ok(authz_url in links(r, "up"), "challenge {}: Link rel=up")
    code = wait_sms_code(number, seen)
    T.ok(code is not None, "SMS: a message with one 6-digit code went to "
         "the number", sms_messages(number))
    msg = sms_messages(number)[-1] if sms_messages(number) else {}
    T.ok(str(msg.get("to")) == number, "SMS: 'to' is the digits of the "
         "number", msg)
    T.ok(code is None or code not in open(
        os.path.join(os.environ["IDP_ROOT"], "run", "error.log"),
        errors="replace").read(), "the code is not in the server log")
    r = p.get(authz_url)
    T.eq(r.json().get("status"), "pending", "authz stays pending after {}")
    r = p.get(order_url)
    T.eq(r.json().get("status"), "pending", "order stays pending after {}")

    # Repeated {} within 60 s sends nothing.
    r = p.post(chall_url, {})
    T.headers(r, "second {} within 60 s: 200", 200)
    T.eq(r.json().get("status"), "processing",
         "second {} within 60 s: still processing")
    T.eq(sms_count(number), seen + 1,
         "second {} within 60 s: no new SMS")
    T.eq(sms_code(number), code, "second {} within 60 s: code unchanged")

    # Step 2: the digest.
    r = p.acme._post(chall_url, RawJSON({"keyAuthorization":
                                        p.digest(code, token)}))
    T.headers(r, "challenge response: 200", 200)
    c = r.json()
    T.eq(c.get("status"), "valid", "challenge response: valid")
    T.ok(isinstance(c.get("validated"), str), "challenge: validated present",
         c)
    r = p.acme._post_as_get(authz_url)
    a = r.json()
    T.eq(a.get("status"), "valid", "authz: valid")
    T.ok(isinstance(a.get("expires"), str), "authz: expires when valid", a)
    T.eq(a.get("challenges", [{}])[0].get("status"), "valid",
         "authz: its challenge valid")
    r = p.get(order_url)
    T.eq(r.json().get("status"), "ready", "order: ready")
    r = p.post(chall_url, {})
    T.ok(r.status_code == 200 and r.json().get("status") == "valid",
         "POST {} to a valid challenge: 200 unchanged", r.text[:300])
    T.eq(sms_count(number), seen + 1, "valid challenge: no new SMS")

    # Finalize rules: bad CSRs leave the order ready.
    bad = (
        ("a CSR for another number",
         make_csr(tnauthlist_der(fresh_number()))[0]),
        ("a CSR without TNAuthList",
         make_csr(tn_der, with_tnauthlist=False)[0]),
        ("a CSR with a subjectAltName",
         make_csr(tn_der, san=["platform.example"])[0]),
        ("a CSR with CA:TRUE", make_csr(tn_der, ca_true=True)[0]),
        ("a CSR with the account key", make_csr(tn_der, p.key.priv)[0]),
        ("a CSR with a P-384 key",
         make_csr(tn_der, ec.generate_private_key(ec.SECP384R1()))[0]),
    )
    for what, der in bad:
        r = p.post(order["finalize"], {"csr": b64u(der)})
        T.problem(r, 400, "badCSR", "finalize with %s: 400 badCSR" % what)
    broken = bytearray(csr)
    broken[-5] ^= 0xFF
    r = p.post(order["finalize"], {"csr": b64u(bytes(broken))})
    T.problem(r, 400, "badCSR", "finalize with a bad CSR signature: 400 "
              "badCSR")
    r = p.post(order["finalize"], {"csr": "-----BEGIN CERTIFICATE REQUEST"})
    T.ok(r.status_code == 400, "finalize with a PEM string: 400", r.text)
    r = p.get(order_url)
    T.eq(r.json().get("status"), "ready", "order stays ready after bad CSRs")

    # Finalize.
    r = p.acme._post(order["finalize"], RawJSON({"csr": b64u(csr)}))
    T.headers(r, "finalize: 200 + Location of the order", 200,
              location=order_url)
    o = r.json()
    T.eq(o.get("status"), "valid", "finalize: order valid")
    cert_url = o.get("certificate", "")
    T.ok(cert_url.startswith(BASE + "/cert/"), "finalize: certificate URL",
         o)
    r = p.get(order_url)
    T.eq(r.json().get("status"), "valid", "order: valid")
    r = p.post(order["finalize"], {"csr": b64u(csr)})
    T.problem(r, 403, "orderNotReady", "finalize a valid order again: 403 "
              "orderNotReady")

    # Download and check the chain.
    r = p.acme._post_as_get(cert_url)
    T.headers(r, "certificate: 200 application/pem-certificate-chain", 200,
              ctype="application/pem-certificate-chain")
    chain = r.text
    blocks, outside = split_pem_chain(chain)
    T.ok(len(blocks) >= 2, "certificate: leaf and issuer in the chain",
         chain)
    T.ok(outside.strip() == "", "certificate: no text outside PEM blocks",
         repr(outside))
    leaf = x509.load_pem_x509_certificate(blocks[0].encode())
    ca = x509.load_pem_x509_certificate(blocks[-1].encode())
    STATE.update(leaf=leaf, ca=ca, cert_url=cert_url, chain=chain,
                 number=number)
    chain_file = os.path.join(WORK, "chain.pem")
    ca_file = os.path.join(WORK, "chain-ca.pem")
    with open(chain_file, "w") as f:
        f.write("".join(blocks))
    with open(ca_file, "w") as f:
        f.write(blocks[-1])
    v = subprocess.run(["certtool", "--verify", "--load-ca-certificate",
                        ca_file, "--infile", chain_file],
                       capture_output=True, text=True)
    T.ok(v.returncode == 0 and "Verified" in v.stdout,
         "certtool --verify: chain verifies against its CA",
         v.stdout + v.stderr)
    with open(os.path.join(VAR, "ca", "ca.pem"), "rb") as f:
        server_ca = x509.load_pem_x509_certificate(f.read())
    T.ok(server_ca == ca, "chain ends with the server's CA certificate")

    # Certificate profile (§9).
    check_leaf(leaf, ca, number, tn_der, csr_key)

    # Orders list.
    r = p.get(p.kid)
    orders_url = r.json().get("orders")
    r = p.get(orders_url)
    T.headers(r, "orders list: 200", 200)
    T.ok(order_url in r.json().get("orders", []),
         "orders list contains the order", r.text[:500])


def check_leaf(leaf, ca, number, tn_der, csr_key):
    try:
        ext = leaf.extensions.get_extension_for_oid(TNAUTHLIST_OID)
        T.eq(ext.value.value, tn_der,
             "leaf: TNAuthList extension equals the ordered DER")
        T.ok(not ext.critical, "leaf: TNAuthList non-critical")
    except x509.ExtensionNotFound:
        T.ok(False, "leaf: TNAuthList extension present")
    T.eq(leaf.subject.rfc4514_string(), "CN=%s" % number,
         "leaf: subject CN=<number>")
    T.eq(leaf.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo),
        csr_key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo),
        "leaf: public key from the CSR")
    T.eq(leaf.issuer, ca.subject, "leaf: issuer is the CA")
    T.eq(leaf.version, x509.Version.v3, "leaf: version 3")
    T.eq(leaf.signature_hash_algorithm.name, "sha256",
         "leaf: ecdsa-with-SHA256")
    T.ok(0 < leaf.serial_number < 2 ** 159, "leaf: positive serial "
         "(<= 20 octets)", leaf.serial_number)
    T.ok(leaf.serial_number.bit_length() >= 64, "leaf: serial has >= 64 "
         "random bits", leaf.serial_number)
    life = leaf.not_valid_after - leaf.not_valid_before
    T.ok(datetime.timedelta(days=1) < life <= datetime.timedelta(days=91),
         "leaf: lifetime within 90 days", life)
    exts = {e.oid: e for e in leaf.extensions}
    ku = exts.get(ExtensionOID.KEY_USAGE)
    T.ok(ku is not None and ku.critical and ku.value.digital_signature and
         not ku.value.key_cert_sign and not ku.value.key_encipherment,
         "leaf: keyUsage critical digitalSignature only", ku)
    bc = exts.get(ExtensionOID.BASIC_CONSTRAINTS)
    T.ok(bc is not None and bc.critical and not bc.value.ca,
         "leaf: basicConstraints critical, cA false", bc)
    T.ok(ExtensionOID.SUBJECT_ALTERNATIVE_NAME not in exts,
         "leaf: no subjectAltName")
    T.ok(ExtensionOID.EXTENDED_KEY_USAGE not in exts,
         "leaf: no extendedKeyUsage")
    ski = exts.get(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    T.ok(ski is not None and ski.value.digest ==
         x509.SubjectKeyIdentifier.from_public_key(leaf.public_key()).digest,
         "leaf: subjectKeyIdentifier = SHA-1 of the key", ski)
    aki = exts.get(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    try:
        ca_ski = ca.extensions.get_extension_for_oid(
            ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest
    except x509.ExtensionNotFound:
        ca_ski = None
    T.ok(aki is not None and aki.value.key_identifier == ca_ski and
         ca_ski is not None, "leaf: authorityKeyIdentifier = CA's SKI", aki)


# ------------------------------------------------------------ revocation

def revocation():
    p = STATE["p"]
    leaf = STATE["leaf"]
    ca = STATE["ca"]
    der = leaf.public_bytes(serialization.Encoding.DER)
    url = raw["revokeCert"]

    crl_urls = []
    try:
        dp = leaf.extensions.get_extension_for_oid(
            ExtensionOID.CRL_DISTRIBUTION_POINTS).value
        for point in dp:
            for name in point.full_name or []:
                if isinstance(name, x509.UniformResourceIdentifier):
                    crl_urls.append(name.value)
    except x509.ExtensionNotFound:
        pass
    T.eq(crl_urls, [BASE + "/crl"], "leaf: CRL distribution point is the "
         "server's CRL URL")
    crl_url = crl_urls[0] if crl_urls else BASE + "/crl"

    crl = fetch_crl(crl_url, ca, "CRL before revocation")
    if crl is not None:
        T.ok(crl.get_revoked_certificate_by_serial_number(
            leaf.serial_number) is None,
            "CRL before revocation: serial absent")

    r = p.post(url, {"certificate": b64u(der), "reason": 4})
    T.headers(r, "revokeCert (kid of the issuing account): 200", 200,
              ctype=None)
    T.ok(r.content == b"", "revokeCert: empty body", r.text[:200])
    r = p.post(url, {"certificate": b64u(der), "reason": 4})
    T.problem(r, 400, "alreadyRevoked", "revoke again: 400 alreadyRevoked")

    crl = fetch_crl(crl_url, ca, "CRL after revocation")
    if crl is not None:
        entry = crl.get_revoked_certificate_by_serial_number(
            leaf.serial_number)
        T.ok(entry is not None, "CRL: the revoked serial is listed")
        if entry is not None:
            try:
                reason = entry.extensions.get_extension_for_class(
                    x509.CRLReason).value.reason
            except x509.ExtensionNotFound:
                reason = None
            T.eq(reason, x509.ReasonFlags.superseded,
                 "CRL: reasonCode superseded (4)")

    # The certificate still downloads (it is immutable).
    r = p.get(STATE["cert_url"])
    T.eq(r.status_code, 200, "revoked certificate still downloads")

    # A second certificate: revocation rules.
    number = fresh_number()
    _, _, leaf2, _ = issue(p, number)
    der2 = leaf2.public_bytes(serialization.Encoding.DER)
    q = Platform("other@example.test")
    r = q.post(url, {"certificate": b64u(der2)})
    T.problem(r, 403, "unauthorized", "revoke by an unrelated account: 403 "
              "unauthorized")
    for reason in (2, 6, 7, 8, 11):
        r = p.post(url, {"certificate": b64u(der2), "reason": reason})
        T.problem(r, 400, "badRevocationReason",
                  "revoke with reason %d: 400 badRevocationReason" % reason)
    # An account that proved control of the same number may revoke too.
    _, _, _, chall = start_order(q, number)
    r = prove(q, number, chall)
    T.eq(r.status_code, 200, "a second account proves the same number")
    r = q.post(url, {"certificate": b64u(der2), "reason": 4})
    T.headers(r, "revoke by an account holding a valid authorization for "
              "the number: 200", 200, ctype=None)
    r = p.post(url, {"certificate": b64u(der2)})
    T.problem(r, 400, "alreadyRevoked", "then the issuing account: 400 "
              "alreadyRevoked")
    # ... also for a key compromise, which ends the proofs behind the
    # certificate (the issuing account's order and its proof).
    number = fresh_number()
    _, _, leaf3, _ = issue(p, number)
    der3 = leaf3.public_bytes(serialization.Encoding.DER)
    _, _, _, chall = start_order(q, number)
    prove(q, number, chall)
    r = q.post(url, {"certificate": b64u(der3), "reason": 1})
    T.headers(r, "revoke (keyCompromise) by an account holding a valid "
              "authorization for the number: 200", 200, ctype=None)
    r = p.post(url, {"certificate": b64u(der3), "reason": 1})
    T.problem(r, 400, "alreadyRevoked", "then by the issuing account: 400 "
              "alreadyRevoked")
    self_signed = make_self_signed()
    r = p.post(url, {"certificate": b64u(self_signed)})
    T.problem(r, 404, "malformed", "revoke a certificate of another CA: 404 "
              "malformed")
    r = p.post(url, {"reason": 1})
    T.problem(r, 400, "malformed", "revoke without certificate: 400 "
              "malformed")
    STATE["leaf2"] = (leaf2, der2)


def revoke_with_cert_key():
    """Revocation signed by the certificate's own key (jwk)."""
    p = STATE["p"]
    number = fresh_number()
    order_url, order, _, chall = start_order(p, number)
    prove(p, number, chall)
    cert_key = Key("ES256")
    csr, _ = make_csr(tnauthlist_der(number), cert_key.priv)
    r = p.post(order["finalize"], {"csr": b64u(csr)})
    blocks, _ = split_pem_chain(p.get(r.json()["certificate"]).text)
    leaf = x509.load_pem_x509_certificate(blocks[0].encode())
    der = leaf.public_bytes(serialization.Encoding.DER)
    r = raw.post(raw["revokeCert"], {"certificate": b64u(der), "reason": 1},
                 Key("ES256"))
    T.problem(r, 403, "unauthorized", "revoke signed by an unrelated jwk: "
              "403 unauthorized")
    r = raw.post(raw["revokeCert"], {"certificate": b64u(der), "reason": 1},
                 cert_key)
    T.headers(r, "revoke signed by the certificate key (jwk): 200", 200,
              ctype=None)
    crl = fetch_crl(BASE + "/crl", STATE["ca"], "CRL after jwk revocation")
    if crl is not None:
        T.ok(crl.get_revoked_certificate_by_serial_number(
            leaf.serial_number) is not None,
            "CRL lists the certificate revoked by its key")


def fetch_crl(url, ca, name):
    r = raw.session.get(url)
    ct = r.headers.get("Content-Type", "").split(";")[0].strip()
    if not T.ok(r.status_code == 200 and ct == "application/pkix-crl",
                "%s: GET 200 application/pkix-crl" % name,
                "%s %s" % (r.status_code, ct)):
        return None
    try:
        crl = x509.load_der_x509_crl(r.content)
    except ValueError as e:
        T.ok(False, "%s: DER CRL parses" % name, e)
        return None
    T.ok(crl.is_signature_valid(ca.public_key()),
         "%s: signed by the CA" % name)
    T.eq(crl.issuer, ca.subject, "%s: issuer is the CA" % name)
    return crl


def make_self_signed():
    k = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "elsewhere")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(k.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now +
                                                   datetime.timedelta(days=1))
            .sign(k, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


# ------------------------------------------------------------ wrong codes

def wrong_codes():
    p = STATE.get("p") or Platform()
    number = fresh_number()
    order_url, order, authz_url, chall = start_order(p, number)
    url, token = chall["url"], chall["token"]
    seen = sms_count(number)
    r = p.post(url, {})
    T.eq(r.status_code, 200, "wrong codes: {} 200")
    code = wait_sms_code(number, seen)
    T.ok(code is not None, "wrong codes: SMS sent")
    code = code or "000000"

    # Malformed responses count no try.
    for what, value in (("the raw key authorization",
                         "%s%s.%s" % (code, token, p.key.thumbprint())),
                        ("a padded digest", p.digest(code, token) + "="),
                        ("null", None), ("a number", 123456),
                        ("a 32-character string", "A" * 32)):
        r = p.post(url, {"keyAuthorization": value})
        T.problem(r, 400, "malformed", "keyAuthorization as %s: 400 "
                  "malformed" % what)

    wrong = p.digest(other_code(code), token)
    for left in (4, 3, 2, 1, 0):
        r = p.post(url, {"keyAuthorization": wrong})
        T.problem(r, 400, "incorrectResponse",
                  "wrong code (%d left): 400 incorrectResponse" % left)
        try:
            doc = r.json()
        except ValueError:
            doc = {}
        T.eq(doc.get("remainingTries"), left,
             "wrong code: remainingTries %d" % left)
        T.ok(str(left) in str(doc.get("detail", "")),
             "wrong code: detail names %d" % left, doc.get("detail"))
        if left:
            c = p.get(url).json()
            T.eq(c.get("status"), "processing",
                 "wrong code: challenge still processing (%d left)" % left)
    c = p.get(url).json()
    T.eq(c.get("status"), "invalid", "5th wrong code: challenge invalid")
    err = c.get("error") or {}
    T.eq(err.get("type"), ERR + "incorrectResponse",
         "invalid challenge: error incorrectResponse")
    T.eq(p.get(authz_url).json().get("status"), "invalid",
         "5th wrong code: authz invalid")
    T.eq(p.get(order_url).json().get("status"), "invalid",
         "5th wrong code: order invalid")
    r = p.post(url, {"keyAuthorization": p.digest(code, token)})
    T.problem(r, 400, "malformed", "right code after 5 failures: 400 "
              "malformed (challenge invalid)")
    r = p.post(url, {})
    T.problem(r, 400, "malformed", "{} to an invalid challenge: 400 "
              "malformed")
    T.eq(sms_count(number), seen + 1, "invalid challenge: no new SMS")

    r = p.get(p.kid)
    lst = p.get(r.json().get("orders")).json().get("orders", [])
    T.ok(order_url not in lst, "orders list leaves out the invalid order",
         lst)


# --------------------------------------------------- authz deactivation

def authz_deactivation():
    p = STATE.get("p") or Platform()
    number = fresh_number()
    order_url, _, authz_url, chall = start_order(p, number)
    r = p.post(authz_url, {"status": "deactivated"})
    T.headers(r, "authz deactivation: 200", 200)
    T.eq(r.json().get("status"), "deactivated", "authz: deactivated")
    T.eq(p.get(order_url).json().get("status"), "invalid",
         "authz deactivated: order invalid")
    r = p.post(authz_url, {"status": "deactivated"})
    T.problem(r, 400, "malformed", "deactivate again: 400 malformed")
    r = p.post(chall["url"], {})
    T.problem(r, 400, "malformed", "{} after deactivation: 400 malformed")


# ----------------------------------------------------- another account

def other_account():
    p = STATE["p"]
    q = Platform("intruder@example.test")
    order_url = STATE["order_url"]
    order = STATE["order"]
    authz_url = order["authorizations"][0]
    chall_url = p.get(authz_url).json()["challenges"][0]["url"]
    for what, url in (("order", order_url), ("authz", authz_url),
                      ("challenge", chall_url),
                      ("certificate", STATE["cert_url"]),
                      ("account", p.kid)):
        r = q.get(url)
        T.problem(r, 403, "unauthorized",
                  "another account reads the %s: 403 unauthorized" % what)
    r = q.post(chall_url, {})
    T.problem(r, 403, "unauthorized",
              "another account posts {} to the challenge: 403 unauthorized")
    csr, _ = make_csr(tnauthlist_der(STATE["number"]))
    r = q.post(order["finalize"], {"csr": b64u(csr)})
    T.problem(r, 403, "unauthorized",
              "another account finalizes the order: 403 unauthorized")
    r = q.post(authz_url, {"status": "deactivated"})
    T.problem(r, 403, "unauthorized",
              "another account deactivates the authz: 403 unauthorized")
    r = p.get(p.kid)
    r = q.get(r.json().get("orders"))
    T.problem(r, 403, "unauthorized",
              "another account reads the orders list: 403 unauthorized")

    # An order of the other account carries a pending challenge; the first
    # account must not be able to trigger its SMS.
    number = fresh_number()
    _, _, _, chall = start_order(q, number)
    seen = sms_count(number)
    r = p.post(chall["url"], {})
    T.problem(r, 403, "unauthorized", "triggering another account's "
              "challenge: 403 unauthorized")
    T.eq(sms_count(number), seen, "no SMS for another account's challenge")


# ------------------------------------------------------- identifiers

def identifiers():
    p = STATE.get("p") or Platform()
    url = raw["newOrder"]
    n = fresh_number()
    cases = (
        ("a dns identifier", [{"type": "dns", "value": "example.test"}],
         "unsupportedIdentifier"),
        ("an ip identifier", [{"type": "ip", "value": "192.0.2.1"}],
         "unsupportedIdentifier"),
        ("a TNAuthList with two numbers",
         [{"type": "TNAuthList",
           "value": tnauthlist_value(n, fresh_number())}],
         "rejectedIdentifier"),
        ("a TNAuthList with an SPC",
         [{"type": "TNAuthList", "value": tnauthlist_value(spc="1234")}],
         "rejectedIdentifier"),
        ("a TNAuthList with a range",
         [{"type": "TNAuthList", "value": "MBShEjAQFgsxMjAyNTU1MDEwMAIBZA"}],
         "rejectedIdentifier"),
        ("the number *67", [{"type": "TNAuthList",
                             "value": tnauthlist_value("*67")}],
         "rejectedIdentifier"),
        ("a 16-digit number", [tn_identifier("1202555012345678")],
         "rejectedIdentifier"),
        ("a padded value", [{"type": "TNAuthList",
                             "value": tnauthlist_value(n) + "="}],
         "malformed"),
        ("a standard base64 value",
         [{"type": "TNAuthList", "value": "MA+iDRYLMTIwMjU1NTAxMjM"}],
         "malformed"),
        ("a value that is not DER", [{"type": "TNAuthList",
                                      "value": b64u(n.encode())}],
         "malformed"),
        ("DER with trailing bytes",
         [{"type": "TNAuthList",
           "value": b64u(tnauthlist_der(n) + b"\x00")}], "malformed"),
        ("no identifiers", [], "malformed"),
        ("two TNAuthList identifiers", [tn_identifier(n),
                                        tn_identifier(fresh_number())],
         "malformed"),
    )
    for what, idents, typ in cases:
        r = p.post(url, {"identifiers": idents})
        T.problem(r, 400, typ, "newOrder with %s: 400 %s" % (what, typ))
    r = p.post(url, {})
    T.problem(r, 400, "malformed", "newOrder without identifiers: 400 "
              "malformed")
    far = (datetime.datetime.utcnow() + datetime.timedelta(days=200))
    r = p.post(url, {"identifiers": [tn_identifier(n)],
                     "notAfter": far.strftime("%Y-%m-%dT%H:%M:%SZ")})
    T.problem(r, 400, "malformed", "newOrder notAfter in 200 days: 400 "
              "malformed")
    r = p.post(url, {"identifiers": [tn_identifier(n)],
                     "notAfter": "tomorrow"})
    T.problem(r, 400, "malformed", "newOrder notAfter not RFC 3339: 400 "
              "malformed")

    # Unknown ids under each resource.
    for kind in ("order", "authz", "chall", "cert", "acct"):
        r = p.get("%s/%s/%s" % (BASE, kind, b64u(os.urandom(16))))
        T.problem(r, 404, "malformed", "POST-as-GET on an unknown %s id: 404 "
                  "malformed" % kind)

    # Each order gets a fresh authorization.
    r1 = p.post(url, {"identifiers": [tn_identifier(n)]})
    r2 = p.post(url, {"identifiers": [tn_identifier(n)]})
    if r1.status_code == 201 and r2.status_code == 201:
        T.ok(r1.json()["authorizations"] != r2.json()["authorizations"],
             "two orders for one number: distinct authorizations")
    else:
        T.ok(False, "two orders for one number: 201 each",
             "%s %s" % (r1.status_code, r2.status_code))


T.section(enroll)
if "leaf" in STATE:
    T.section(revocation)
    T.section(revoke_with_cert_key)
    T.section(other_account)
else:
    T.ok(False, "revocation and access checks skipped: no certificate")
T.section(wrong_codes)
T.section(authz_deactivation)
T.section(identifiers)
T.done()
