/* idprover-client: the platform's command-line ACME client. It proves
 * control of a telephone number (TNAuthList identifier, sms-link-00
 * challenge) and fetches the certificate; see idprover-client(1). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "acmec.h"
#include "bounds.h"
#include "certinfo.h"
#include "file.h"
#include "json.h"
#include "jwk.h"
#include "log.h"
#include "sign.h"
#include "timefmt.h"
#include "tnauthlist.h"

#define PROG		"idprover-client"
#define STATE_DEFAULT	"./idprover-client-state"
#define STATE_FILE_MAX	(1024 * 1024)	/* order.json, cert.pem */
#define JSON_FLAGS	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | \
			    JSON_C_TO_STRING_NOSLASHESCAPE)

/* Exit statuses, as the manual lists them. */
enum rc { RC_OK, RC_USAGE, RC_REFUSED, RC_TRANSPORT, RC_STATE, RC_PENDING,
	RC__MAX };

/* The options a command takes, as bits of struct cmd. */
#define OPT_TN		0x01
#define OPT_CODE	0x02
#define OPT_CONTACT	0x04
#define OPT_KEY		0x08
#define OPT_CSR		0x10
#define OPT_REASON	0x20
#define OPT_ALG		0x40
#define OPT_PROFILE	0x80

struct ctx {
	const char	*state;			/* -d */
	const char	*dirurl;		/* -s */
	const char	*cafile;		/* -k */
	char		 tn[TN_MAX + 1];
	const char	*code;
	const char	*contact[CONTACT_MAX];
	size_t		 ncontact;
	const char	*key;
	const char	*csr;
	const char	*profile;
	enum jwk_alg	 alg;			/* JWK__MAX: not given */
	int		 reason;		/* -1: not given */
	char		 kid[URL_MAX];
	struct signer	*acct;			/* signs the requests */
	struct acmec	*c;
};

static int	cmd_create(struct ctx *);
static int	cmd_show(struct ctx *);
static int	cmd_update(struct ctx *);
static int	cmd_deactivate(struct ctx *);
static int	cmd_key_change(struct ctx *);
static int	cmd_enroll(struct ctx *);
static int	cmd_answer(struct ctx *);
static int	cmd_finalize(struct ctx *);
static int	cmd_fetch(struct ctx *);
static int	cmd_revoke(struct ctx *);
static int	cmd_renew(struct ctx *);

static const struct cmd {
	const char	*name;
	const char	*sub;
	int		(*fn)(struct ctx *);
	unsigned int	 opts;		/* allowed */
	unsigned int	 need;		/* required */
	const char	*usage;
} cmds[] = {
	{ "account", "create", cmd_create, OPT_CONTACT | OPT_ALG, 0,
	    "account create [--contact mailto:addr] [--alg alg]" },
	{ "account", "show", cmd_show, 0, 0, "account show" },
	{ "account", "update", cmd_update, OPT_CONTACT, OPT_CONTACT,
	    "account update --contact mailto:addr ..." },
	{ "account", "deactivate", cmd_deactivate, 0, 0,
	    "account deactivate" },
	{ "account", "key-change", cmd_key_change, OPT_ALG, 0,
	    "account key-change [--alg alg]" },
	{ "enroll", NULL, cmd_enroll, OPT_TN | OPT_PROFILE, OPT_TN,
	    "enroll --tn number [--profile name]" },
	{ "answer", NULL, cmd_answer, OPT_TN | OPT_CODE, OPT_TN | OPT_CODE,
	    "answer --tn number --code code" },
	{ "finalize", NULL, cmd_finalize, OPT_TN | OPT_KEY | OPT_CSR, OPT_TN,
	    "finalize --tn number [--key cert.key | --csr file.der]" },
	{ "fetch", NULL, cmd_fetch, OPT_TN, OPT_TN, "fetch --tn number" },
	{ "revoke", NULL, cmd_revoke, OPT_TN | OPT_REASON | OPT_KEY, OPT_TN,
	    "revoke --tn number [--reason n] [--key cert.key]" },
	{ "renew", NULL, cmd_renew, OPT_TN | OPT_PROFILE, OPT_TN,
	    "renew --tn number [--profile name]" },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static const struct option longopts[] = {
	{ "tn", required_argument, NULL, OPT_TN },
	{ "code", required_argument, NULL, OPT_CODE },
	{ "contact", required_argument, NULL, OPT_CONTACT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "csr", required_argument, NULL, OPT_CSR },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "alg", required_argument, NULL, OPT_ALG },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(const struct cmd *only)
{
	size_t	 i;

	fprintf(stderr, "usage: %s [-d state-dir] [-s directory-url] "
	    "[-k cafile] command [args]\n", PROG);
	for (i = 0; i < NCMDS; i++)
		if (only == NULL || only == &cmds[i])
			fprintf(stderr, "       %s ... %s\n", PROG,
			    cmds[i].usage);
	exit(RC_USAGE);
}

static int __attribute__((format(printf, 2, 3)))
complain(int rc, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return rc;
}

/* The server refused (2) or could not be reached (3): say why. */
static int
fail(const struct ctx *x, const char *what)
{
	const struct acmec_problem	*p = acmec_problem(x->c);

	if (p->status == 0)
		return complain(RC_TRANSPORT, "%s: %s", what, p->detail);
	complain(RC_REFUSED, "%s: %s: %s", what, p->type[0] != '\0' ?
	    p->type : "error", p->detail);
	if (p->remaining >= 0)
		complain(RC_REFUSED, "%d %s left", p->remaining,
		    p->remaining == 1 ? "try" : "tries");
	if (p->retry_after >= 0)
		complain(RC_REFUSED, "retry after %ld s", p->retry_after);
	return RC_REFUSED;
}

/*
 * The state folder.
 */

/* path = state/name, or state/tn/name when pertn. */
static int
state_path(const struct ctx *x, char *buf, size_t sz, int pertn,
    const char *name)
{
	int	 n;

	n = pertn ? snprintf(buf, sz, "%s/%s/%s", x->state, x->tn, name) :
	    snprintf(buf, sz, "%s/%s", x->state, name);
	if (n < 0 || (size_t)n >= sz)
		return complain(-1, "%s: path too long", x->state);
	return 0;
}

/* The state folder, or its sub-folder for the number (mode 0700). */
static int
state_mkdir(const struct ctx *x, int pertn)
{
	char	 path[PATH_MAX];

	if (mkdir(x->state, 0700) == -1 && errno != EEXIST)
		return complain(-1, "%s: %s", x->state, strerror(errno));
	if (!pertn)
		return 0;
	if (state_path(x, path, sizeof(path), 0, x->tn) == -1)
		return -1;
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return complain(-1, "%s: %s", path, strerror(errno));
	return 0;
}

/* Read a whole file of at most max octets, NUL-terminated; the caller
 * frees it. A missing file is only reported when loud is set. */
static char *
state_read(const char *path, size_t max, size_t *lenp, int loud)
{
	unsigned char	*buf;
	size_t		 len;

	if (file_read(path, max, &buf, &len, !loud) == -1)
		return NULL;
	if (lenp != NULL)
		*lenp = len;
	return (char *)buf;
}

/* One line of text (a URL, a token) from state into buf. A missing file
 * fails quietly: the callers say which command makes it. */
static int
state_get(const struct ctx *x, int pertn, const char *name, char *buf,
    size_t sz)
{
	char	 path[PATH_MAX], *s;
	size_t	 len;

	if (state_path(x, path, sizeof(path), pertn, name) == -1 ||
	    (s = state_read(path, sz, &len, 0)) == NULL)
		return -1;
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	if (len == 0 || len >= sz || strcspn(s, "\r\n") != len) {
		free(s);
		return complain(-1, "%s: not one line of text", path);
	}
	memcpy(buf, s, len + 1);
	free(s);
	return 0;
}

/* Store one line of text. */
static int
state_put(const struct ctx *x, int pertn, const char *name, const char *v)
{
	char	 path[PATH_MAX], line[URL_MAX + 2];
	int	 n;

	n = snprintf(line, sizeof(line), "%s\n", v);
	if (n < 0 || (size_t)n >= sizeof(line))
		return complain(-1, "%s: value too long", name);
	if (state_path(x, path, sizeof(path), pertn, name) == -1)
		return -1;
	return file_write(path, line, (size_t)n, 0600);
}

/* Store a JSON object, pretty-printed. */
static int
state_put_json(const struct ctx *x, const char *name, json_object *o)
{
	char		 path[PATH_MAX];
	const char	*s;
	char		*text;
	int		 rc;

	s = json_object_to_json_string_ext(o, JSON_FLAGS);
	if (s == NULL || asprintf(&text, "%s\n", s) == -1)
		return complain(-1, "out of memory");
	rc = state_path(x, path, sizeof(path), 1, name) == -1 ? -1 :
	    file_write(path, text, strlen(text), 0600);
	free(text);
	return rc;
}

/*
 * The connection.
 */

/* Load the account key (unless one is set), fetch the directory; with
 * needkid, the account URL must be known. */
static int
connect_server(struct ctx *x, int needkid)
{
	char	 path[PATH_MAX], dirurl[URL_MAX], err[512];

	if (x->acct == NULL) {
		if (state_path(x, path, sizeof(path), 0, "account.key") == -1)
			return RC_STATE;
		if (access(path, F_OK) == -1 && errno == ENOENT)
			return complain(RC_STATE, "no account in %s; run: %s "
			    "account create", x->state, PROG);
		if ((x->acct = signer_load(path)) == NULL)
			return complain(RC_STATE, "no usable account key in "
			    "%s; run: %s account create", x->state, PROG);
	}
	if (x->dirurl != NULL)
		snprintf(dirurl, sizeof(dirurl), "%s", x->dirurl);
	else if (state_get(x, 0, "directory.url", dirurl, sizeof(dirurl)) ==
	    -1)
		return complain(RC_USAGE, "no directory URL: give -s");
	if (needkid && state_get(x, 0, "account.url", x->kid,
	    sizeof(x->kid)) == -1)
		return complain(RC_STATE, "no account URL in %s; run: %s "
		    "account create", x->state, PROG);
	if ((x->c = acmec_new(dirurl, x->cafile, x->acct, err,
	    sizeof(err))) == NULL)
		return complain(RC_TRANSPORT, "%s", err);
	if (needkid)
		acmec_set_kid(x->c, x->kid);
	return RC_OK;
}

/* POST-as-GET the order of the number; save order.json. */
static int
order_get(struct ctx *x, json_object **order)
{
	char	 url[URL_MAX];

	if (state_get(x, 1, "order.url", url, sizeof(url)) == -1)
		return complain(RC_STATE, "no order for +%s; run: %s enroll "
		    "--tn %s", x->tn, PROG, x->tn);
	if (acmec_post(x->c, url, "", order, NULL, 0) == -1)
		return fail(x, "order");
	if (*order == NULL)
		return complain(RC_TRANSPORT, "order: empty answer");
	return state_put_json(x, "order.json", *order) == -1 ? RC_STATE :
	    RC_OK;
}

static void
print_json(json_object *o)
{
	if (o != NULL)
		printf("%s\n", json_object_to_json_string_ext(o, JSON_FLAGS));
}

/*
 * The account.
 */

/* Load account.key, or make and save a new one. */
static int
account_key(struct ctx *x)
{
	char	 path[PATH_MAX];

	if (state_mkdir(x, 0) == -1 ||
	    state_path(x, path, sizeof(path), 0, "account.key") == -1)
		return RC_STATE;
	if (access(path, F_OK) == 0) {
		if (x->alg != JWK__MAX)
			complain(0, "%s exists; --alg ignored", path);
		x->acct = signer_load(path);
	} else if ((x->acct = signer_generate(x->alg == JWK__MAX ?
	    JWK_ES256 : x->alg)) != NULL && signer_save(x->acct, path) == -1) {
		signer_free(x->acct);
		x->acct = NULL;
	}
	return x->acct == NULL ? complain(RC_STATE, "%s: no usable key",
	    path) : RC_OK;
}

static int
cmd_create(struct ctx *x)
{
	const char	*terms;
	int		 rc;

	if (x->ncontact > 1)
		return complain(RC_USAGE, "account create takes one --contact;"
		    " add more with account update");
	if (x->dirurl == NULL)
		return complain(RC_USAGE, "account create needs -s "
		    "directory-url");
	if ((rc = account_key(x)) != RC_OK ||
	    (rc = connect_server(x, 0)) != RC_OK)
		return rc;
	if (acmec_account(x->c, x->ncontact ? x->contact[0] : NULL, 0,
	    x->kid, sizeof(x->kid)) == -1)
		return fail(x, "account create");
	if (state_put(x, 0, "account.url", x->kid) == -1 ||
	    state_put(x, 0, "directory.url", x->dirurl) == -1)
		return RC_STATE;
	printf("account %s (%s)\n", x->kid, acmec_status(x->c) == 201 ?
	    "created" : "already registered");
	if ((terms = acmec_terms(x->c)) != NULL)
		printf("terms of service agreed: %s\n", terms);
	return RC_OK;
}

static int
cmd_show(struct ctx *x)
{
	json_object	*o;
	int		 rc;

	if ((rc = connect_server(x, 1)) != RC_OK)
		return rc;
	if (acmec_post(x->c, x->kid, "", &o, NULL, 0) == -1)
		return fail(x, "account show");
	printf("account %s\nthumbprint %s\n", x->kid, signer_thumb(x->acct));
	print_json(o);
	json_object_put(o);
	return RC_OK;
}

/* POST payload o (put here) to the account URL and print the result. */
static int
account_post(struct ctx *x, json_object *o, const char *what)
{
	json_object	*res = NULL;
	const char	*s;
	int		 rc;

	s = o == NULL ? NULL : json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		rc = complain(RC_STATE, "out of memory");
	else if ((rc = connect_server(x, 1)) != RC_OK)
		;
	else if (acmec_post(x->c, x->kid, s, &res, NULL, 0) == -1)
		rc = fail(x, what);
	else
		print_json(res);
	json_object_put(res);
	json_object_put(o);
	return rc;
}

static int
cmd_update(struct ctx *x)
{
	json_object	*o, *a;
	size_t		 i;

	o = json_object_new_object();
	a = json_object_new_array();
	if (o == NULL || a == NULL || json_object_object_add(o, "contact",
	    a) != 0) {
		json_object_put(a);
		json_object_put(o);
		return complain(RC_STATE, "out of memory");
	}
	for (i = 0; i < x->ncontact; i++)
		json_object_array_add(a, json_object_new_string(x->contact[i]));
	return account_post(x, o, "account update");
}

static int
cmd_deactivate(struct ctx *x)
{
	json_object	*o;

	o = json_object_new_object();
	if (o != NULL)
		json_object_object_add(o, "status",
		    json_object_new_string("deactivated"));
	return account_post(x, o, "account deactivate");
}

/* RFC 8555 7.3.5. The new key is saved beside the old one first, so it
 * is never lost, and takes its place once the server accepted it. */
static int
cmd_key_change(struct ctx *x)
{
	struct signer	*nk;
	char		 path[PATH_MAX], npath[PATH_MAX];
	int		 rc;

	if ((rc = connect_server(x, 1)) != RC_OK)
		return rc;
	if (state_path(x, path, sizeof(path), 0, "account.key") == -1 ||
	    state_path(x, npath, sizeof(npath), 0, "account.key.new") == -1)
		return RC_STATE;
	if ((nk = signer_generate(x->alg != JWK__MAX ? x->alg :
	    signer_alg(x->acct))) == NULL || signer_save(nk, npath) == -1) {
		signer_free(nk);
		return complain(RC_STATE, "cannot make the new key");
	}
	if (acmec_key_change(x->c, nk) == -1) {
		unlink(npath);
		signer_free(nk);
		return fail(x, "account key-change");
	}
	signer_free(x->acct);
	x->acct = nk;
	if (rename(npath, path) == -1)
		return complain(RC_STATE, "the account now uses the key in "
		    "%s; rename it to %s: %s", npath, path, strerror(errno));
	printf("account key changed; thumbprint %s\n", signer_thumb(nk));
	return RC_OK;
}

/*
 * Enrolment of a number.
 */

/* newOrder, the authorization, then {} so that the code is sent. */
/* newOrder (replacing the certificate replaces, when not NULL), then
 * the SMS unless the order is ready at once (a reused proof); *ready
 * says which. */
static int
enroll_start(struct ctx *x, const char *replaces, int *ready)
{
	json_object	*order = NULL, *ch = NULL;
	char		 url[URL_MAX], curl[URL_MAX], token[URL_MAX];
	const char	*st;
	int		 rc = RC_OK;

	*ready = 0;
	if (state_mkdir(x, 1) == -1)
		return RC_STATE;
	if (acmec_order_with(x->c, x->tn, x->profile, replaces, &order, url,
	    sizeof(url)) == -1)
		return fail(x, "newOrder");
	st = json_get_str(order, "status");
	*ready = st != NULL && strcmp(st, "ready") == 0;
	if (state_put(x, 1, "order.url", url) == -1 ||
	    state_put_json(x, "order.json", order) == -1)
		rc = RC_STATE;
	else if (acmec_challenge(x->c, order, curl, sizeof(curl), token,
	    sizeof(token)) == -1)
		rc = fail(x, "authorization");
	else if (state_put(x, 1, "challenge.url", curl) == -1 ||
	    state_put(x, 1, "challenge.token", token) == -1)
		rc = RC_STATE;
	else if (!*ready && acmec_ready(x->c, curl, &ch) == -1)
		rc = fail(x, "challenge");
	else if (!*ready && (st = json_get_str(ch, "status")) != NULL &&
	    strcmp(st, "valid") == 0)
		*ready = 1;
	json_object_put(order);
	json_object_put(ch);
	return rc;
}

static int
cmd_enroll(struct ctx *x)
{
	int	 rc, ready;

	if ((rc = connect_server(x, 1)) != RC_OK ||
	    (rc = enroll_start(x, NULL, &ready)) != RC_OK)
		return rc;
	if (ready)
		printf("+%s is already verified\nnext: %s finalize --tn %s\n",
		    x->tn, PROG, x->tn);
	else
		printf("a code was sent by SMS to +%s\nnext: %s answer --tn "
		    "%s --code CODE\n", x->tn, PROG, x->tn);
	return RC_OK;
}

/* The digest of code, token and thumbprint (PROTOCOL.md 8.2.3). */
static int
cmd_answer(struct ctx *x)
{
	json_object	*ch = NULL, *order = NULL;
	char		 url[URL_MAX], token[URL_MAX];
	const char	*st;
	int		 rc;

	if ((rc = connect_server(x, 1)) != RC_OK)
		return rc;
	if (state_get(x, 1, "challenge.url", url, sizeof(url)) == -1 ||
	    state_get(x, 1, "challenge.token", token, sizeof(token)) == -1)
		return complain(RC_STATE, "no challenge for +%s; run: %s "
		    "enroll --tn %s", x->tn, PROG, x->tn);
	if (acmec_answer(x->c, url, token, x->code, &ch) == -1)
		return fail(x, "answer");
	st = json_get_str(ch, "status");
	if (st == NULL || strcmp(st, "valid") != 0) {
		printf("the challenge is %s\n", st != NULL ? st : "unknown");
		json_object_put(ch);
		return RC_OK;
	}
	json_object_put(ch);
	if ((rc = order_get(x, &order)) != RC_OK)
		return rc;
	st = json_get_str(order, "status");
	printf("+%s verified; the order is %s\nnext: %s finalize --tn %s\n",
	    x->tn, st != NULL ? st : "unknown", PROG, x->tn);
	json_object_put(order);
	return RC_OK;
}

/* The CSR: from --csr, or for --key / a new P-256 key in cert.key. */
static int
make_csr(struct ctx *x, unsigned char **csr, size_t *len)
{
	struct signer	*k = NULL;
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	size_t		 dlen = sizeof(der);
	char		 path[PATH_MAX];
	int		 rc = RC_STATE;

	if (x->csr != NULL)
		return (*csr = (unsigned char *)state_read(x->csr, CSR_DER_MAX,
		    len, 1)) == NULL ? RC_STATE : RC_OK;
	if (x->key != NULL)
		k = signer_load(x->key);
	else if (state_path(x, path, sizeof(path), 1, "cert.key") == -1 ||
	    (k = signer_generate(JWK_ES256)) == NULL)
		return RC_STATE;
	else if (signer_save(k, path) == -1) {
		signer_free(k);
		return RC_STATE;
	}
	if (k == NULL)
		return complain(RC_STATE, "%s: no usable key", x->key);
	if (tnauthlist_encode(x->tn, der, &dlen) == 0 &&
	    signer_csr(k, x->tn, der, dlen, csr, len) == 0)
		rc = RC_OK;
	else
		complain(RC_STATE, "cannot make the CSR (the certificate key "
		    "must be EC P-256)");
	signer_free(k);
	return rc;
}

static int
cmd_finalize(struct ctx *x)
{
	json_object	*order = NULL, *done = NULL;
	unsigned char	*csr = NULL;
	size_t		 len = 0;
	const char	*cert;
	int		 rc;

	if (x->key != NULL && x->csr != NULL)
		return complain(RC_USAGE, "--key and --csr exclude each other");
	if ((rc = connect_server(x, 1)) != RC_OK ||
	    (rc = order_get(x, &order)) != RC_OK ||
	    (rc = make_csr(x, &csr, &len)) != RC_OK)
		goto out;
	if (acmec_finalize(x->c, order, csr, len, &done) == -1) {
		rc = fail(x, "finalize");
		goto out;
	}
	if (state_put_json(x, "order.json", done) == -1) {
		rc = RC_STATE;
		goto out;
	}
	cert = json_get_str(done, "certificate");
	printf("certificate ready: %s\nnext: %s fetch --tn %s\n",
	    cert != NULL ? cert : "(no URL)", PROG, x->tn);
out:
	json_object_put(order);
	json_object_put(done);
	free(csr);
	return rc;
}

static int
cmd_fetch(struct ctx *x)
{
	json_object	*order = NULL;
	const char	*url;
	char		 path[PATH_MAX], *pem = NULL;
	int		 rc;

	if ((rc = connect_server(x, 1)) != RC_OK ||
	    (rc = order_get(x, &order)) != RC_OK)
		goto out;
	if ((url = json_get_str(order, "certificate")) == NULL) {
		rc = complain(RC_STATE, "the order of +%s has no certificate "
		    "yet; run: %s finalize --tn %s", x->tn, PROG, x->tn);
		goto out;
	}
	if (acmec_cert(x->c, url, &pem) == -1)
		rc = fail(x, "fetch");
	else if (state_path(x, path, sizeof(path), 1, "cert.pem") == -1 ||
	    file_write(path, pem, strlen(pem), 0600) == -1)
		rc = RC_STATE;
	else
		printf("%s\n", path);
out:
	json_object_put(order);
	free(pem);
	return rc;
}

/* Signed by the account, or with --key by the certificate's own key. */
static int
cmd_revoke(struct ctx *x)
{
	struct signer	*certkey = NULL;
	unsigned char	*der = NULL;
	size_t		 len;
	char		 path[PATH_MAX], *pem;
	int		 rc;

	if (state_path(x, path, sizeof(path), 1, "cert.pem") == -1 ||
	    (pem = state_read(path, STATE_FILE_MAX, NULL, 0)) == NULL)
		return complain(RC_STATE, "no certificate for +%s; run: %s "
		    "fetch --tn %s", x->tn, PROG, x->tn);
	rc = signer_cert_der(pem, &der, &len);
	free(pem);
	if (rc == -1)
		return complain(RC_STATE, "%s: no certificate in it", path);
	if (x->key != NULL && (x->acct = certkey = signer_load(x->key)) ==
	    NULL)
		rc = complain(RC_STATE, "%s: no usable key", x->key);
	else if ((rc = connect_server(x, certkey == NULL)) != RC_OK)
		;
	else if (acmec_revoke(x->c, der, len, x->reason, certkey) == -1)
		rc = fail(x, "revoke");
	else
		printf("the certificate of +%s is revoked\n", x->tn);
	free(der);
	return rc;
}

/* The certID of the certificate held for the number (cert.pem). */
static int
held_certid(const struct ctx *x, char *certid, size_t size)
{
	unsigned char	*der = NULL;
	size_t		 len;
	char		 path[PATH_MAX], *pem;
	int		 rc;

	if (state_path(x, path, sizeof(path), 1, "cert.pem") == -1 ||
	    (pem = state_read(path, STATE_FILE_MAX, NULL, 0)) == NULL)
		return complain(RC_STATE, "no certificate for +%s; run: %s "
		    "fetch --tn %s", x->tn, PROG, x->tn);
	rc = signer_cert_der(pem, &der, &len);
	free(pem);
	if (rc == -1 || certinfo_certid(der, len, certid, size) == -1)
		rc = complain(RC_STATE, "%s: no certificate of this server in "
		    "it", path);
	free(der);
	return rc == -1 ? RC_STATE : rc;
}

/* The renewal order exists already (alreadyReplaced): go on with the
 * one of the state folder. */
static int
renew_resume(struct ctx *x, int *ready)
{
	json_object	*order = NULL;
	const char	*st;
	int		 rc;

	if ((rc = order_get(x, &order)) != RC_OK)
		return rc;
	st = json_get_str(order, "status");
	*ready = st == NULL ? 0 : strcmp(st, "ready") == 0 ? 1 :
	    strcmp(st, "valid") == 0 ? 2 : 0;
	if (st == NULL || (!*ready && strcmp(st, "pending") != 0))
		rc = complain(RC_REFUSED, "the renewal order of +%s is %s",
		    x->tn, st != NULL ? st : "unknown");
	json_object_put(order);
	return rc;
}

/*
 * renew: ask the renewal information (RFC 9773) of the certificate held
 * for the number; inside its window, order a replacement. A reused
 * proof makes the order ready, and the new certificate is fetched at
 * once; otherwise a code goes out by SMS and RC_PENDING says that the
 * user must answer it. For cron: 0 nothing to do or renewed, 5 waiting
 * for the code, 2-4 as the other commands.
 */
static int
cmd_renew(struct ctx *x)
{
	char	 certid[CERTID_MAX], why[URL_MAX], a[40], b[40];
	long	 start, end;
	time_t	 now = time(NULL);
	int	 rc, ready;

	if ((rc = held_certid(x, certid, sizeof(certid))) != RC_OK ||
	    (rc = connect_server(x, 1)) != RC_OK)
		return rc;
	if (acmec_renewal_info(x->c, certid, &start, &end, why,
	    sizeof(why)) == -1)
		return fail(x, "renewalInfo");
	if (time_fmt((time_t)start, a, sizeof(a)) == -1 ||
	    time_fmt((time_t)end, b, sizeof(b)) == -1)
		return complain(RC_TRANSPORT, "renewalInfo: a window out of "
		    "range");
	if (now < (time_t)start) {
		printf("+%s: not yet; renew after %s (window until %s)\n",
		    x->tn, a, b);
		return RC_OK;
	}
	printf("+%s: renewal window %s to %s%s%s\n", x->tn, a, b,
	    why[0] != '\0' ? "; why: " : "", why);
	rc = enroll_start(x, certid, &ready);
	if (rc == RC_REFUSED &&
	    strcmp(acmec_problem(x->c)->type, "alreadyReplaced") == 0)
		rc = renew_resume(x, &ready);
	if (rc != RC_OK)
		return rc;
	if (!ready) {
		printf("a code was sent by SMS to +%s\nnext: %s answer --tn "
		    "%s --code CODE, then finalize and fetch\n", x->tn, PROG,
		    x->tn);
		return RC_PENDING;
	}
	/* 2: finalized by an earlier run already. */
	if (ready != 2 && (rc = cmd_finalize(x)) != RC_OK)
		return rc;
	return cmd_fetch(x);
}

/*
 * Command line.
 */

/* Check and keep one command option. */
static int
set_opt(struct ctx *x, int opt, const char *arg)
{
	const char	*tn = arg[0] == '+' ? arg + 1 : arg;
	size_t		 n = strlen(tn);
	char		*end;
	long		 v;

	switch (opt) {
	case OPT_TN:
		if (n == 0 || n > TN_MAX || strspn(tn, "0123456789") != n)
			return complain(-1, "--tn: 1 to %d digits (E.164 "
			    "without +)", TN_MAX);
		memcpy(x->tn, tn, n + 1);
		return 0;
	case OPT_CODE:
		if (strlen(arg) != CODE_DIGITS ||
		    strspn(arg, "0123456789") != CODE_DIGITS)
			return complain(-1, "--code: %d digits", CODE_DIGITS);
		x->code = arg;
		return 0;
	case OPT_CONTACT:
		if (x->ncontact == CONTACT_MAX || arg[0] == '\0')
			return complain(-1, "--contact: 1 to %d non-empty URLs",
			    CONTACT_MAX);
		x->contact[x->ncontact++] = arg;
		return 0;
	case OPT_REASON:
		v = strtol(arg, &end, 10);
		if (arg[0] == '\0' || *end != '\0' || v < 0 || v > 10)
			return complain(-1, "--reason: a CRLReason, 0 to 10");
		x->reason = (int)v;
		return 0;
	case OPT_ALG:
		if ((x->alg = jwk_alg_parse(arg)) == JWK__MAX)
			return complain(-1, "--alg: ES256, ES384, ES512, RS256 "
			    "or EdDSA");
		return 0;
	case OPT_KEY:
		x->key = arg;
		return 0;
	case OPT_CSR:
		x->csr = arg;
		return 0;
	case OPT_PROFILE:
		if (arg[0] == '\0' || strlen(arg) > PROFILE_NAME_MAX ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
		    strlen(arg))
			return complain(-1, "--profile: a profile name of the "
			    "directory's meta.profiles");
		x->profile = arg;
		return 0;
	}
	return -1;
}

/* Parse the options of cmd in argv (argv[0] is the command's name). */
static int
parse_opts(struct ctx *x, const struct cmd *cmd, int argc, char **argv)
{
	unsigned int	 seen = 0;
	int		 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (ch == '?' || (cmd->opts & (unsigned int)ch) == 0 ||
		    ((seen & (unsigned int)ch) && ch != OPT_CONTACT))
			return -1;
		if (set_opt(x, ch, optarg) == -1)
			return -1;
		seen |= (unsigned int)ch;
	}
	return optind == argc && (seen & cmd->need) == cmd->need ? 0 : -1;
}

static const struct cmd *
find_cmd(int argc, char **argv)
{
	size_t	 i;

	for (i = 0; argc > 0 && i < NCMDS; i++)
		if (strcmp(argv[0], cmds[i].name) == 0 &&
		    (cmds[i].sub == NULL ||
		    (argc > 1 && strcmp(argv[1], cmds[i].sub) == 0)))
			return &cmds[i];
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct ctx	 x;
	const struct cmd *cmd;
	int		 ch, skip, rc;

	umask(077);
	log_set_name(PROG);
	memset(&x, 0, sizeof(x));
	x.state = STATE_DEFAULT;
	x.alg = JWK__MAX;
	x.reason = -1;
	while ((ch = getopt(argc, argv, "+d:s:k:")) != -1) {
		if (ch == 'd')
			x.state = optarg;
		else if (ch == 's')
			x.dirurl = optarg;
		else if (ch == 'k')
			x.cafile = optarg;
		else
			usage(NULL);
	}
	argc -= optind;
	argv += optind;
	if ((cmd = find_cmd(argc, argv)) == NULL)
		usage(NULL);
	skip = cmd->sub != NULL ? 1 : 0;
	if (parse_opts(&x, cmd, argc - skip, argv + skip) == -1)
		usage(cmd);
	rc = cmd->fn(&x);
	acmec_free(x.c);
	signer_free(x.acct);
	return rc;
}
