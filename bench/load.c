/* load: a load generator for ACME servers. Several workers, each with
 * its own keep-alive HTTPS connection, its own keys (made before the
 * timed phase) and its own nonce chain, run one workload for a bounded
 * time and count; it prints one line of figures.
 *
 *   load -D directory-url -C cafile -w nonce|account|order|enroll
 *        [-c workers] [-d seconds] [-n max-per-worker] [-i tn|dns]
 *        [-s sms.log] [-N node-url[,node-url...]]
 *
 * -N (repeatable, or a comma list): the web nodes of one service (each
 * its own origin, the same store and base URL). Each request goes to the
 * next node, as behind a round-robin balancer: the URLs signed and
 * followed stay the service's own, only the origin a request is sent to
 * changes (a nonce from one node used at the next, an order made at one
 * node finalized at another).
 */
#include <sys/resource.h>

#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "b64url.h"
#include "crypt.h"
#include "json.h"
#include "sign.h"
#include "tnauthlist.h"

#define NODES_MAX	8
#define URL_LEN		1024
#define FAIL_NOTES	3	/* failures told on stderr, per worker */

enum work { W_NONCE, W_ACCOUNT, W_ORDER, W_ENROLL, W__MAX };
static const char *const works[W__MAX] = { "nonce", "account", "order",
	"enroll" };

struct opts {
	const char	*dir, *ca, *smslog, *url;
	enum work	 work;
	int		 workers, seconds, max, dns;
	const char	*nodes[NODES_MAX];	/* origins, no trailing '/' */
	int		 nnodes;
};

struct reply {
	long	 status;
	char	 nonce[128];
	char	 location[512];
	char	*body;
	size_t	 len;
};

struct worker {
	const struct opts *o;
	CURL		*c;
	struct curl_slist *hdr;
	char		 nonce[128];
	char		 kid[512];
	struct signer	*key;
	struct signer	**keys;		/* account workload: fresh keys */
	char		 (*tns)[TN_MAX + 1];
	unsigned char	**csrs;		/* enroll: a CSR per number */
	size_t		*csrlens;
	struct signer	*certkey;
	int		 nkeys;
	double		*lat;		/* ms per request (enroll: per flow) */
	long		 done, errors;
	long		 busy;		/* errors that were 503 (Retry-After) */
	long		 smsoff;
	int		 id;
	unsigned	 next;		/* the node of the next request */
};

static char	 u_nonce[512], u_account[512], u_order[512];
static double	 t_end;

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct reply	*r = arg;
	char		*nb;

	if ((nb = realloc(r->body, r->len + sz * n + 1)) == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, sz * n);
	r->len += sz * n;
	r->body[r->len] = '\0';
	return sz * n;
}

/* Copy a header's value (trimmed) when name matches. */
static void
header_value(const char *line, size_t len, const char *name, char *out,
    size_t outsz)
{
	size_t	 nl = strlen(name);

	if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 ||
	    line[nl] != ':')
		return;
	line += nl + 1;
	len -= nl + 1;
	while (len > 0 && *line == ' ')
		line++, len--;
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len < outsz) {
		memcpy(out, line, len);
		out[len] = '\0';
	}
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct reply	*r = arg;

	header_value(p, sz * n, "Replay-Nonce", r->nonce, sizeof(r->nonce));
	header_value(p, sz * n, "Location", r->location, sizeof(r->location));
	return sz * n;
}

/* The URL a request is sent to: url itself, or with several nodes url
 * with the origin of the worker's next node in place of its own. */
static const char *
node_url(struct worker *w, const char *url, char *out, size_t outsz)
{
	const char	*node, *path;

	if (w->o->nnodes == 0 || (path = strstr(url, "://")) == NULL)
		return url;
	node = w->o->nodes[w->next++ % (unsigned)w->o->nnodes];
	if ((path = strchr(path + 3, '/')) == NULL)
		path = "";
	if (snprintf(out, outsz, "%s%s", node, path) >= (int)outsz)
		return url;
	return out;
}

/* One HTTP exchange on the worker's connection (one per node, kept). */
static int
http(struct worker *w, const char *method, const char *url,
    const char *body, struct reply *r)
{
	char	 to[URL_LEN];

	memset(r, 0, sizeof(*r));
	curl_easy_setopt(w->c, CURLOPT_URL, node_url(w, url, to, sizeof(to)));
	curl_easy_setopt(w->c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(w->c, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ?
	    1L : 0L);
	if (body != NULL) {
		curl_easy_setopt(w->c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(w->c, CURLOPT_HTTPHEADER, w->hdr);
	}
	curl_easy_setopt(w->c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(w->c, CURLOPT_HEADERDATA, r);
	if (curl_easy_perform(w->c) != CURLE_OK)
		return -1;
	curl_easy_getinfo(w->c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->nonce[0] != '\0')
		strcpy(w->nonce, r->nonce);
	return 0;
}

static void
reply_free(struct reply *r)
{
	free(r->body);
	r->body = NULL;
}

/* A signed POST; the reply's nonce feeds the next one. */
static int
post(struct worker *w, struct signer *k, const char *kid, const char *url,
    const char *payload, struct reply *r)
{
	char	*jws;
	int	 rc;

	if (w->nonce[0] == '\0' && (http(w, "HEAD", u_nonce, NULL, r) == -1 ||
	    (reply_free(r), w->nonce[0] == '\0')))
		return -1;
	if ((jws = signer_jws(k, url, w->nonce, kid, payload)) == NULL)
		return -1;
	w->nonce[0] = '\0';
	rc = http(w, "POST", url, jws, r);
	free(jws);
	return rc;
}

/* The string member of the JSON reply body, copied. */
static int
member(const struct reply *r, const char *name, char *out, size_t outsz)
{
	json_object	*o;
	const char	*s;
	int		 rc = -1;

	if (r->body == NULL ||
	    (o = json_parse_object(r->body, r->len)) == NULL)
		return -1;
	if ((s = json_get_str(o, name)) != NULL && strlen(s) < outsz) {
		strcpy(out, s);
		rc = 0;
	}
	json_object_put(o);
	return rc;
}

static void
random_tn(char tn[TN_MAX + 1])
{
	unsigned char	 r[10];
	int		 i;

	crypt_random(r, sizeof(r));
	tn[0] = '1';
	for (i = 0; i < 10; i++)
		tn[i + 1] = (char)('0' + r[i] % 10);
	tn[11] = '\0';
}

/* lib parses an ASN.1 module on its first use, for the one thread of a
 * server: parse the TNAuthList module here, before the workers, or two
 * of them parse it at once (malformed orders at the start of a run). */
static void
warm_asn1(void)
{
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	size_t		 len = sizeof(der);

	if (tnauthlist_encode("15555550100", der, &len) == -1)
		errx(1, "cannot encode a TNAuthList");
}

/* The newOrder payload for a number (or a dns name for other servers). */
static void
order_payload(const struct worker *w, const char *tn, char *out, size_t sz)
{
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	char		 v[IDENT_VALUE_MAX + 1];
	size_t		 len = sizeof(der);

	if (w->o->dns) {
		snprintf(out, sz, "{\"identifiers\":[{\"type\":\"dns\","
		    "\"value\":\"n%s.example.com\"}]}", tn);
		return;
	}
	tnauthlist_encode(tn, der, &len);
	b64url_encode(der, len, v, sizeof(v));
	snprintf(out, sz, "{\"identifiers\":[{\"type\":\"TNAuthList\","
	    "\"value\":\"%s\"}]}", v);
}

/* The code texted to tn, from the file gateway's log. */
static int
sms_code(struct worker *w, const char *tn, char code[7])
{
	char	 line[1024], want[40], *p;
	FILE	*f;
	int	 tries, found = 0;

	snprintf(want, sizeof(want), "\"to\": \"%s\"", tn);
	/* Up to about 5 s: the text is written after the challenge's
	 * commit, and a loaded machine may take a while to get to it. */
	for (tries = 0; tries < 5000 && !found; tries++) {
		if ((f = fopen(w->o->smslog, "r")) == NULL)
			return -1;
		fseek(f, w->smsoff, SEEK_SET);
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strstr(line, want) == NULL ||
			    (p = strstr(line, "code: ")) == NULL)
				continue;
			memcpy(code, p + 6, 6);
			code[6] = '\0';
			found = 1;
		}
		/* This worker's later codes can only come after this point. */
		if (found)
			w->smsoff = ftell(f);
		fclose(f);
		if (!found)
			usleep(1000);
	}
	return found ? 0 : -1;
}

static int
one_order(struct worker *w, const char *tn, struct reply *r)
{
	char	 pl[256];

	order_payload(w, tn, pl, sizeof(pl));
	return post(w, w->key, w->kid, u_order, pl, r) == 0 &&
	    r->status == 201 ? 0 : -1;
}

/* The challenge URL and token from an authorization body. */
static int
chall_of(const struct reply *r, char *url, size_t urlsz, char *tok,
    size_t toksz)
{
	json_object	*o, *c;
	const char	*u, *t;
	int		 rc = -1;

	if (r->body == NULL ||
	    (o = json_parse_object(r->body, r->len)) == NULL)
		return -1;
	c = json_object_array_get_idx(json_get_arr(o, "challenges"), 0);
	if ((u = json_get_str(c, "url")) != NULL && strlen(u) < urlsz &&
	    (t = json_get_str(c, "token")) != NULL && strlen(t) < toksz) {
		strcpy(url, u);
		strcpy(tok, t);
		rc = 0;
	}
	json_object_put(o);
	return rc;
}

/* Order authorization URL from an order body. */
static int
authz_of(const struct reply *r, char *url, size_t sz)
{
	json_object	*o;
	const char	*u;
	int		 rc = -1;

	if ((o = json_parse_object(r->body, r->len)) == NULL)
		return -1;
	u = json_object_get_string(json_object_array_get_idx(
	    json_get_arr(o, "authorizations"), 0));
	if (u != NULL && strlen(u) < sz) {
		strcpy(url, u);
		rc = 0;
	}
	json_object_put(o);
	return rc;
}

/* The first failures of a worker, on stderr: where, and the answer
 * (status 0: none, or a transport failure). */
static void
fail_note(struct worker *w, const char *at, const struct reply *r)
{
	size_t	 n;

	if (r->status == 503)
		w->busy++;
	if (w->errors >= FAIL_NOTES)
		return;
	n = r->body != NULL ? strcspn(r->body, "\r\n") : 0;
	fprintf(stderr, "load: worker %d: %s failed: HTTP %ld %.*s\n", w->id,
	    at, r->status, (int)(n < 200 ? n : 200),
	    r->body != NULL ? r->body : "");
}

/* The whole enrolment of one number: seven requests. */
static int
one_enroll(struct worker *w, int i)
{
	struct reply	 r;
	char		 fin[512], az[512], ch[512], tok[64], code[7], pl[256];
	char		 ka[128], d[44], csr[CSR_DER_MAX * 2 + 16], cert[512];
	unsigned char	 h[32];
	const char	*tn = w->tns[i], *at = "new-order";
	int		 ok = 0;

	memset(&r, 0, sizeof(r));
	if (one_order(w, tn, &r) == -1 || member(&r, "finalize", fin,
	    sizeof(fin)) == -1 || authz_of(&r, az, sizeof(az)) == -1)
		goto out;
	reply_free(&r);
	at = "authorization";
	if (post(w, w->key, w->kid, az, "", &r) == -1 || r.status != 200 ||
	    chall_of(&r, ch, sizeof(ch), tok, sizeof(tok)) == -1)
		goto out;
	reply_free(&r);
	at = "challenge (the SMS)";
	if (post(w, w->key, w->kid, ch, "{}", &r) == -1 || r.status != 200)
		goto out;
	at = "the code in the SMS log";
	if (sms_code(w, tn, code) == -1)
		goto out;
	reply_free(&r);
	snprintf(ka, sizeof(ka), "%s%s.%s", code, tok, signer_thumb(w->key));
	crypt_sha256(ka, strlen(ka), h);
	b64url_encode(h, sizeof(h), d, sizeof(d));
	snprintf(pl, sizeof(pl), "{\"keyAuthorization\":\"%s\"}", d);
	at = "challenge (the code)";
	if (post(w, w->key, w->kid, ch, pl, &r) == -1 || r.status != 200)
		goto out;
	reply_free(&r);
	memcpy(csr, "{\"csr\":\"", 8);
	b64url_encode(w->csrs[i], w->csrlens[i], csr + 8, sizeof(csr) - 10);
	strcat(csr, "\"}");
	at = "finalize";
	if (post(w, w->key, w->kid, fin, csr, &r) == -1 || r.status != 200 ||
	    member(&r, "certificate", cert, sizeof(cert)) == -1)
		goto out;
	reply_free(&r);
	at = "certificate";
	ok = post(w, w->key, w->kid, cert, "", &r) == 0 && r.status == 200;
out:
	if (!ok)
		fail_note(w, at, &r);
	reply_free(&r);
	return ok ? 0 : -1;
}

/* One request (or one enrolment) of the workload. */
static int
step(struct worker *w, long i)
{
	struct reply	 r;
	char		 tn[TN_MAX + 1];
	int		 ok;

	memset(&r, 0, sizeof(r));
	switch (w->o->work) {
	case W_NONCE:
		ok = http(w, "HEAD", u_nonce, NULL, &r) == 0 &&
		    r.status == 200;
		break;
	case W_ACCOUNT:
		ok = post(w, w->keys[i], NULL, u_account,
		    "{\"termsOfServiceAgreed\":true}", &r) == 0 &&
		    r.status == 201;
		break;
	case W_ORDER:
		random_tn(tn);
		ok = one_order(w, tn, &r) == 0;
		break;
	default:
		return one_enroll(w, (int)i);
	}
	if (!ok)
		fail_note(w, works[w->o->work], &r);
	reply_free(&r);
	return ok ? 0 : -1;
}

static void *
run(void *arg)
{
	struct worker	*w = arg;
	double		 t0;
	long		 i;

	for (i = 0; i < w->o->max && now() < t_end; i++) {
		t0 = now();
		if (step(w, i) == -1)
			w->errors++;
		w->lat[w->done++] = (now() - t0) * 1000;
	}
	return NULL;
}

/* The worker's connection (kept alive across requests). */
static void
conn_init(struct worker *w)
{
	w->c = curl_easy_init();
	curl_easy_setopt(w->c, CURLOPT_CAINFO, w->o->ca);
	curl_easy_setopt(w->c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(w->c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(w->c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(w->c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(w->c, CURLOPT_MAXCONNECTS, (long)NODES_MAX);
	w->next = (unsigned)w->id;	/* the workers start at different nodes */
	w->hdr = curl_slist_append(NULL, "Content-Type: application/jose+json");
}

/* Keys, an account and the CSRs, all before the timed phase. */
static int
setup(struct worker *w)
{
	struct reply	 r;
	unsigned char	 der[TNAUTHLIST_DER_MAX];
	size_t		 len;
	int		 i, n = w->o->max;

	w->lat = calloc((size_t)n, sizeof(double));
	w->key = signer_generate(JWK_ES256);
	if (w->o->work == W_ACCOUNT) {
		w->keys = calloc((size_t)n, sizeof(*w->keys));
		for (i = 0; i < n; i++)
			w->keys[i] = signer_generate(JWK_ES256);
	}
	if (w->o->work == W_ENROLL) {
		w->tns = calloc((size_t)n, sizeof(*w->tns));
		w->csrs = calloc((size_t)n, sizeof(*w->csrs));
		w->csrlens = calloc((size_t)n, sizeof(*w->csrlens));
		w->certkey = signer_generate(JWK_ES256);
		for (i = 0; i < n; i++) {
			random_tn(w->tns[i]);
			len = sizeof(der);
			tnauthlist_encode(w->tns[i], der, &len);
			signer_csr(w->certkey, w->tns[i], der, len, &w->csrs[i],
			    &w->csrlens[i]);
		}
	}
	if (w->o->work == W_ORDER || w->o->work == W_ENROLL) {
		if (post(w, w->key, NULL, u_account,
		    "{\"termsOfServiceAgreed\":true}", &r) == -1 ||
		    r.status != 201)
			return -1;
		strcpy(w->kid, r.location);
		reply_free(&r);
	}
	return 0;
}

/* The directory's URLs, fetched once. */
static int
directory(struct worker *w)
{
	struct reply	 r;
	int		 rc;

	if (http(w, "GET", w->o->dir, NULL, &r) == -1 || r.status != 200)
		return -1;
	rc = member(&r, "newNonce", u_nonce, sizeof(u_nonce)) |
	    member(&r, "newAccount", u_account, sizeof(u_account)) |
	    member(&r, "newOrder", u_order, sizeof(u_order));
	reply_free(&r);
	return rc;
}

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
cpu_seconds(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
report(const struct opts *o, struct worker *ws, double wall, double cpu)
{
	double	*all;
	long	 n = 0, errs = 0, busy = 0, k = 0;
	int	 i;

	for (i = 0; i < o->workers; i++) {
		n += ws[i].done;
		errs += ws[i].errors;
		busy += ws[i].busy;
	}
	if ((all = calloc((size_t)n + 1, sizeof(double))) == NULL)
		err(1, "calloc");
	for (i = 0; i < o->workers; i++) {
		memcpy(all + k, ws[i].lat, (size_t)ws[i].done * sizeof(double));
		k += ws[i].done;
	}
	qsort(all, (size_t)n, sizeof(double), cmp);
	printf("workload=%s requests=%ld errors=%ld seconds=%.2f rate=%.1f "
	    "p50_ms=%.2f p99_ms=%.2f client_cpu_s_per_1k=%.3f busy=%ld\n",
	    works[o->work], n, errs, wall, n / wall,
	    n ? all[n / 2] : 0, n ? all[(long)(n * 0.99)] : 0,
	    n ? cpu / n * 1000 : 0, busy);
	free(all);
}

static void
usage(void)
{
	fprintf(stderr, "usage: load -D directory-url -C cafile -w "
	    "nonce|account|order|enroll [-c workers] [-d seconds] "
	    "[-n max] [-i tn|dns] [-s sms.log] [-u head-url] "
	    "[-N node-url[,node-url...]]\n");
	exit(2);
}

/* -N: one origin or a comma list of them, added to the nodes. */
static void
nodes_add(struct opts *o, char *list)
{
	char	*n, *save = NULL;
	size_t	 len;

	for (n = strtok_r(list, ",", &save); n != NULL;
	    n = strtok_r(NULL, ",", &save)) {
		if (o->nnodes == NODES_MAX || strstr(n, "://") == NULL)
			usage();
		len = strlen(n);
		while (len > 0 && n[len - 1] == '/')
			n[--len] = '\0';
		o->nodes[o->nnodes++] = n;
	}
}

static void
options(int argc, char **argv, struct opts *o)
{
	int	 ch, i;

	while ((ch = getopt(argc, argv, "D:C:w:c:d:n:i:s:u:N:")) != -1) {
		switch (ch) {
		case 'D': o->dir = optarg; break;
		case 'C': o->ca = optarg; break;
		case 'c': o->workers = atoi(optarg); break;
		case 'd': o->seconds = atoi(optarg); break;
		case 'n': o->max = atoi(optarg); break;
		case 'i': o->dns = strcmp(optarg, "dns") == 0; break;
		case 's': o->smslog = optarg; break;
		case 'u': o->url = optarg; break;
		case 'N': nodes_add(o, optarg); break;
		case 'w':
			for (i = 0; i < W__MAX; i++)
				if (strcmp(optarg, works[i]) == 0)
					o->work = (enum work)i;
			if (strcmp(optarg, works[o->work]) != 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (o->dir == NULL || o->workers < 1 || o->workers > 64 ||
	    o->seconds < 1 || o->max < 1 ||
	    (o->work == W_ENROLL && o->smslog == NULL))
		usage();
}

int
main(int argc, char *argv[])
{
	struct opts	 o = { NULL, NULL, NULL, NULL, W_NONCE, 8, 10, 20000, 0,
	    { NULL }, 0 };
	struct worker	*ws;
	pthread_t	*th;
	double		 t0, c0;
	FILE		*f;
	int		 i;

	options(argc, argv, &o);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ws = calloc((size_t)o.workers, sizeof(*ws));
	th = calloc((size_t)o.workers, sizeof(*th));
	for (i = 0; i < o.workers; i++) {
		ws[i].o = &o;
		ws[i].id = i;
		conn_init(&ws[i]);
	}
	if (o.url != NULL)	/* a plain URL for HEAD: the ceiling */
		snprintf(u_nonce, sizeof(u_nonce), "%s", o.url);
	else if (directory(&ws[0]) == -1)
		errx(1, "cannot read the directory %s", o.dir);
	for (i = 0; i < o.workers; i++)
		if (setup(&ws[i]) == -1)
			errx(1, "worker %d: setup failed", i);
	if (o.smslog != NULL && (f = fopen(o.smslog, "a+")) != NULL) {
		fseek(f, 0, SEEK_END);
		for (i = 0; i < o.workers; i++)
			ws[i].smsoff = ftell(f);
		fclose(f);
	}
	warm_asn1();
	t0 = now();
	c0 = cpu_seconds();
	t_end = t0 + o.seconds;
	for (i = 0; i < o.workers; i++)
		pthread_create(&th[i], NULL, run, &ws[i]);
	for (i = 0; i < o.workers; i++)
		pthread_join(th[i], NULL);
	report(&o, ws, now() - t0, cpu_seconds() - c0);
	return 0;
}
