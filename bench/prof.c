/* prof: one kind of signed request, N times in one process, for an
 * instruction profile of the server's side (valgrind --tool=callgrind
 * --toggle-collect=hx_run). The requests are built and signed by the unit
 * tests' harness outside hx_run, so only what serve() does around a
 * handler is counted: JWS parse, signature check, store, the handler,
 * the commit. Not a test: it asserts nothing about time. It prints the
 * CPU time (and apart, the wall time: commits wait for the disk) that
 * hx_run took per request, natively; under valgrind they mean nothing.
 * Usage: prof account|order|poll|acctget ES256|ES384|RS256|EdDSA N */
#include <sys/resource.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"

#define PROF_LIMITS	"\"limit_number_hour\": 1000000, " \
	"\"limit_number_day\": 1000000, \"limit_account_hour\": 100000000, " \
	"\"limit_prefix_hour\": 100000000, \"limit_global_hour\": 100000000, " \
	"\"limit_orders_hour\": 100000000, \"limit_account_day\": 100000000, " \
	"\"limit_new_accounts_addr_hour\": 1000000, " \
	"\"limit_new_accounts_addr_day\": 1000000, " \
	"\"limit_new_accounts_hour\": 100000000"

static double	 prof_cpu;	/* seconds inside hx_run */
static double	 prof_sys;	/* of which in the kernel */
static double	 prof_wall;	/* wall time inside hx_run */

static double
wall_now(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double
sys_now(void)
{
	struct rusage	 u;

	getrusage(RUSAGE_SELF, &u);
	return (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

static double
cpu_now(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* hx_run, timed. */
static enum prob
prof_run(struct hx *h, struct req *r, enum auth need,
    enum prob (*fn)(struct req *))
{
	double		 t0 = cpu_now(), s0 = sys_now(), w0 = wall_now();
	enum prob	 p = hx_run(h, r, need, fn);

	prof_wall += wall_now() - w0;
	prof_cpu += cpu_now() - t0;
	prof_sys += sys_now() - s0;
	return p;
}

/* hx_post, with only hx_run timed. */
static enum prob
prof_post(struct hx *h, struct req *r, const char *path, const char *pl,
    enum prob (*fn)(struct req *))
{
	hx_req_post(h, r, path, h->key, h->kid, pl);
	return prof_run(h, r, AUTH_KID, fn);
}

static enum prob
prof_account(struct hx *h, struct req *r, enum jwk_alg alg, int i)
{
	struct signer	*k = signer_generate(alg);
	enum prob	 p;

	(void)i;
	if (k == NULL)
		fail_msg("signer_generate");
	hx_req_post(h, r, "/new-account", k, NULL,
	    "{\"termsOfServiceAgreed\": true}");
	p = prof_run(h, r, AUTH_JWK, acme_account_new);
	signer_free(k);
	return p;
}

static enum prob
prof_order(struct hx *h, struct req *r, int i)
{
	char	 tn[32], ident[IDENT_VALUE_MAX + 1], pl[512];

	snprintf(tn, sizeof(tn), "1202555%04d", i % 10000);
	hx_ident(tn, ident, sizeof(ident));
	snprintf(pl, sizeof(pl), "{\"identifiers\": [{\"type\": "
	    "\"TNAuthList\", \"value\": \"%s\"}]}", ident);
	return prof_post(h, r, "/new-order", pl, acme_order_new);
}

static enum prob
prof_poll(struct hx *h, struct req *r, const char *oid)
{
	char	 path[64];

	snprintf(path, sizeof(path), "/order/%s", oid);
	return prof_post(h, r, path, NULL, acme_order_post);
}

static enum prob
prof_acctget(struct hx *h, struct req *r)
{
	char	 path[64];

	snprintf(path, sizeof(path), "/acct/%s", h->acct.id);
	return prof_post(h, r, path, NULL, acme_account_post);
}

int
main(int argc, char *argv[])
{
	struct hx	*h;
	struct req	 r;
	struct order	 o;
	enum jwk_alg	 alg;
	enum prob	 p;
	int		 i, n, from, to;

	if (argc != 4 || (alg = jwk_alg_parse(argv[2])) == JWK__MAX ||
	    (n = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: prof account|order|poll|acctget "
		    "ES256|ES384|RS256|EdDSA N\n");
		return 2;
	}
	h = hx_new(HX_ACCT, PROF_LIMITS);
	/* As idprover-admin init leaves a data folder (the proof index). */
	if (store_migrate(h->srv.st, &from, &to) != STORE_OK)
		fail_msg("store_migrate");
	hx_order_make(h, h->acct.id, "12025550100", &o);
	for (i = 0; i < n; i++) {
		if (strcmp(argv[1], "account") == 0)
			p = prof_account(h, &r, alg, i);
		else if (strcmp(argv[1], "order") == 0)
			p = prof_order(h, &r, i);
		else if (strcmp(argv[1], "poll") == 0)
			p = prof_poll(h, &r, o.id);
		else
			p = prof_acctget(h, &r);
		if (p != PROB_NONE)
			fail_msg("request %d: problem %d: %s", i, (int)p,
			    r.detail);
		hx_req_free(&r);
	}
	hx_free(h);
	fprintf(stderr, "prof %s: %d requests, %.1f us CPU per request in "
	    "hx_run, %.1f of it in the kernel; %.1f us wall\n", argv[1], n,
	    prof_cpu / n * 1e6, prof_sys / n * 1e6, prof_wall / n * 1e6);
	return 0;
}
