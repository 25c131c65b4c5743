/* The unit tests' harness for the request path (see harness.h). */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "b64url.h"
#include "crypt.h"
#include "jws.h"
#include "secret.h"
#include "sms.h"
#include "tnauthlist.h"
#include "x509.h"

static int
hx_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
hx_write(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

void
hx_rmtree(const char *dir)
{
	nftw(dir, hx_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void
hx_config(struct hx *h, const char *conf)
{
	char	 text[4096], err[256];

	snprintf(h->conf, sizeof(h->conf), "%s/idprover.conf", h->dir);
	snprintf(text, sizeof(text), "{\"base_url\": \"%s\", \"data_dir\": "
	    "\"%s\"%s%s}\n", HX_BASE, h->dir, conf != NULL ? ", " : "",
	    conf != NULL ? conf : "");
	hx_write(h->conf, text);
	if (config_load(&h->srv.cfg, h->conf, err, sizeof(err)) == -1)
		fail_msg("configuration: %s", err);
	snprintf(h->smslog, sizeof(h->smslog), "%s/sms.log", h->dir);
}

struct hx *
hx_new(unsigned flags, const char *conf)
{
	struct hx	*h;
	char		 ca[96];

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		fail_msg("out of memory");
		return NULL;
	}
	snprintf(h->dir, sizeof(h->dir), "/tmp/idprover-hx.XXXXXX");
	if (mkdtemp(h->dir) == NULL)
		fail_msg("mkdtemp");
	h->now = time(NULL);
	h->srv.location = "Location";
	hx_config(h, conf);
	if (secret_init(&h->srv.cfg) == -1 ||
	    secret_load(&h->srv.cfg, h->srv.secret) == -1)
		fail_msg("the secret");
	hx_store_open(h);
	if (flags & HX_CA) {
		snprintf(ca, sizeof(ca), "%s/ca", h->dir);
		if (mkdir(ca, 0700) == -1 || (h->srv.ca = ca_open(
		    h->srv.cfg.ca_key, h->srv.cfg.ca_cert, "Harness CA",
		    1)) == NULL)
			fail_msg("the CA");
	}
	if ((flags & HX_SMS) && acme_sms_init(&h->srv) == -1)
		fail_msg("the SMS gateway");
	if (flags & HX_ACCT) {
		if ((h->key = signer_generate(JWK_ES256)) == NULL)
			fail_msg("signer_generate");
		hx_account(h, h->key, ACCT_VALID, &h->acct);
		hx_kid(h->acct.id, h->kid, sizeof(h->kid));
	}
	return h;
}

void
hx_free(struct hx *h)
{
	if (h == NULL)
		return;
	gateway_close(h->srv.gw);
	ca_free(h->srv.ca);
	if (h->srv.st != NULL)
		store_close(h->srv.st);
	signer_free(h->key);
	hx_rmtree(h->dir);
	free(h);
}

void
hx_store_close(struct hx *h)
{
	store_close(h->srv.st);
	h->srv.st = NULL;
}

void
hx_store_open(struct hx *h)
{
	if ((h->srv.st = store_open(h->srv.cfg.db_dir, 1)) == NULL)
		fail_msg("store_open %s", h->srv.cfg.db_dir);
}

/* Run fn in a transaction of its own, committed. */
static void
hx_begin(struct hx *h)
{
	if (store_begin(h->srv.st) != STORE_OK)
		fail_msg("store_begin");
}

static void
hx_commit(struct hx *h)
{
	if (store_commit(h->srv.st, 0) != STORE_OK)
		fail_msg("store_commit");
}

void
hx_account(struct hx *h, const struct signer *key, enum acct_status status,
    struct account *a)
{
	memset(a, 0, sizeof(*a));
	if (crypt_id(a->id, sizeof(a->id)) == -1)
		fail_msg("crypt_id");
	a->status = (uint8_t)status;
	a->tos = 1;
	a->created = h->now;
	snprintf(a->thumb, sizeof(a->thumb), "%s", signer_thumb(key));
	snprintf(a->key, sizeof(a->key), "%s", signer_jwk(key));
	hx_begin(h);
	if (store_account_put(h->srv.st, a) != STORE_OK ||
	    store_key_put(h->srv.st, a->thumb, a->id) != STORE_OK)
		fail_msg("storing an account");
	hx_commit(h);
}

void
hx_kid(const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/acct/%s", HX_BASE, id);
}

void
hx_nonce(struct hx *h, char nonce[NONCE_LEN + 1])
{
	if (nonce_new(&h->srv, h->now, nonce) == -1)
		fail_msg("nonce_new");
}

void
hx_req(struct hx *h, struct req *r, enum method m, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->srv = &h->srv;
	r->cfg = &h->srv.cfg;
	r->st = h->srv.st;
	r->now = h->now;
	r->method = m;
	r->status = 200;
	r->retry_after = -1;
	r->remaining = -1;
	/* The path is the tail of the URL, as serve() makes them. */
	snprintf(r->url, sizeof(r->url), "%s%s", HX_BASE, path);
	r->path = r->url + strlen(HX_BASE);
}

void
hx_req_body(struct hx *h, struct req *r, const char *path, const char *body)
{
	hx_req(h, r, METHOD_POST, path);
	if ((r->body = strdup(body)) == NULL)
		fail_msg("out of memory");
	r->bodysz = strlen(body);
}

void
hx_req_post(struct hx *h, struct req *r, const char *path,
    const struct signer *key, const char *kid, const char *payload)
{
	char	 url[URL_MAX * 2], nonce[NONCE_LEN + 1], *jws;

	snprintf(url, sizeof(url), "%s%s", HX_BASE, path);
	hx_nonce(h, nonce);
	if ((jws = signer_jws(key, url, nonce, kid, payload)) == NULL)
		fail_msg("signer_jws");
	hx_req_body(h, r, path, jws);
	free(jws);
}

void
hx_req_free(struct req *r)
{
	jws_free(r->jws);
	r->jws = NULL;
	buf_free(&r->hdr);
	buf_free(&r->out);
	free(r->body);
	r->body = NULL;
}

enum prob
hx_run(struct hx *h, struct req *r, enum auth need,
    enum prob (*fn)(struct req *))
{
	enum prob	 p;

	hx_begin(h);
	p = r->method == METHOD_POST ? auth_request(r, need) : PROB_NONE;
	if (p == PROB_NONE)
		p = fn(r);
	if (store_failed(r->st) || p == PROB_SERVER_INTERNAL) {
		store_abort(r->st);
		p = PROB_SERVER_INTERNAL;
	} else if (store_commit(r->st, r->durable) != STORE_OK)
		fail_msg("store_commit");
	if ((r->prob = p) != PROB_NONE)
		problem_write(r);
	return p;
}

enum prob
hx_post(struct hx *h, struct req *r, const char *path, const char *payload,
    enum prob (*fn)(struct req *))
{
	hx_req_post(h, r, path, h->key, h->kid, payload);
	return hx_run(h, r, AUTH_KID, fn);
}

json_object *
hx_json(const struct req *r)
{
	json_object	*o;

	if (r->out.len == 0 || (o = json_tokener_parse(r->out.p)) == NULL)
		fail_msg("the response body is not JSON: %.*s",
		    (int)r->out.len, r->out.p != NULL ? r->out.p : "");
	return o;
}

const char *
hx_body_str(const struct req *r, const char *name, char *buf, size_t size)
{
	json_object	*top = hx_json(r), *o = top, *v = NULL;
	char		 part[128], *dot;
	const char	*n = name;

	buf[0] = '\0';
	for (;;) {
		snprintf(part, sizeof(part), "%s", n);
		if ((dot = strchr(part, '.')) != NULL)
			*dot = '\0';
		if (!json_object_object_get_ex(o, part, &v))
			break;
		if (dot == NULL) {
			if (json_object_is_type(v, json_type_string))
				snprintf(buf, size, "%s",
				    json_object_get_string(v));
			break;
		}
		o = v;
		n += strlen(part) + 1;
	}
	json_object_put(top);
	return buf;
}

const char *
hx_header(const struct req *r, const char *name, char *buf, size_t size)
{
	const char	*p = r->hdr.p, *end = r->hdr.p + r->hdr.len, *eol;
	size_t		 n = strlen(name);

	buf[0] = '\0';
	while (p != NULL && p < end) {
		if ((eol = memchr(p, '\r', (size_t)(end - p))) == NULL)
			break;
		if ((size_t)(eol - p) > n + 1 && strncmp(p, name, n) == 0 &&
		    p[n] == ':' && p[n + 1] == ' ') {
			snprintf(buf, size, "%.*s", (int)(eol - p - (long)n - 2),
			    p + n + 2);
			break;
		}
		p = eol + 2;
	}
	return buf;
}

#define HX_GET(name, type, call)					\
int									\
name(struct hx *h, const char *id, type *out)				\
{									\
	int	 rc;							\
									\
	hx_begin(h);							\
	rc = call(h->srv.st, id, out);					\
	store_abort(h->srv.st);						\
	return rc;							\
}

HX_GET(hx_order_get, struct order, store_order_get)
HX_GET(hx_account_get, struct account, store_account_get)
HX_GET(hx_key_get, char, store_key_get)
HX_GET(hx_cert_get, struct cert, store_cert_get)
HX_GET(hx_sms_get, struct sms, store_sms_get)

void
hx_order_put(struct hx *h, const struct order *o)
{
	hx_begin(h);
	if (store_order_put(h->srv.st, o) != STORE_OK)
		fail_msg("store_order_put");
	hx_commit(h);
}

void
hx_ident(const char *tn, char *buf, size_t size)
{
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	size_t		 len = sizeof(der);

	if (tnauthlist_encode(tn, der, &len) == -1 ||
	    b64url_encode(der, len, buf, size) <= 0)
		fail_msg("the identifier of %s", tn);
}

void
hx_order_make(struct hx *h, const char *acct, const char *tn,
    struct order *o)
{
	unsigned char	 tok[TOKEN_RAW_LEN];

	memset(o, 0, sizeof(*o));
	hx_ident(tn, o->ident, sizeof(o->ident));
	if (crypt_id(o->id, sizeof(o->id)) == -1 ||
	    crypt_random(tok, sizeof(tok)) == -1 ||
	    b64url_encode(tok, sizeof(tok), o->token, sizeof(o->token)) !=
	    TOKEN_LEN)
		fail_msg("making an order");
	snprintf(o->acct, sizeof(o->acct), "%s", acct);
	snprintf(o->tn, sizeof(o->tn), "%s", tn);
	o->status = ORDER_PENDING;
	o->authz = AUTHZ_PENDING;
	o->chall = CHALL_PENDING;
	o->created = h->now;
	o->expires = h->now + 3600;
	hx_begin(h);
	if (store_order_put(h->srv.st, o) != STORE_OK ||
	    store_acct_order_add(h->srv.st, o) != STORE_OK)
		fail_msg("storing an order");
	hx_commit(h);
}

/* The SMS log, whole, into buf. */
static void
hx_sms_read(struct hx *h, char *buf, size_t size)
{
	FILE	*f;
	size_t	 n = 0;

	if ((f = fopen(h->smslog, "r")) != NULL) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

int
hx_sms_lines(struct hx *h)
{
	char		 buf[16384];
	const char	*p;
	int		 n = 0;

	hx_sms_read(h, buf, sizeof(buf));
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	return n;
}

void
hx_sms_code(struct hx *h, char code[CODE_DIGITS + 1])
{
	char		 buf[16384], *last, *c;
	json_object	*o, *t;

	hx_sms_read(h, buf, sizeof(buf));
	if (buf[0] == '\0')
		fail_msg("no SMS was written");
	buf[strlen(buf) - 1] = '\0';
	last = (last = strrchr(buf, '\n')) != NULL ? last + 1 : buf;
	if ((o = json_tokener_parse(last)) == NULL ||
	    !json_object_object_get_ex(o, "text", &t))
		fail_msg("the SMS log line is not JSON: %s", last);
	c = strstr(json_object_get_string(t), "code: ");
	if (c == NULL || strspn(c + 6, "0123456789") != CODE_DIGITS)
		fail_msg("no code in the SMS");
	memcpy(code, c + 6, CODE_DIGITS);
	code[CODE_DIGITS] = '\0';
	json_object_put(o);
}

int
hx_capture(int (*fn)(void *), void *arg, const char *in, char *out,
    size_t size)
{
	int	 ip[2], op[2], st;
	pid_t	 pid;
	size_t	 n = 0;
	ssize_t	 got;

	if (pipe(ip) == -1 || pipe(op) == -1)
		fail_msg("pipe");
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		fail_msg("fork");
	if (pid == 0) {
		dup2(ip[0], STDIN_FILENO);
		dup2(op[1], STDOUT_FILENO);
		close(ip[0]);
		close(ip[1]);
		close(op[0]);
		close(op[1]);
		st = fn(arg);
		fflush(stdout);
		_exit(st);
	}
	close(ip[0]);
	close(op[1]);
	/* The input is small: the pipe holds it all. */
	if (in != NULL && write(ip[1], in, strlen(in)) != (ssize_t)strlen(in))
		fail_msg("write");
	close(ip[1]);
	while (n < size - 1 && (got = read(op[0], out + n, size - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(op[0]);
	if (waitpid(pid, &st, 0) == -1)
		fail_msg("waitpid");
	if (!WIFEXITED(st))
		fail_msg("the child died by signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}
