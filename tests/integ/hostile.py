"""Helpers for hostile requests, on top of acmetest.

acmetest.Raw builds well-formed JWS one rule off at a time; this module
adds what a hostile client needs beyond it:

* ``RawHTTP``: HTTP/1.1 over TLS on a plain socket, so a test can send a
  path as is (no dot-segment removal), lie in Content-Length, trickle the
  body, or half-close, with a hard timeout on every read;
* ``signed_parts``: a JWS from exact octets (invalid UTF-8, padding,
  foreign characters) signed over exactly what is sent;
* ``check_problem``: the strict problem-document check (status, type,
  matching ``status`` member, Replay-Nonce, Link index);
* state probes that snapshot a piece of the store before a request and
  tell whether the request changed it.
"""

import json
import socket
import ssl
import time
import urllib.parse

from requests.structures import CaseInsensitiveDict

from acmetest import (DIRECTORY_URL, ERR, JOSE_CT, NONCE_RE, SMS_LOG, TLS_CA,
                      Key, b64u, links)

BASE = DIRECTORY_URL.rsplit("/", 1)[0]          # https://host:port/acme
_U = urllib.parse.urlsplit(DIRECTORY_URL)
HOST = _U.hostname or "localhost"
PORT = _U.port or 443
ORIGIN = "%s://%s" % (_U.scheme, _U.netloc)     # https://host:port


def url_path(url):
    """The request-target of an absolute URL, exactly as written."""
    assert url.startswith(ORIGIN), url
    return url[len(ORIGIN):] or "/"


# ------------------------------------------------------------ raw HTTP/1.1

class RawResponse:
    """The parts of a response the checks use (requests-like)."""

    def __init__(self):
        self.status_code = None
        self.reason = ""
        self.headers = CaseInsensitiveDict()
        self.content = b""
        self.closed = False        # the server closed the connection
        self.timed_out = False     # nothing (more) came before the deadline
        self.error = None          # a socket/TLS error text
        self.complete = False      # a whole response was parsed

    @property
    def text(self):
        return self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content.decode("utf-8"))

    def summary(self):
        if self.status_code is None:
            what = []
            if self.timed_out:
                what.append("timeout")
            if self.closed:
                what.append("connection closed")
            if self.error:
                what.append(self.error)
            return "no response (%s)" % ", ".join(what or ["nothing"])
        return "%s %s" % (self.status_code, self.content[:200])


def _parse(buf, head_only=False):
    """Parse one response from buf; returns (RawResponse or None if
    incomplete, octets used)."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None, 0
    head = buf[:end].decode("latin-1").split("\r\n")
    r = RawResponse()
    parts = head[0].split(" ", 2)
    try:
        r.status_code = int(parts[1])
    except (IndexError, ValueError):
        r.status_code = -1
    r.reason = parts[2] if len(parts) > 2 else ""
    for line in head[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            if k.strip() in r.headers:
                r.headers[k.strip()] += ", " + v.strip()
            else:
                r.headers[k.strip()] = v.strip()
    pos = end + 4
    if head_only or r.status_code in (204, 304) or \
            100 <= r.status_code < 200:
        r.complete = True
        return r, pos
    if "chunked" in r.headers.get("Transfer-Encoding", "").lower():
        body = b""
        while True:
            nl = buf.find(b"\r\n", pos)
            if nl < 0:
                return None, 0
            size = int(buf[pos:nl].split(b";")[0] or b"0", 16)
            pos = nl + 2
            if size == 0:
                tail = buf.find(b"\r\n", pos)
                if tail < 0:
                    return None, 0
                pos = tail + 2
                break
            if len(buf) < pos + size + 2:
                return None, 0
            body += buf[pos:pos + size]
            pos += size + 2
        r.content = body
        r.complete = True
        return r, pos
    if "Content-Length" in r.headers:
        n = int(r.headers["Content-Length"])
        if len(buf) < pos + n:
            return None, 0
        r.content = buf[pos:pos + n]
        r.complete = True
        return r, pos + n
    return None, 0            # body until close


class RawHTTP:
    """One TLS connection speaking HTTP/1.1 by hand."""

    def __init__(self, timeout=10.0):
        ctx = ssl.create_default_context(cafile=TLS_CA)
        ctx.set_alpn_protocols(["http/1.1"])
        sock = socket.create_connection((HOST, PORT), timeout=timeout)
        self.sock = ctx.wrap_socket(sock, server_hostname=HOST)
        self.buf = b""
        self.eof = False

    @staticmethod
    def head(method, path, content_type=JOSE_CT, content_length=None,
             extra=None, close=True):
        lines = ["%s %s HTTP/1.1" % (method, path),
                 "Host: %s" % _U.netloc,
                 "User-Agent: idprover-hostile"]
        if content_type is not None:
            lines.append("Content-Type: %s" % content_type)
        if content_length is not None:
            lines.append("Content-Length: %d" % content_length)
        for k, v in (extra or {}).items():
            lines.append("%s: %s" % (k, v))
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send(self, data):
        self.sock.sendall(data)

    def half_close(self):
        """TCP FIN after what was sent (no TLS close_notify)."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def read_response(self, deadline, head_only=False):
        """The next response, or a RawResponse with status_code None that
        says whether the server closed, timed out or failed."""
        while True:
            r, used = _parse(self.buf, head_only)
            if r is not None:
                self.buf = self.buf[used:]
                return r
            if self.eof:
                r = RawResponse()
                end = self.buf.find(b"\r\n\r\n")
                if end >= 0:        # a body delimited by the close
                    r, _ = _parse(self.buf[:end + 4], True)
                    r.content = self.buf[end + 4:]
                    r.complete = True
                r.closed = True
                self.buf = b""
                return r
            left = deadline - time.time()
            if left <= 0:
                r = RawResponse()
                r.timed_out = True
                return r
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                r = RawResponse()
                r.timed_out = True
                return r
            except (ssl.SSLError, OSError) as e:
                self.eof = True
                r = RawResponse()
                r.closed = True
                r.error = "%s: %s" % (type(e).__name__, e)
                return r
            if not data:
                self.eof = True
            self.buf += data

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def raw_request(method, path, body=b"", content_type=JOSE_CT,
                content_length="auto", timeout=10.0, extra=None):
    """Send one request with the path and headers exactly as given."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, dict):
        body = json.dumps(body, separators=(",", ":")).encode()
    if content_length == "auto":
        content_length = len(body) if (body or method == "POST") else None
    c = RawHTTP(timeout)
    try:
        c.send(RawHTTP.head(method, path, content_type, content_length,
                            extra) + body)
        return c.read_response(time.time() + timeout,
                               head_only=(method == "HEAD"))
    finally:
        c.close()


# ------------------------------------------------------------ JWS octets

def signed_parts(key, protected, payload, sign_with=None):
    """A flattened JWS from exact octets: protected and payload are bytes
    (or a str that is already the base64url text when prefixed 'b64:').
    The signature covers exactly the protected.payload text sent."""
    def enc(part):
        if isinstance(part, str) and part.startswith("b64:"):
            return part[4:]
        if isinstance(part, str):
            part = part.encode("utf-8")
        return b64u(part) if part else ""
    prot = enc(protected)
    pay = enc(payload)
    sig = (sign_with or key).sign(("%s.%s" % (prot, pay)).encode("ascii"))
    return {"protected": prot, "payload": pay, "signature": b64u(sig)}


def header(raw, url, key, kid=None, **extra):
    """The protected header Raw.jws would build (fresh nonce)."""
    h = {"alg": key.alg, "nonce": raw.nonce(), "url": url}
    if kid is not None:
        h["kid"] = kid
    else:
        h["jwk"] = key.public_jwk()
    h.update(extra)
    return h


def body_text(jws):
    return json.dumps(jws, separators=(",", ":"))


# ------------------------------------------------------------ checks

def check_problem(r, status, typ, index_url=DIRECTORY_URL, nonce=True):
    """Problems (list of strings) with an error response: HTTP status,
    application/problem+json, the ACME type, a 'status' member equal to
    the HTTP status, a Replay-Nonce, a Link rel=index."""
    probs = []
    if r.status_code is None:
        return ["no response: %s" % r.summary()]
    if r.status_code != status:
        probs.append("HTTP status %s, expected %s" % (r.status_code, status))
    ct = r.headers.get("Content-Type", "").split(";")[0].strip()
    if ct != "application/problem+json":
        probs.append("Content-Type %r, expected application/problem+json"
                     % ct)
    try:
        doc = r.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        probs.append("body is not a JSON object")
    else:
        want = typ if typ.startswith("urn:") else ERR + typ
        if doc.get("type") != want:
            probs.append("type %r, expected %r" % (doc.get("type"), want))
        if doc.get("status") != r.status_code:
            probs.append("member status %r, expected %r (the HTTP status)"
                         % (doc.get("status"), r.status_code))
    if nonce and not NONCE_RE.match(r.headers.get("Replay-Nonce", "")):
        probs.append("no valid Replay-Nonce")
    if index_url and index_url not in links(r, "index"):
        probs.append("no Link rel=index to the directory")
    if probs:
        probs.append("body: %s" % r.text[:300].replace("\n", " "))
    return probs


def problem_summary(r):
    """'STATUS type' of a response, for failure lists."""
    if r is None or r.status_code is None:
        return r.summary() if r is not None else "no response"
    try:
        t = str(r.json().get("type", "")).replace(ERR, "")
    except (ValueError, AttributeError):
        t = "(%s)" % r.headers.get("Content-Type", "no Content-Type")
    return "%s %s" % (r.status_code, t)


# ------------------------------------------------------------ accounts

class Account:
    """An account for raw requests: key, kid, signed POST / POST-as-GET."""

    def __init__(self, raw, key=None, payload=None):
        self.raw = raw
        self.key = key or Key("ES256")
        r = raw.new_account(self.key, payload)
        if r.status_code != 201:
            raise RuntimeError("newAccount: %s %s" % (r.status_code,
                                                      r.text[:200]))
        self.kid = r.headers["Location"]
        self.obj = r.json()

    def post(self, url, payload, **kw):
        return self.raw.post(url, payload, self.key, self.kid, **kw)

    def get(self, url, **kw):
        return self.raw.post_as_get(url, self.key, self.kid, **kw)

    def get_json(self, url):
        r = self.get(url)
        if r.status_code != 200:
            raise RuntimeError("POST-as-GET %s: %s %s" % (
                url, r.status_code, r.text[:200]))
        return r.json()

    def orders(self):
        return self.get_json(self.obj["orders"]).get("orders")


# ------------------------------------------------------------ probes

class Probe:
    """Snapshot before a request; after() returns None when the state is
    as it should be, else a description of the change."""

    def before(self):
        pass

    def after(self):
        return None


class NoAccount(Probe):
    """The key still has no account (onlyReturnExisting →
    accountDoesNotExist)."""

    def __init__(self, raw, key):
        self.raw, self.key = raw, key

    def after(self):
        r = self.raw.new_account(self.key, {"onlyReturnExisting": True})
        # badPublicKey: a key the server refuses cannot hold an account.
        if r.status_code == 400 and r.json().get("type") in (
                ERR + "accountDoesNotExist", ERR + "badPublicKey"):
            return None
        return "onlyReturnExisting for the key: %s (an account exists?)" % \
            problem_summary(r)


class Unchanged(Probe):
    """A resource read by POST-as-GET is the same afterwards (volatile
    members such as a nonce-less timestamp are compared too: nothing in
    these objects changes by itself within a test)."""

    def __init__(self, acct, url, label=None, drop=()):
        self.acct, self.url, self.label = acct, url, label or url
        self.drop = drop
        self.snap = None

    def _read(self):
        doc = self.acct.get_json(self.url)
        for d in self.drop:
            doc.pop(d, None)
        return doc

    def before(self):
        self.snap = self._read()

    def after(self):
        now = self._read()
        if now == self.snap:
            return None
        return "%s changed:\n  before %s\n  after  %s" % (
            self.label, json.dumps(self.snap)[:300], json.dumps(now)[:300])


class OrdersUnchanged(Unchanged):
    def __init__(self, acct):
        Unchanged.__init__(self, acct, acct.obj["orders"], "orders list")


def sms_lines():
    try:
        with open(SMS_LOG, "rb") as f:
            return sum(1 for line in f if line.strip())
    except FileNotFoundError:
        return 0


class NoSms(Probe):
    """No new line in the SMS log."""

    def before(self):
        self.n = sms_lines()

    def after(self):
        # A send happens after the commit, before the response: a short
        # grace period catches one that is late anyway.
        time.sleep(0.05)
        n = sms_lines()
        return None if n == self.n else \
            "sms.log grew from %d to %d lines" % (self.n, n)


class Custom(Probe):
    def __init__(self, before, after):
        self._b, self._a = before, after

    def before(self):
        self.state = self._b()

    def after(self):
        return self._a(self.state)

