#!/usr/bin/python3
"""Directory, nonces, accounts, key roll-over and JWS request validation
(PROTOCOL §2-§6), through python3-acme and hand-built requests."""

import json

from acme import errors as acme_errors
from acme import jws as acme_jws
from acme import messages

from acmetest import (ALGORITHMS, DIRECTORY_URL, NONCE_RE, Key, Raw, Tests,
                      acme_client, acme_register, b64u, b64u_decode,
                      compact_json, fresh_number, links, require_env,
                      tn_identifier)

require_env()
T = Tests("accounts and JWS validation")
T.index_url = DIRECTORY_URL
BASE = DIRECTORY_URL.rsplit("/", 1)[0]
raw = Raw()


def make_account(alg="ES256", contact=None):
    """A fresh account made with raw requests: (key, account URL)."""
    key = Key(alg)
    payload = {"termsOfServiceAgreed": True}
    if contact is not None:
        payload["contact"] = contact
    r = raw.new_account(key, payload)
    if r.status_code != 201:
        raise RuntimeError("newAccount failed: %s %s" %
                           (r.status_code, r.text[:300]))
    return key, r.headers["Location"]


def cache_no_store(r):
    return "no-store" in r.headers.get("Cache-Control", "")


# --------------------------------------------------------------- directory

def directory():
    r = raw.session.get(DIRECTORY_URL)
    T.headers(r, "directory: GET 200 application/json", 200, nonce=False,
              index=False)
    T.ok(not links(r, "index"), "directory: no Link rel=index",
         r.headers.get("Link"))
    d = r.json()
    want = {"newNonce": "/new-nonce", "newAccount": "/new-account",
            "newOrder": "/new-order", "revokeCert": "/revoke-cert",
            "keyChange": "/key-change"}
    for member, path in want.items():
        T.eq(d.get(member), BASE + path, "directory: %s URL" % member)
    T.ok("newAuthz" not in d, "directory: no newAuthz", d)
    meta = d.get("meta", {})
    T.ok(isinstance(meta, dict), "directory: meta is an object if present")
    if isinstance(meta, dict):
        T.ok(meta.get("externalAccountRequired", False) is False,
             "directory: externalAccountRequired absent or false", meta)
        T.ok("caaIdentities" not in meta, "directory: no caaIdentities",
             meta)
    T.ok(cache_no_store(r), "directory: Cache-Control no-store",
         r.headers.get("Cache-Control"))
    c = acme_client()
    T.ok(c.directory["newOrder"] == BASE + "/new-order",
         "directory: python3-acme parses it")
    # POST-as-GET on the directory is allowed too.
    key, acct = make_account()
    r = raw.post_as_get(DIRECTORY_URL, key, acct)
    T.ok(r.status_code == 200 and r.json().get("newNonce") == d["newNonce"],
         "directory: POST-as-GET 200", "%s %s" % (r.status_code, r.text[:300]))


# ------------------------------------------------------------------ nonces

def nonces():
    url = raw["newNonce"]
    r = raw.session.head(url)
    T.headers(r, "newNonce: HEAD 200 with Replay-Nonce", 200, ctype=None)
    T.ok(r.content == b"", "newNonce: HEAD empty body")
    T.ok(cache_no_store(r), "newNonce: HEAD Cache-Control no-store",
         r.headers.get("Cache-Control"))
    n1 = r.headers.get("Replay-Nonce", "")
    T.ok(NONCE_RE.match(n1) is not None and len(n1) >= 22,
         "newNonce: nonce is >= 22 base64url characters (128 bits)", n1)
    r = raw.session.get(url)
    T.headers(r, "newNonce: GET 204 with Replay-Nonce", 204, ctype=None)
    T.ok(r.content == b"", "newNonce: GET empty body")
    T.ok(cache_no_store(r), "newNonce: GET Cache-Control no-store",
         r.headers.get("Cache-Control"))
    n2 = r.headers.get("Replay-Nonce", "")
    T.ok(n1 != n2, "newNonce: nonces differ")
    key, acct = make_account()
    r = raw.post_as_get(url, key, acct)
    T.headers(r, "newNonce: POST-as-GET 204 with Replay-Nonce", 204,
              ctype=None)
    T.ok(cache_no_store(r), "newNonce: POST-as-GET Cache-Control no-store",
         r.headers.get("Cache-Control"))


# ---------------------------------------------------------------- accounts

def accounts():
    key = Key("ES256")
    c = acme_client(key)
    r = acme_register(c, "ops@platform.example")
    loc = r.headers.get("Location", "")
    T.headers(r, "newAccount: 201 with Location", 201)
    T.ok(loc.startswith(BASE + "/acct/") and len(loc) > len(BASE) + 6,
         "newAccount: Location is an account URL", loc)
    body = r.json()
    T.eq(body.get("status"), "valid", "newAccount: status valid")
    T.eq(body.get("contact"), ["mailto:ops@platform.example"],
         "newAccount: contact echoed")
    T.ok(isinstance(body.get("orders"), str) and
         body["orders"].startswith("https://"),
         "newAccount: orders URL present", body)
    T.ok("onlyReturnExisting" not in body, "newAccount: no onlyReturnExisting"
         " in the account object", body)
    T.ok(cache_no_store(r), "newAccount: Cache-Control no-store",
         r.headers.get("Cache-Control"))

    # Same key again: 200 + same Location (python3-acme: ConflictError).
    c2 = acme_client(key)
    try:
        c2.new_account(messages.NewRegistration.from_data(
            email="other@platform.example", terms_of_service_agreed=True))
        T.ok(False, "newAccount again (python3-acme): ConflictError")
    except acme_errors.ConflictError as e:
        T.eq(str(e.location), loc, "newAccount again (python3-acme): "
             "ConflictError with the same Location")
    r = raw.new_account(key, {"termsOfServiceAgreed": True,
                              "contact": ["mailto:changed@platform.example"]})
    T.headers(r, "newAccount again: 200 + same Location", 200, location=loc)
    if r.status_code == 200:
        T.eq(r.json().get("contact"), ["mailto:ops@platform.example"],
             "newAccount again: account unchanged, request fields ignored")

    # onlyReturnExisting.
    r = raw.new_account(key, {"onlyReturnExisting": True})
    T.headers(r, "onlyReturnExisting, known key: 200 + Location", 200,
              location=loc)
    r = raw.new_account(Key(), {"onlyReturnExisting": True})
    T.problem(r, 400, "accountDoesNotExist",
              "onlyReturnExisting, unknown key: 400 accountDoesNotExist")
    r = raw.new_account(Key("EdDSA"), {"onlyReturnExisting": True})
    T.problem(r, 400, "accountDoesNotExist",
              "onlyReturnExisting, unknown Ed25519 key: 400 "
              "accountDoesNotExist")

    # Read the account (POST-as-GET and {}).
    r = raw.post_as_get(loc, key, loc)
    T.headers(r, "account: POST-as-GET 200", 200)
    T.eq(r.json().get("status") if r.status_code == 200 else None, "valid",
         "account: POST-as-GET status valid")
    r = raw.post(loc, {}, key, loc)
    T.headers(r, "account: POST {} 200", 200)
    r = raw.session.get(loc)
    T.problem(r, 405, "malformed", "account: plain GET 405 malformed",
              nonce=False)
    T.ok("POST" in r.headers.get("Allow", ""), "account: 405 has Allow: POST",
         r.headers.get("Allow"))

    # Contact update through python3-acme (it sends status "valid" too).
    regr = c.net.account
    new = regr.body.update(contact=("mailto:new@platform.example",))
    try:
        up = c.update_registration(regr, new)
        T.eq(tuple(up.body.contact), ("mailto:new@platform.example",),
             "contact update (python3-acme): 200, contact replaced")
    except messages.Error as e:
        T.ok(False, "contact update (python3-acme): 200", str(e))
    r = raw.post_as_get(loc, key, loc)
    T.eq(r.json().get("contact") if r.status_code == 200 else r.text,
         ["mailto:new@platform.example"], "contact update: stored")
    r = raw.post(loc, {"contact": ["mailto:a@platform.example",
                                   "mailto:b@platform.example"]}, key, loc)
    T.ok(r.status_code == 200 and len(r.json().get("contact", [])) == 2,
         "contact update (raw): two mailto contacts", r.text[:300])
    r = raw.post(loc, {"contact": ["http://platform.example/"]}, key, loc)
    T.problem(r, 400, "unsupportedContact",
              "contact update with http: 400 unsupportedContact")
    r = raw.post(loc, {"status": "bogus"}, key, loc)
    T.problem(r, 400, "malformed", "account status bogus: 400 malformed")

    # Bad contacts at creation.
    for contact, typ, what in (
            (["http://platform.example/contact"], "unsupportedContact",
             "http: scheme"),
            (["tel:+12025550123"], "unsupportedContact", "tel: scheme"),
            (["mailto:ops@platform.example?subject=hello"], "invalidContact",
             "mailto with ?subject"),
            (["mailto:a@platform.example,b@platform.example"],
             "invalidContact", "mailto with two addresses"),
            (["mailto:"], "invalidContact", "empty mailto")):
        r = raw.new_account(Key(), {"termsOfServiceAgreed": True,
                                    "contact": contact})
        T.problem(r, 400, typ, "newAccount contact %s: 400 %s" % (what, typ))
    r = raw.new_account(Key(), {"termsOfServiceAgreed": True,
                                "contact": ["http://x.example/"]})
    detail = ""
    try:
        detail = r.json().get("detail", "")
    except ValueError:
        pass
    T.ok("mailto" in detail, "unsupportedContact detail names mailto",
         detail)

    # Accepted key types (PROTOCOL §6.1).
    for alg in ("ES384", "ES512", "EdDSA", "RS256"):
        k = Key(alg)
        r = raw.new_account(k)
        T.headers(r, "newAccount with an %s key: 201" % alg, 201)
        if r.status_code == 201:
            acct = r.headers["Location"]
            r = raw.post_as_get(acct, k, acct)
            T.headers(r, "%s account: kid-signed POST-as-GET 200" % alg, 200)

    # Deactivation; then every request is 401 unauthorized.
    try:
        d = c.deactivate_registration(c.net.account)
        T.eq(str(d.body.status), "deactivated",
             "deactivate (python3-acme): status deactivated")
    except messages.Error as e:
        T.ok(False, "deactivate (python3-acme): 200", str(e))
    r = raw.post_as_get(loc, key, loc)
    T.problem(r, 401, "unauthorized",
              "deactivated account: POST-as-GET 401 unauthorized")
    r = raw.post(loc, {"contact": ["mailto:x@platform.example"]}, key, loc)
    T.problem(r, 401, "unauthorized",
              "deactivated account: update 401 unauthorized")
    r = raw.post(raw["newOrder"],
                 {"identifiers": [tn_identifier(fresh_number())]}, key, loc)
    T.problem(r, 401, "unauthorized",
              "deactivated account: newOrder 401 unauthorized")
    r = raw.new_account(key)
    T.problem(r, 401, "unauthorized",
              "deactivated account: newAccount with its key 401 unauthorized")
    r = raw.post(loc, {"status": "valid"}, key, loc)
    T.problem(r, 401, "unauthorized",
              "deactivated account: no reactivation (401)")


# ------------------------------------------------------------ key roll-over

def key_change():
    url = raw["keyChange"]
    k1, acct = make_account()
    k2 = Key("EdDSA")
    inner = raw.key_change_body(url, acct, k1, k2)
    r = raw.post(url, inner, k1, acct)
    T.headers(r, "keyChange: 200", 200)
    if r.status_code == 200:
        T.eq(r.json().get("status"), "valid",
             "keyChange: body is the account object")
    r = raw.new_account(k1, {"onlyReturnExisting": True})
    T.problem(r, 400, "accountDoesNotExist",
              "keyChange: old key now unknown (accountDoesNotExist)")
    r = raw.new_account(k2, {"onlyReturnExisting": True})
    T.headers(r, "keyChange: new key finds the account", 200, location=acct)
    r = raw.post_as_get(acct, k2, acct)
    T.headers(r, "keyChange: kid-signed with the new key works", 200)
    r = raw.post_as_get(acct, k1, acct)
    T.problem(r, 400, "malformed",
              "keyChange: kid-signed with the old key 400 malformed")

    # 409: the new key already belongs to another account.
    k3, acct_b = make_account()
    inner = raw.key_change_body(url, acct_b, k3, k2)
    r = raw.post(url, inner, k3, acct_b)
    T.problem(r, 409, "malformed", "keyChange to a key in use: 409 malformed")
    T.eq(r.headers.get("Location"), acct,
         "keyChange 409: Location names the account owning the key")
    r = raw.post_as_get(acct_b, k3, acct_b)
    T.headers(r, "keyChange 409: the account keeps its key", 200)

    # The inner JWS rules.
    k4 = Key()
    inner = raw.key_change_body(url, acct_b, k3, k4,
                                inner_extra={"nonce": raw.new_nonce()})
    r = raw.post(url, inner, k3, acct_b)
    T.problem(r, 400, "malformed", "keyChange: inner nonce 400 malformed")
    inner = raw.key_change_body(url, acct_b, k3, k4,
                                inner_extra={"url": raw["newAccount"]})
    r = raw.post(url, inner, k3, acct_b)
    T.problem(r, 400, "malformed", "keyChange: inner url differs 400 "
              "malformed")
    inner = raw.key_change_body(url, acct, k3, k4)
    r = raw.post(url, inner, k3, acct_b)
    T.problem(r, 403, "unauthorized",
              "keyChange: inner account is another account 403 unauthorized")
    inner = raw.key_change_body(url, acct_b, Key(), k4)
    r = raw.post(url, inner, k3, acct_b)
    T.problem(r, 403, "unauthorized",
              "keyChange: oldKey is not the current key 403 unauthorized")
    r = raw.post(url, {"account": acct_b, "oldKey": k3.public_jwk()},
                 k3, acct_b)
    T.problem(r, 400, "malformed",
              "keyChange: payload not a JWS 400 malformed")
    r = raw.new_account(k4, {"onlyReturnExisting": True})
    T.problem(r, 400, "accountDoesNotExist",
              "keyChange: rejected roll-overs changed nothing")


# ------------------------------------------------------------------ nonces

def bad_nonces():
    key, acct = make_account()
    fake = "AAAAAAAAAAAAAAAAAAAAAA"
    r = raw.post_as_get(acct, key, acct, nonce=fake)
    T.problem(r, 400, "badNonce", "unknown nonce: 400 badNonce")
    fresh = r.headers.get("Replay-Nonce")
    raw.nonces = []
    r = raw.post_as_get(acct, key, acct, nonce=fresh)
    T.headers(r, "retry with the nonce from the badNonce response: 200", 200)

    n = raw.new_nonce()
    r = raw.post_as_get(acct, key, acct, nonce=n)
    T.headers(r, "fresh nonce: 200", 200)
    r = raw.post_as_get(acct, key, acct, nonce=n)
    T.problem(r, 400, "badNonce", "reused nonce: 400 badNonce")

    r = raw.post_as_get(acct, key, acct, nonce=None)
    T.problem(r, 400, "badNonce", "missing nonce: 400 badNonce")
    r = raw.post_as_get(acct, key, acct, nonce="abc+def/ghi=")
    T.problem(r, 400, "malformed", "nonce not base64url: 400 malformed")

    # python3-acme retries once on badNonce with a fresh nonce.
    c = acme_client(key, acct)
    c.net._nonces.add(jws_header_nonce(fake))
    try:
        r = c._post_as_get(acct)
        T.eq(r.status_code, 200, "python3-acme recovers from badNonce")
    except messages.Error as e:
        T.ok(False, "python3-acme recovers from badNonce", str(e))


def jws_header_nonce(text):
    """A nonce as python3-acme keeps it in its pool (decoded)."""
    return acme_jws.Header._fields["nonce"].decode(text)


# ------------------------------------------------------- JWS rejections §4

def jws_rejections():
    key, acct = make_account()
    new_account = raw["newAccount"]
    new_order = raw["newOrder"]
    order_payload = {"identifiers": [tn_identifier(fresh_number())]}

    # 2: Content-Type.
    r = raw.send(new_account, raw.jws(new_account, {}, Key()),
                 content_type="application/json")
    T.problem(r, 415, "malformed", "Content-Type application/json: 415 "
              "malformed")
    # 1: method.
    r = raw.session.get(new_account)
    T.problem(r, 405, "malformed", "GET on newAccount: 405 malformed",
              nonce=False)
    T.ok("POST" in r.headers.get("Allow", ""), "GET on newAccount: Allow "
         "lists POST", r.headers.get("Allow"))
    r = raw.session.get(new_order)
    T.problem(r, 405, "malformed", "GET on newOrder: 405 malformed",
              nonce=False)
    r = raw.session.put(new_account, data="{}",
                        headers={"Content-Type": "application/jose+json"})
    T.problem(r, 405, "malformed", "PUT on newAccount: 405 malformed",
              nonce=False)

    # 3: envelope.
    r = raw.send(new_account, "not json")
    T.problem(r, 400, "malformed", "body not JSON: 400 malformed")
    jws = raw.jws(new_account, {}, Key())
    compact = "%s.%s.%s" % (jws["protected"], jws["payload"],
                            jws["signature"])
    r = raw.send(new_account, compact)
    T.problem(r, 400, "malformed", "compact serialization: 400 malformed")
    jws = raw.jws(new_account, {}, Key())
    general = {"payload": jws["payload"],
               "signatures": [{"protected": jws["protected"],
                               "signature": jws["signature"]}]}
    r = raw.send(new_account, general)
    T.problem(r, 400, "malformed", "general serialization: 400 malformed")
    jws = raw.jws(new_order, order_payload, key, acct)
    jws["header"] = {"kid": acct}
    r = raw.send(new_order, jws)
    T.problem(r, 400, "malformed", "unprotected header: 400 malformed")
    jws = raw.jws(new_account, {}, Key())
    del jws["signature"]
    r = raw.send(new_account, jws)
    T.problem(r, 400, "malformed", "no signature member: 400 malformed")

    # 4: base64url.
    jws = raw.jws(new_account, {}, Key())
    jws["payload"] = "e30="
    r = raw.send(new_account, jws)
    T.problem(r, 400, "malformed", "padded payload: 400 malformed")
    jws = raw.jws(new_account, {}, Key())
    jws["signature"] = jws["signature"][:10] + "+" + jws["signature"][11:]
    r = raw.send(new_account, jws)
    T.problem(r, 400, "malformed", "'+' in signature: 400 malformed")

    # 5: b64 / crit.
    r = raw.post(new_account, {}, Key(), extra={"b64": False,
                                               "crit": ["b64"]})
    T.problem(r, 400, "malformed", "b64/crit header: 400 malformed")

    # 6: algorithms.
    for alg in ("none", "HS256", "PS256", "RS384"):
        r = raw.post(new_account, {}, Key(), alg=alg)
        T.problem(r, 400, "badSignatureAlgorithm",
                  "alg %s: 400 badSignatureAlgorithm" % alg)
        try:
            algs = r.json().get("algorithms")
        except ValueError:
            algs = None
        T.ok(isinstance(algs, list) and sorted(algs) == sorted(ALGORITHMS),
             "alg %s: problem lists the accepted algorithms" % alg, algs)
    r = raw.post(new_account, {}, Key(), alg="none", signature=b"\x00" * 64)
    T.problem(r, 400, "badSignatureAlgorithm",
              "alg none with a non-empty signature: 400 "
              "badSignatureAlgorithm")
    r = raw.post(new_account, {}, Key(), drop=("alg",))
    T.problem(r, 400, "badSignatureAlgorithm",
              "no alg: 400 badSignatureAlgorithm")

    # 7/8: nonce.
    r = raw.post(new_account, {}, Key(), nonce=None)
    T.problem(r, 400, "badNonce", "newAccount without nonce: 400 badNonce")

    # 9: url.
    r = raw.send(new_account, raw.jws(new_order, {}, Key()))
    T.problem(r, 403, "unauthorized", "url of another resource: 403 "
              "unauthorized")
    r = raw.send(new_account, raw.jws(new_account + "?x=1", {}, Key()))
    T.problem(r, 403, "unauthorized", "url with extra query: 403 "
              "unauthorized")
    r = raw.post(new_account, {}, Key(), drop=("url",))
    T.problem(r, 403, "unauthorized", "no url: 403 unauthorized")

    # 10/11: jwk vs kid.
    r = raw.post(new_order, order_payload, key, acct, jwk=key.public_jwk())
    T.problem(r, 400, "malformed", "both jwk and kid: 400 malformed")
    r = raw.post(new_order, order_payload, key)
    T.problem(r, 400, "malformed", "newOrder signed with jwk: 400 malformed")
    r = raw.post(new_account, {}, key, acct)
    T.problem(r, 400, "malformed", "newAccount signed with kid: 400 "
              "malformed")

    # 12: public keys.
    small = Key("RS256", rsa_bits=1024)
    r = raw.new_account(small)
    T.problem(r, 400, "badPublicKey", "RSA 1024 key: 400 badPublicKey")
    k = Key()
    jwk = k.public_jwk()
    y = int.from_bytes(b64u_decode(jwk["y"]), "big")
    jwk["y"] = b64u(((y + 1) % (2 ** 256)).to_bytes(32, "big"))
    r = raw.new_account(k, jwk=jwk)
    T.problem(r, 400, "badPublicKey", "EC point off the curve: 400 "
              "badPublicKey")
    k = Key()
    jwk = dict(k.public_jwk(), d=b64u(k.priv.private_numbers()
                                     .private_value.to_bytes(32, "big")))
    r = raw.new_account(k, jwk=jwk)
    T.problem(r, 400, "badPublicKey", "private member d in jwk: 400 "
              "badPublicKey")
    k = Key()
    jwk = dict(k.public_jwk(), crv="P-384")
    r = raw.new_account(k, jwk=jwk)
    T.problem(r, 400, "badPublicKey", "jwk curve does not match alg: 400 "
              "badPublicKey")

    # 13: unknown kid.
    r = raw.post(new_order, order_payload, key,
                 BASE + "/acct/" + b64u(b"\x01" * 16))
    T.problem(r, 400, "accountDoesNotExist", "unknown kid: 400 "
              "accountDoesNotExist")

    # 15/16: signatures.
    r = raw.post(new_order, order_payload, key, acct, alg="ES384")
    T.problem(r, 400, "malformed", "alg differs from the account key type: "
              "400 malformed")
    r = raw.post(new_order, order_payload, key, acct, der_signature=True)
    T.problem(r, 400, "malformed", "DER-shaped ES256 signature: 400 "
              "malformed")
    r = raw.post(new_order, order_payload, key, acct, sign_with=Key())
    T.problem(r, 400, "malformed", "signature by another key: 400 malformed")
    jws = raw.jws(new_order, order_payload, key, acct)
    sig = bytearray(b64u_decode(jws["signature"]))
    sig[5] ^= 1
    jws["signature"] = b64u(bytes(sig))
    r = raw.send(new_order, jws)
    T.problem(r, 400, "malformed", "flipped signature bit: 400 malformed")

    # Duplicate members.
    hdr = compact_json({"alg": "ES256", "nonce": raw.nonce(),
                        "url": new_order, "kid": acct})
    dup = hdr[:-1] + ',"url":' + json.dumps(new_order) + "}"
    r = raw.post(new_order, order_payload, key, acct, protected=dup)
    T.problem(r, 400, "malformed", "duplicate member in the protected "
              "header: 400 malformed")
    r = raw.new_account(Key(), '{"termsOfServiceAgreed":true,'
                               '"termsOfServiceAgreed":true}')
    T.problem(r, 400, "malformed", "duplicate member in the payload: 400 "
              "malformed")
    jws = raw.jws(new_account, {}, Key())
    body = compact_json(jws)
    body = body[:-1] + ',"payload":' + json.dumps(jws["payload"]) + "}"
    r = raw.send(new_account, body)
    T.problem(r, 400, "malformed", "duplicate member in the JWS object: "
              "400 malformed")

    # Unknown path (PROTOCOL §3).
    r = raw.post(BASE + "/no-such-resource", {}, key, acct)
    T.problem(r, 404, "malformed", "POST to an unknown path: 404 malformed",
              nonce=False)

    # Payload rules.
    r = raw.new_account(Key(), "[1,2]")
    T.problem(r, 400, "malformed", "newAccount payload not an object: 400 "
              "malformed")
    r = raw.post(acct, "not json", key, acct)
    T.problem(r, 400, "malformed", "payload not JSON: 400 malformed")

    # Size cap: 64 KiB.
    big = {"termsOfServiceAgreed": True, "x-padding": "a" * 70000}
    r = raw.new_account(Key(), big)
    T.problem(r, 413, "malformed", "body over 64 KiB: 413 malformed")
    fits = {"termsOfServiceAgreed": True, "x-padding": "a" * 40000}
    r = raw.new_account(Key(), fits)
    T.headers(r, "body of 54 KiB (unknown member ignored): 201", 201)


T.section(directory)
T.section(nonces)
T.section(accounts)
T.section(key_change)
T.section(bad_nonces)
T.section(jws_rejections)
T.done()
