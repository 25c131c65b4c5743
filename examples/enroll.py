#!/usr/bin/python3
"""Enrol one telephone number with an off-the-shelf ACME library.

python3-acme (Debian's python3-acme) does the accounts, orders and
signatures; the two sms-link-00 POSTs are plain signed requests. The code
is typed in at the prompt (or read from the server's SMS log with --log).

    examples/enroll.py --tn 12025550123
"""
import argparse, base64, hashlib, json, os, re, sys, time

import josepy as jose
from acme import client, messages
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TNAUTHLIST = messages.IdentifierType("TNAuthList")


class Payload(jose.JSONDeSerializable):
    """Any JSON object as a JWS payload."""
    def __init__(self, obj):
        self.obj = obj

    def to_partial_json(self):
        return self.obj

    @classmethod
    def from_json(cls, jobj):
        return cls(jobj)


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tnauthlist_der(tn):
    """DER of a TNAuthorizationList holding one number (RFC 8226)."""
    ia5 = bytes([0x16, len(tn)]) + tn.encode()
    one = bytes([0xA2, len(ia5)]) + ia5
    return bytes([0x30, len(one)]) + one


def code_from_log(path, tn, after):
    """The newest code sent to tn after the given line count."""
    for _ in range(50):
        lines = open(path).read().splitlines()[after:]
        for line in reversed(lines):
            msg = json.loads(line)
            if msg["to"] == tn:
                return re.findall(r"(?<!\d)\d{6}(?!\d)", msg["text"])[0]
        time.sleep(0.1)
    sys.exit("no SMS for %s in %s" % (tn, path))


def main():
    var = os.environ.get("IDPROVER_VAR", "var")
    port = os.environ.get("IDPROVER_PORT", "8443")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tn", required=True, help="E.164 digits, no +")
    ap.add_argument("--directory",
                    default="https://localhost:%s/acme/directory" % port)
    ap.add_argument("--ca", default=os.path.join(var, "tls/ca.pem"))
    ap.add_argument("--log", help="read the code from this sms.log")
    ap.add_argument("--out", default="cert.pem")
    a = ap.parse_args()

    key = jose.JWKEC(key=ec.generate_private_key(ec.SECP256R1()))
    net = client.ClientNetwork(key, alg=jose.ES256, verify_ssl=a.ca)
    directory = client.ClientV2.get_directory(a.directory, net)
    acme = client.ClientV2(directory, net)
    acme.new_account(messages.NewRegistration.from_data(
        terms_of_service_agreed=True))

    der = tnauthlist_der(a.tn)
    order = acme._post(directory["newOrder"], messages.NewOrder(
        identifiers=[messages.Identifier(typ=TNAUTHLIST, value=b64u(der))]
    )).json()
    authz = acme._post_as_get(order["authorizations"][0]).json()
    chall = authz["challenges"][0]

    sent = len(open(a.log).read().splitlines()) if a.log else 0
    acme._post(chall["url"], Payload({}))          # step 1: send the SMS
    code = code_from_log(a.log, a.tn, sent) if a.log else \
        input("code sent to %s: " % a.tn).strip()
    ka = code + chall["token"] + "." + b64u(key.thumbprint())
    acme._post(chall["url"], Payload(               # step 2: the digest
        {"keyAuthorization": b64u(hashlib.sha256(ka.encode()).digest())}))

    certkey = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, a.tn)])
    ).add_extension(x509.UnrecognizedExtension(
        x509.ObjectIdentifier("1.3.6.1.5.5.7.1.26"), der), critical=False
    ).sign(certkey, hashes.SHA256())
    order = acme._post(order["finalize"], Payload({"csr": b64u(
        csr.public_bytes(serialization.Encoding.DER))})).json()
    chain = acme._post_as_get(order["certificate"]).text
    with open(a.out, "w") as f:
        f.write(chain)
    with open(os.path.splitext(a.out)[0] + ".key", "wb") as f:
        f.write(certkey.private_bytes(serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
    print("certificate for %s written to %s" % (a.tn, a.out))


if __name__ == "__main__":
    main()
