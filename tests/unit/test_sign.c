/* Unit tests of lib/client/sign.c (client keys, JWS, CSRs) and of the digest in
 * lib/client/acmec.c: every signature checked by the server's own lib/server/jws.c. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

/* For sign_fixed(); the archive's copy of sign.o is then not linked. */
#include "../../lib/client/sign.c"

#include "acmec.h"
#include "bounds.h"
#include "jws.h"
#include "problem.h"
#include "tnauthlist.h"
#include "x509.h"
#include "vectors.h"

#define URL		"https://idprover.example/acme/new-order"
#define NONCE		"oFvnlFP1wIhRlYS2jTaXbA"
#define KID		"https://idprover.example/acme/acct/evOfKhNU60wg"
#define PAYLOAD		"{\"identifiers\":[{\"type\":\"TNAuthList\"," \
			"\"value\":\"MA-iDRYLMTIwMjU1NTAxMjM\"}]}"
#define TN		"12025550123"
#define OTHER_TN	"12025550124"
#define ROUNDS		200

/* The table the tests run over: one row per JWS algorithm. */
static const struct algcase {
	enum jwk_alg	 alg;
	const char	*name;
	const char	*kty;
	size_t		 siglen;	/* raw signature octets */
} algcases[] = {
	{ JWK_ES256, "ES256", "EC", 64 },
	{ JWK_ES384, "ES384", "EC", 96 },
	{ JWK_ES512, "ES512", "EC", 132 },
	{ JWK_RS256, "RS256", "RSA", 256 },
	{ JWK_EDDSA, "EdDSA", "OKP", 64 },
};

#define NALGS	(sizeof(algcases) / sizeof(algcases[0]))

struct fixture {
	struct signer	*s[NALGS];
	char		 dir[256];
};

static int
setup(void **state)
{
	struct fixture	*f;
	const char	*tmp;
	size_t		 i;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if ((tmp = getenv("TMPDIR")) == NULL)
		tmp = "/tmp";
	snprintf(f->dir, sizeof(f->dir), "%s/test_sign.XXXXXX", tmp);
	if (mkdtemp(f->dir) == NULL)
		return -1;
	for (i = 0; i < NALGS; i++)
		if ((f->s[i] = signer_generate(algcases[i].alg)) == NULL)
			return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < NALGS; i++)
		signer_free(f->s[i]);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Parse and verify a JWS with lib/server/jws.c; key NULL: the embedded jwk. */
static struct jws *
check_jws(const char *text, int mode, const struct jwk *key)
{
	struct jws	*j = NULL;
	char		 detail[DETAIL_MAX] = "";
	enum prob	 p;

	p = jws_parse(text, strlen(text), mode, &j, detail, sizeof(detail));
	if (p != PROB_NONE)
		fail_msg("jws_parse: %s (%s)", problem_type(p), detail);
	p = jws_verify(j, key != NULL ? key : j->jwk, detail, sizeof(detail));
	if (p != PROB_NONE)
		fail_msg("jws_verify: %s (%s)", problem_type(p), detail);
	return j;
}

/* The decoded protected header, NUL-terminated; free it. */
static char *
header_text(const struct jws *j)
{
	unsigned char	*h;
	ssize_t		 n;

	n = b64url_decode_alloc(j->protected, strlen(j->protected), &h);
	assert_true(n > 0);
	return (char *)h;
}

/*
 * JWS.
 */

/* Embedded jwk: verifies, and the header is alg, jwk, nonce, url. */
static void
test_jws_jwk(void **state)
{
	struct fixture	*f = *state;
	struct jws	*j;
	char		*jws, *hdr, want[2048];
	size_t		 i;

	for (i = 0; i < NALGS; i++) {
		assert_int_equal(signer_alg(f->s[i]), algcases[i].alg);
		jws = signer_jws(f->s[i], URL, NONCE, NULL, PAYLOAD);
		assert_non_null(jws);
		j = check_jws(jws, JWS_OUTER, NULL);
		assert_int_equal(j->alg, algcases[i].alg);
		assert_string_equal(j->url, URL);
		assert_string_equal(j->nonce, NONCE);
		assert_null(j->kid);
		assert_false(j->pag);
		assert_string_equal((char *)j->payload, PAYLOAD);
		assert_string_equal(jwk_thumb(j->jwk), signer_thumb(f->s[i]));
		assert_string_equal(jwk_canon(j->jwk), signer_jwk(f->s[i]));
		snprintf(want, sizeof(want), "{\"alg\":\"%s\",\"jwk\":%s,"
		    "\"nonce\":\"%s\",\"url\":\"%s\"}", algcases[i].name,
		    signer_jwk(f->s[i]), NONCE, URL);
		hdr = header_text(j);
		assert_string_equal(hdr, want);
		assert_non_null(strstr(signer_jwk(f->s[i]), algcases[i].kty));
		free(hdr);
		jws_free(j);
		free(jws);
	}
}

/* kid: verifies with the key loaded from its canonical text. */
static void
test_jws_kid(void **state)
{
	struct fixture	*f = *state;
	struct jwk	*key;
	struct jws	*j;
	char		*jws, *hdr, want[1024];
	size_t		 i;

	for (i = 0; i < NALGS; i++) {
		assert_non_null(key = jwk_load(signer_jwk(f->s[i])));
		jws = signer_jws(f->s[i], URL, NONCE, KID, PAYLOAD);
		assert_non_null(jws);
		j = check_jws(jws, JWS_OUTER, key);
		assert_string_equal(j->kid, KID);
		assert_null(j->jwk);
		snprintf(want, sizeof(want), "{\"alg\":\"%s\",\"kid\":\"%s\","
		    "\"nonce\":\"%s\",\"url\":\"%s\"}", algcases[i].name, KID,
		    NONCE, URL);
		hdr = header_text(j);
		assert_string_equal(hdr, want);
		free(hdr);
		jws_free(j);
		free(jws);
		jwk_free(key);
	}
}

/* POST-as-GET: payload NULL or "" gives "payload": "". */
static void
test_jws_pag(void **state)
{
	struct fixture	*f = *state;
	struct jwk	*key;
	struct jws	*j;
	char		*jws;
	size_t		 i;
	int		 empty;

	for (i = 0; i < NALGS; i++) {
		assert_non_null(key = jwk_load(signer_jwk(f->s[i])));
		for (empty = 0; empty < 2; empty++) {
			jws = signer_jws(f->s[i], URL, NONCE, KID,
			    empty ? "" : NULL);
			assert_non_null(jws);
			assert_non_null(strstr(jws, "\"payload\":\"\""));
			j = check_jws(jws, JWS_OUTER, key);
			assert_true(j->pag);
			assert_int_equal(j->payloadsz, 0);
			jws_free(j);
			free(jws);
		}
		jwk_free(key);
	}
}

/* keyChange inner JWS: jwk, no nonce; the outer rules refuse it. */
static void
test_jws_inner(void **state)
{
	struct fixture	*f = *state;
	struct jws	*j;
	char		*jws, *hdr, detail[DETAIL_MAX];
	size_t		 i;

	for (i = 0; i < NALGS; i++) {
		jws = signer_jws(f->s[i], URL, NULL, NULL, PAYLOAD);
		assert_non_null(jws);
		j = check_jws(jws, JWS_INNER, NULL);
		assert_null(j->nonce);
		hdr = header_text(j);
		assert_null(strstr(hdr, "nonce"));
		free(hdr);
		jws_free(j);
		assert_int_equal(jws_parse(jws, strlen(jws), JWS_OUTER, &j,
		    detail, sizeof(detail)), PROB_BAD_NONCE);
		assert_null(j);
		free(jws);
	}
}

/* r || s is always exactly twice the curve size, and verifies. */
static void
test_sig_length(void **state)
{
	struct fixture	*f = *state;
	struct jwk	*key;
	struct jws	*j;
	char		*jws, url[128];
	size_t		 i, n;

	for (i = 0; i < NALGS; i++) {
		assert_non_null(key = jwk_load(signer_jwk(f->s[i])));
		for (n = 0; n < ROUNDS; n++) {
			snprintf(url, sizeof(url), "%s/%zu", URL, n);
			jws = signer_jws(f->s[i], url, NONCE, KID, "{}");
			assert_non_null(jws);
			j = check_jws(jws, JWS_OUTER, key);
			if (j->siglen != algcases[i].siglen)
				fail_msg("%s: signature %zu: %zu octets",
				    algcases[i].name, n, j->siglen);
			jws_free(j);
			free(jws);
		}
		jwk_free(key);
	}
}

/* The fixed-size copy that r, s and EC coordinates go through. */
static void
test_fixed(void **state)
{
	static const struct {
		const char	*in;
		size_t		 inlen;
		size_t		 size;
		int		 rc;
		const char	*out;
	} cases[] = {
		{ "\x00\x81\x02\x03", 4, 3, 0, "\x81\x02\x03" },
		{ "\x05\x06", 2, 4, 0, "\x00\x00\x05\x06" },
		{ "\x00\x00\x00\x07", 4, 2, 0, "\x00\x07" },
		{ "\x01\x02\x03", 3, 3, 0, "\x01\x02\x03" },
		{ "\x01\x02\x03", 3, 2, -1, NULL },
		{ "", 0, 2, 0, "\x00\x00" },
	};
	unsigned char	 out[8];
	gnutls_datum_t	 d;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d.data = (unsigned char *)cases[i].in;
		d.size = (unsigned int)cases[i].inlen;
		assert_int_equal(sign_fixed(&d, out, cases[i].size),
		    cases[i].rc);
		if (cases[i].rc == 0)
			assert_memory_equal(out, cases[i].out, cases[i].size);
	}
}

/*
 * Key files.
 */

static void
test_save_load(void **state)
{
	struct fixture	*f = *state;
	struct signer	*s;
	struct stat	 st;
	char		 path[512];
	size_t		 i;
	FILE		*fp;

	for (i = 0; i < NALGS; i++) {
		snprintf(path, sizeof(path), "%s/%s.key", f->dir,
		    algcases[i].name);
		assert_int_equal(signer_save(f->s[i], path), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_non_null(s = signer_load(path));
		assert_int_equal(signer_alg(s), algcases[i].alg);
		assert_string_equal(signer_thumb(s), signer_thumb(f->s[i]));
		assert_string_equal(signer_jwk(s), signer_jwk(f->s[i]));
		/* Saving again replaces the file in place. */
		assert_int_equal(signer_save(s, path), 0);
		signer_free(s);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/missing.key", f->dir);
	assert_null(signer_load(path));
	snprintf(path, sizeof(path), "%s/junk.key", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	    fp);
	fclose(fp);
	assert_null(signer_load(path));
	unlink(path);
}

/*
 * CSRs.
 */

static void
tn_der(const char *tn, unsigned char *der, size_t *len)
{
	*len = TNAUTHLIST_DER_MAX;
	assert_int_equal(tnauthlist_encode(tn, der, len), 0);
}

static void
test_csr(void **state)
{
	struct fixture	*f = *state;
	struct signer	*p256 = f->s[0];
	unsigned char	 der[TNAUTHLIST_DER_MAX], other[TNAUTHLIST_DER_MAX];
	unsigned char	*csr;
	size_t		 len, olen, csrlen, i;
	char		 thumb[THUMB_LEN + 1], detail[DETAIL_MAX];

	tn_der(TN, der, &len);
	tn_der(OTHER_TN, other, &olen);
	assert_int_equal(signer_csr(p256, TN, der, len, &csr, &csrlen), 0);
	assert_int_equal(x509_csr_check(csr, csrlen, der, len, thumb, detail,
	    sizeof(detail)), PROB_NONE);
	assert_string_equal(thumb, signer_thumb(p256));
	assert_int_equal(x509_csr_check(csr, csrlen, other, olen, thumb,
	    detail, sizeof(detail)), PROB_BAD_CSR);
	free(csr);
	/* Certificate keys are P-256 only; numbers are digits only. */
	for (i = 1; i < NALGS; i++) {
		assert_int_equal(signer_csr(f->s[i], TN, der, len, &csr,
		    &csrlen), -1);
		assert_null(csr);
	}
	assert_int_equal(signer_csr(p256, "+1202", der, len, &csr, &csrlen),
	    -1);
	assert_int_equal(signer_csr(p256, "1234567890123456", der, len, &csr,
	    &csrlen), -1);
}

/* The first certificate of a PEM chain, as the certificate URL sends. */
static void
test_cert_der(void **state)
{
	struct fixture		*f = *state;
	struct ca		*ca;
	const unsigned char	*cader;
	unsigned char		*der;
	size_t			 calen, len;
	char			 key[512], crt[512], *pem;

	snprintf(key, sizeof(key), "%s/ca.key", f->dir);
	snprintf(crt, sizeof(crt), "%s/ca.pem", f->dir);
	assert_non_null(ca = ca_open(key, crt, "test_sign CA", 1));
	cader = ca_cert_der(ca, &calen);
	assert_non_null(pem = ca_chain_pem(ca, cader, calen));
	assert_int_equal(signer_cert_der(pem, &der, &len), 0);
	assert_int_equal(len, calen);
	assert_memory_equal(der, cader, len);
	free(der);
	free(pem);
	assert_int_equal(signer_cert_der("no PEM here", &der, &len), -1);
	assert_null(der);
	ca_free(ca);
	unlink(key);
	unlink(crt);
}

/*
 * The sms-link-00 digest (PROTOCOL.md 8.2.3, vectors/sms-link-00.json).
 */

static void
test_digest(void **state)
{
	json_object	*v, *in, *arr, *row, *wrong;
	const char	*code, *token;
	char		 out[44], longtok[600];
	size_t		 i, n;

	(void)state;
	v = vec_load("sms-link-00.json");
	in = vec_member(v, "inputs");
	code = vec_str(in, "code");
	token = vec_str(in, "token");
	arr = vec_member(v, "vectors");
	n = json_object_array_length(arr);
	assert_true(n >= 3);
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(arr, i);
		assert_int_equal(acmec_digest(code, token, vec_str(row,
		    "thumbprint"), out), 0);
		assert_string_equal(out, vec_str(row, "digest_b64u"));
	}
	wrong = vec_member(v, "wrong_code_example");
	assert_int_equal(acmec_digest(vec_str(wrong, "code"), token,
	    vec_str(wrong, "thumbprint"), out), 0);
	assert_string_equal(out, vec_str(wrong, "digest_b64u"));
	json_object_put(v);
	memset(longtok, 'A', sizeof(longtok) - 1);
	longtok[sizeof(longtok) - 1] = '\0';
	assert_int_equal(acmec_digest("123456", longtok, "x", out), -1);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jws_jwk),
		cmocka_unit_test(test_jws_kid),
		cmocka_unit_test(test_jws_pag),
		cmocka_unit_test(test_jws_inner),
		cmocka_unit_test(test_sig_length),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_csr),
		cmocka_unit_test(test_cert_der),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
