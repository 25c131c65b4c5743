/* Unit tests of lib/acme/acme_cert.c with a real CA made in a temporary
 * folder and a real store: finalize (RFC 8555 7.4), the certificate URL
 * (7.4.2), revocation (7.6) and the CRL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "b64url.h"
#include "tnauthlist.h"
#include "certinfo.h"
#include "x509.h"

#define TN	"12025550123"

struct fx {
	struct hx	*h;
	struct order	 o;		/* ready */
	struct signer	*ck;		/* the certificate's key */
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->h = hx_new(HX_ACCT | HX_CA, NULL);
	hx_order_make(f->h, f->h->acct.id, TN, &f->o);
	f->o.status = ORDER_READY;
	f->o.authz = AUTHZ_VALID;
	f->o.chall = CHALL_VALID;
	f->o.authz_expires = f->h->now + 3600;
	f->o.validated = f->h->now;
	hx_order_put(f->h, &f->o);
	assert_non_null(f->ck = signer_generate(JWK_ES256));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	signer_free(f->ck);
	hx_free(f->h);
	free(f);
	return 0;
}

/* {"csr": ...} for key and the number tn. */
static void
csr_payload(const struct signer *key, const char *tn, char *buf,
    size_t size)
{
	unsigned char	 tnder[TNAUTHLIST_DER_MAX], *der;
	size_t		 tnlen = sizeof(tnder), derlen;
	char		 b64[CSR_DER_MAX * 2];

	assert_int_equal(tnauthlist_encode(tn, tnder, &tnlen), 0);
	assert_int_equal(signer_csr(key, tn, tnder, tnlen, &der, &derlen), 0);
	assert_true(b64url_encode(der, derlen, b64, sizeof(b64)) > 0);
	free(der);
	snprintf(buf, size, "{\"csr\": \"%s\"}", b64);
}

static enum prob
finalize(struct fx *f, struct req *r, const struct signer *key,
    const char *tn)
{
	char	 path[64], pl[CSR_DER_MAX * 2 + 32];

	csr_payload(key, tn, pl, sizeof(pl));
	snprintf(path, sizeof(path), "/finalize/%s", f->o.id);
	return hx_post(f->h, r, path, pl, acme_finalize);
}

static void
issue(struct fx *f, struct cert *c)
{
	struct req	 r;

	assert_int_equal(finalize(f, &r, f->ck, TN), PROB_NONE);
	hx_req_free(&r);
	assert_int_equal(hx_cert_get(f->h, f->o.id, c), STORE_OK);
}

static void
test_finalize(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct order	 o;
	struct cert	 c;
	char		 buf[URL_MAX * 2], url[URL_MAX * 2], tn[TN_MAX + 1];
	time_t		 na;

	assert_int_equal(finalize(f, &r, f->ck, TN), PROB_NONE);
	assert_int_equal(r.status, 200);
	assert_true(r.durable);
	assert_string_equal(hx_body_str(&r, "status", buf, sizeof(buf)),
	    "valid");
	snprintf(url, sizeof(url), "%s/cert/%s", HX_BASE, f->o.id);
	assert_string_equal(hx_body_str(&r, "certificate", buf, sizeof(buf)),
	    url);
	snprintf(url, sizeof(url), "%s/order/%s", HX_BASE, f->o.id);
	assert_string_equal(hx_header(&r, "Location", buf, sizeof(buf)), url);
	hx_req_free(&r);

	assert_int_equal(hx_order_get(f->h, f->o.id, &o), STORE_OK);
	assert_int_equal(o.status, ORDER_VALID);
	assert_int_equal(hx_cert_get(f->h, f->o.id, &c), STORE_OK);
	assert_string_equal(c.acct, f->h->acct.id);
	assert_int_equal(c.revoked, 0);
	assert_int_equal(c.not_after, f->h->now + 30 * 86400);
	assert_int_equal(certinfo_read(c.der, c.derlen, tn, buf, sizeof(buf),
	    &na), 0);
	assert_string_equal(tn, TN);
	assert_int_equal(na, c.not_after);

	/* Finalized once: the order is no longer ready. */
	assert_int_equal(finalize(f, &r, f->ck, TN), PROB_ORDER_NOT_READY);
	assert_int_equal(r.status, 403);
	hx_req_free(&r);
}

static void
test_finalize_refused(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct order	 o;
	struct cert	 c;
	char		 path[64];

	/* The account key may not be the certificate's. */
	assert_int_equal(finalize(f, &r, f->h->key, TN), PROB_BAD_CSR);
	hx_req_free(&r);
	/* Another number. */
	assert_int_equal(finalize(f, &r, f->ck, "12025550199"), PROB_BAD_CSR);
	hx_req_free(&r);
	snprintf(path, sizeof(path), "/finalize/%s", f->o.id);
	assert_int_equal(hx_post(f->h, &r, path, "{\"csr\": \"!!\"}",
	    acme_finalize), PROB_BAD_CSR);
	hx_req_free(&r);
	assert_int_equal(hx_post(f->h, &r, path, "{}", acme_finalize),
	    PROB_MALFORMED);
	hx_req_free(&r);
	/* Nothing was issued. */
	assert_int_equal(hx_cert_get(f->h, f->o.id, &c), STORE_NOTFOUND);
	assert_int_equal(hx_order_get(f->h, f->o.id, &o), STORE_OK);
	assert_int_equal(o.status, ORDER_READY);

	/* A pending order is not ready. */
	o.status = ORDER_PENDING;
	o.authz = AUTHZ_PENDING;
	o.chall = CHALL_PENDING;
	hx_order_put(f->h, &o);
	assert_int_equal(finalize(f, &r, f->ck, TN), PROB_ORDER_NOT_READY);
	hx_req_free(&r);
	assert_int_equal(hx_cert_get(f->h, f->o.id, &c), STORE_NOTFOUND);
}

static void
test_cert(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct cert	 c;
	unsigned char	*der;
	size_t		 derlen;
	char		 path[64];

	snprintf(path, sizeof(path), "/cert/%s", f->o.id);
	assert_int_equal(hx_post(f->h, &r, path, NULL, acme_cert_post),
	    PROB_NOT_FOUND);
	hx_req_free(&r);
	issue(f, &c);
	assert_int_equal(hx_post(f->h, &r, path, NULL, acme_cert_post),
	    PROB_NONE);
	assert_string_equal(r.ctype, "application/pem-certificate-chain");
	assert_non_null(r.out.p);
	assert_int_equal(buf_add(&r.out, "", 1), 0);
	/* The first block is the certificate issued; the CA follows. */
	assert_int_equal(signer_cert_der(r.out.p, &der, &derlen), 0);
	assert_int_equal(derlen, c.derlen);
	assert_memory_equal(der, c.der, derlen);
	free(der);
	assert_non_null(strstr(strstr(r.out.p, "-----END CERTIFICATE-----"),
	    "-----BEGIN CERTIFICATE-----"));
	hx_req_free(&r);
	assert_int_equal(hx_post(f->h, &r, path, "{}", acme_cert_post),
	    PROB_MALFORMED);
	hx_req_free(&r);
}

/* {"certificate": ..., "reason": reason} (reason < 0: none). */
static void
revoke_payload(const struct cert *c, int reason, char *buf, size_t size)
{
	char	 b64[CERT_DER_MAX * 2];

	assert_true(b64url_encode(c->der, c->derlen, b64, sizeof(b64)) > 0);
	if (reason >= 0)
		snprintf(buf, size, "{\"certificate\": \"%s\", \"reason\": "
		    "%d}", b64, reason);
	else
		snprintf(buf, size, "{\"certificate\": \"%s\"}", b64);
}

static void
test_revoke_by_account(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct cert	 c, got;
	char		 pl[CERT_DER_MAX * 2 + 64];

	issue(f, &c);
	revoke_payload(&c, 2, pl, sizeof(pl));
	assert_int_equal(hx_post(f->h, &r, "/revoke-cert", pl, acme_revoke),
	    PROB_BAD_REVOCATION_REASON);
	hx_req_free(&r);
	assert_int_equal(hx_cert_get(f->h, c.id, &got), STORE_OK);
	assert_int_equal(got.revoked, 0);

	revoke_payload(&c, 4, pl, sizeof(pl));
	assert_int_equal(hx_post(f->h, &r, "/revoke-cert", pl, acme_revoke),
	    PROB_NONE);
	assert_int_equal(r.status, 200);
	hx_req_free(&r);
	assert_int_equal(hx_cert_get(f->h, c.id, &got), STORE_OK);
	assert_int_equal(got.revoked, 1);
	assert_int_equal(got.reason, 4);
	assert_int_equal(got.revoked_at, f->h->now);

	assert_int_equal(hx_post(f->h, &r, "/revoke-cert", pl, acme_revoke),
	    PROB_ALREADY_REVOKED);
	hx_req_free(&r);
}

static void
test_revoke_by_key(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct cert	 c, got;
	char		 pl[CERT_DER_MAX * 2 + 64];

	issue(f, &c);
	revoke_payload(&c, -1, pl, sizeof(pl));
	hx_req_post(f->h, &r, "/revoke-cert", f->ck, NULL, pl);
	assert_int_equal(hx_run(f->h, &r, AUTH_EITHER, acme_revoke),
	    PROB_NONE);
	hx_req_free(&r);
	assert_int_equal(hx_cert_get(f->h, c.id, &got), STORE_OK);
	assert_int_equal(got.revoked, 1);
	assert_int_equal(got.reason, -1);
}

static void
test_revoke_refused(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct cert	 c, got;
	struct account	 a;
	struct signer	*k, *stranger;
	char		 pl[CERT_DER_MAX * 2 + 64], kid[URL_MAX * 2];

	issue(f, &c);
	revoke_payload(&c, -1, pl, sizeof(pl));
	/* Another account, holding no authorization for the number. */
	assert_non_null(k = signer_generate(JWK_ES256));
	hx_account(f->h, k, ACCT_VALID, &a);
	hx_kid(a.id, kid, sizeof(kid));
	hx_req_post(f->h, &r, "/revoke-cert", k, kid, pl);
	assert_int_equal(hx_run(f->h, &r, AUTH_EITHER, acme_revoke),
	    PROB_UNAUTHORIZED);
	hx_req_free(&r);
	/* A key that is neither the account's nor the certificate's. */
	assert_non_null(stranger = signer_generate(JWK_ES256));
	hx_req_post(f->h, &r, "/revoke-cert", stranger, NULL, pl);
	assert_int_equal(hx_run(f->h, &r, AUTH_EITHER, acme_revoke),
	    PROB_UNAUTHORIZED);
	hx_req_free(&r);
	/* Not a certificate of this CA. */
	assert_int_equal(hx_post(f->h, &r, "/revoke-cert",
	    "{\"certificate\": \"AAAA\"}", acme_revoke), PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(hx_post(f->h, &r, "/revoke-cert", "{}", acme_revoke),
	    PROB_MALFORMED);
	hx_req_free(&r);
	assert_int_equal(hx_cert_get(f->h, c.id, &got), STORE_OK);
	assert_int_equal(got.revoked, 0);

	/* The other account once it holds a valid authorization. */
	{
		struct order	 o;

		hx_order_make(f->h, a.id, TN, &o);
		o.authz = AUTHZ_VALID;
		o.status = ORDER_READY;
		o.authz_expires = f->h->now + 3600;
		o.validated = f->h->now;
		hx_order_put(f->h, &o);
	}
	hx_req_post(f->h, &r, "/revoke-cert", k, kid, pl);
	assert_int_equal(hx_run(f->h, &r, AUTH_EITHER, acme_revoke),
	    PROB_NONE);
	hx_req_free(&r);
	assert_int_equal(hx_cert_get(f->h, c.id, &got), STORE_OK);
	assert_int_equal(got.revoked, 1);
	signer_free(k);
	signer_free(stranger);
}

static void
test_crl(void **state)
{
	struct fx	*f = *state;
	struct req	 r;
	struct cert	 c;
	char		 pl[CERT_DER_MAX * 2 + 64], buf[64];
	size_t		 empty;

	hx_req(f->h, &r, METHOD_GET, "/crl");
	assert_int_equal(hx_run(f->h, &r, AUTH_KID, acme_crl), PROB_NONE);
	assert_string_equal(r.ctype, "application/pkix-crl");
	assert_string_equal(hx_header(&r, "Cache-Control", buf, sizeof(buf)),
	    "max-age=60");
	assert_true(r.out.len > 0 && (unsigned char)r.out.p[0] == 0x30);
	empty = r.out.len;
	hx_req_free(&r);

	issue(f, &c);
	revoke_payload(&c, 1, pl, sizeof(pl));
	assert_int_equal(hx_post(f->h, &r, "/revoke-cert", pl, acme_revoke),
	    PROB_NONE);
	hx_req_free(&r);
	hx_req(f->h, &r, METHOD_GET, "/crl");
	assert_int_equal(hx_run(f->h, &r, AUTH_KID, acme_crl), PROB_NONE);
	/* One entry more: its serial is in the list. */
	assert_true(r.out.len > empty);
	assert_non_null(memmem(r.out.p, r.out.len, c.serial + 1,
	    SERIAL_LEN - 1));
	hx_req_free(&r);

	hx_req(f->h, &r, METHOD_GET, "/crl/x");
	assert_int_equal(hx_run(f->h, &r, AUTH_KID, acme_crl),
	    PROB_NOT_FOUND);
	hx_req_free(&r);
}

static void
test_reasons(void **state)
{
	static const struct {
		long	 reason;
		int	 ok;
	} cases[] = {
		{ 0, 1 }, { 1, 1 }, { 2, 0 }, { 3, 1 }, { 4, 1 }, { 5, 1 },
		{ 6, 0 }, { 7, 0 }, { 8, 0 }, { 9, 0 }, { 10, 0 }, { -1, 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(cert_reason_ok(cases[i].reason),
		    cases[i].ok);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_finalize),
		T(test_finalize_refused),
		T(test_cert),
		T(test_revoke_by_account),
		T(test_revoke_by_key),
		T(test_revoke_refused),
		T(test_crl),
		cmocka_unit_test(test_reasons),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
