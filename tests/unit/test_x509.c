/* Unit tests of lib/ca/x509.c: CSR vectors, the CA files, issuance,
 * revocation lookups, CRLs and the PEM chain, all checked with GnuTLS. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "b64url.h"
#include "bounds.h"
#include "problem.h"
#include "tnauthlist.h"
#include "x509.h"
#include "vectors.h"

#define TN		"12025550123"
#define TN_DER		"\x30\x0f\xa2\x0d\x16\x0b" "12025550123"
#define TN_DERLEN	17
#define OTHER_DER	"\x30\x0f\xa2\x0d\x16\x0b" "12025550124"
#define CA_NAME		"idprover test CA"
#define CRL_URL		"http://ca.example/crl.der"
#define DAY		86400

struct fixture {
	char		 dir[256];
	char		 key[300], cert[300];
	char		 key2[300], cert2[300];
	struct ca	*ca;
	struct ca	*other;		/* another CA of the same name */
	unsigned char	*valid;		/* the "valid" CSR vector */
	size_t		 validlen;
};

/*
 * Helpers.
 */

/* base64url-decode s into a malloc'd buffer. */
static unsigned char *
unb64(const char *s, size_t *len)
{
	unsigned char	*out;
	ssize_t		 n;

	n = b64url_decode_alloc(s, strlen(s), &out);
	assert_true(n > 0);
	*len = (size_t)n;
	return out;
}

/* Thumbprint of the RFC 7515 A.3 key, from jwk-thumbprint.json. */
static void
account_thumb(char thumb[THUMB_LEN + 1])
{
	struct json_object	*v, *arr, *c;
	size_t			 i;

	v = vec_load("jwk-thumbprint.json");
	assert_true(json_object_object_get_ex(v, "vectors", &arr));
	thumb[0] = '\0';
	for (i = 0; i < json_object_array_length(arr); i++) {
		c = json_object_array_get_idx(arr, i);
		if (strcmp(vec_str(c, "name"), "rfc7515-a3-p256") == 0)
			snprintf(thumb, THUMB_LEN + 1, "%s",
			    vec_str(c, "thumbprint"));
	}
	json_object_put(v);
	assert_int_equal(strlen(thumb), THUMB_LEN);
}

static gnutls_x509_crt_t
crt_of(const unsigned char *der, size_t len)
{
	gnutls_x509_crt_t	 crt;
	gnutls_datum_t		 d = { (unsigned char *)der, (unsigned)len };

	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &d,
	    GNUTLS_X509_FMT_DER), 0);
	return crt;
}

static gnutls_x509_crt_t
ca_crt(struct ca *ca)
{
	const unsigned char	*der;
	size_t			 len;

	der = ca_cert_der(ca, &len);
	assert_non_null(der);
	return crt_of(der, len);
}

/* Raw value of the extension oid of crt; asserts criticality. */
static gnutls_datum_t
ext_of(gnutls_x509_crt_t crt, const char *oid, unsigned int critical)
{
	gnutls_datum_t	 d = { NULL, 0 };
	unsigned int	 crit = 99;

	if (gnutls_x509_crt_get_extension_by_oid2(crt, oid, 0, &d, &crit) < 0)
		fail_msg("no extension %s", oid);
	assert_int_equal(crit, critical);
	return d;
}

static void
sha1(const void *data, size_t len, unsigned char out[20])
{
	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA1, data, len, out), 0);
}

/* The uncompressed point of an EC P-256 public key, taken from its
 * SubjectPublicKeyInfo DER (which ends with 04 || x || y). */
static void
spki_point(gnutls_pubkey_t pub, unsigned char pt[65])
{
	gnutls_datum_t	 d = { NULL, 0 };

	assert_int_equal(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d),
	    0);
	assert_int_equal(d.size, 91);
	memcpy(pt, d.data + d.size - 65, 65);
	assert_int_equal(pt[0], 0x04);
	gnutls_free(d.data);
}

/* RFC 7638 thumbprint from the point, computed here independently. */
static void
point_thumb(const unsigned char pt[65], char thumb[THUMB_LEN + 1])
{
	char		 x[50], y[50], json[200];
	unsigned char	 h[32];
	int		 n;

	assert_int_equal(b64url_encode(pt + 1, 32, x, sizeof(x)), 43);
	assert_int_equal(b64url_encode(pt + 33, 32, y, sizeof(y)), 43);
	n = snprintf(json, sizeof(json),
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
	    x, y);
	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, json, (size_t)n,
	    h), 0);
	assert_int_equal(b64url_encode(h, 32, thumb, THUMB_LEN + 1),
	    THUMB_LEN);
}

/* A CSR for a new key of the given kind, with a TNAuthList extension
 * (tnder, when not NULL) and an optional extra extension. */
static unsigned char *
make_csr(gnutls_pk_algorithm_t alg, unsigned int bits,
    gnutls_digest_algorithm_t dig, const void *tnder, size_t tnlen,
    const char *xoid, const void *xval, size_t xlen, size_t *len,
    char thumb[THUMB_LEN + 1])
{
	gnutls_privkey_t	 key;
	gnutls_pubkey_t		 pub;
	gnutls_x509_crq_t	 crq;
	gnutls_datum_t		 d = { NULL, 0 };
	unsigned char		*out, pt[65];

	assert_int_equal(gnutls_privkey_init(&key), 0);
	assert_int_equal(gnutls_privkey_generate2(key, alg, bits, 0, NULL, 0),
	    0);
	assert_int_equal(gnutls_x509_crq_init(&crq), 0);
	assert_int_equal(gnutls_x509_crq_set_dn_by_oid(crq,
	    GNUTLS_OID_X520_COMMON_NAME, 0, TN, strlen(TN)), 0);
	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	assert_int_equal(gnutls_pubkey_import_privkey(pub, key, 0, 0), 0);
	assert_int_equal(gnutls_x509_crq_set_pubkey(crq, pub), 0);
	if (tnder != NULL)
		assert_int_equal(gnutls_x509_crq_set_extension_by_oid(crq,
		    TNAUTHLIST_OID, tnder, tnlen, 0), 0);
	if (xoid != NULL)
		assert_int_equal(gnutls_x509_crq_set_extension_by_oid(crq,
		    xoid, xval, xlen, 0), 0);
	assert_int_equal(gnutls_x509_crq_privkey_sign(crq, key, dig, 0), 0);
	assert_int_equal(gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER,
	    &d), 0);
	if (thumb != NULL) {
		spki_point(pub, pt);
		point_thumb(pt, thumb);
	}
	gnutls_pubkey_deinit(pub);
	out = malloc(d.size);
	assert_non_null(out);
	memcpy(out, d.data, d.size);
	*len = d.size;
	gnutls_free(d.data);
	gnutls_x509_crq_deinit(crq);
	gnutls_privkey_deinit(key);
	return out;
}

static unsigned char *
issue(struct ca *ca, const unsigned char *csr, size_t csrlen,
    const char *crl_url, time_t nb, time_t na, size_t *len,
    unsigned char serial[SERIAL_LEN])
{
	struct issue	 is;
	unsigned char	*der = NULL;

	memset(&is, 0, sizeof(is));
	is.tn = TN;
	is.tnder = (const unsigned char *)TN_DER;
	is.tnlen = TN_DERLEN;
	is.not_before = nb;
	is.not_after = na;
	is.crl_url = crl_url;
	assert_int_equal(ca_issue(ca, csr, csrlen, &is, &der, len, serial), 0);
	assert_non_null(der);
	return der;
}

/*
 * Fixture: two CAs in a temporary directory.
 */

static int
setup(void **state)
{
	struct fixture		*f;
	struct json_object	*v, *arr, *c;
	const char		*tmp;
	size_t			 i;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if ((tmp = getenv("TMPDIR")) == NULL)
		tmp = "/tmp";
	snprintf(f->dir, sizeof(f->dir), "%s/test_x509.XXXXXX", tmp);
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->key, sizeof(f->key), "%s/ca.key", f->dir);
	snprintf(f->cert, sizeof(f->cert), "%s/ca.crt", f->dir);
	snprintf(f->key2, sizeof(f->key2), "%s/other.key", f->dir);
	snprintf(f->cert2, sizeof(f->cert2), "%s/other.crt", f->dir);
	f->ca = ca_open(f->key, f->cert, CA_NAME, 1);
	f->other = ca_open(f->key2, f->cert2, CA_NAME, 1);
	if (f->ca == NULL || f->other == NULL)
		return -1;
	v = vec_load("csr.json");
	json_object_object_get_ex(v, "cases", &arr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		c = json_object_array_get_idx(arr, i);
		if (strcmp(vec_str(c, "name"), "valid") == 0)
			f->valid = unb64(vec_str(c, "csr_b64u"), &f->validlen);
	}
	json_object_put(v);
	*state = f;
	return f->valid == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	ca_free(f->ca);
	ca_free(f->other);
	unlink(f->key);
	unlink(f->cert);
	unlink(f->key2);
	unlink(f->cert2);
	rmdir(f->dir);
	free(f->valid);
	free(f);
	return 0;
}

/*
 * CSR checks.
 */

/* What finalize does with x509_csr_check: the key must not be an
 * account key. */
static enum prob
finalize_check(const unsigned char *csr, size_t len, const char *acct,
    char thumb[THUMB_LEN + 1], char *detail, size_t detailsz)
{
	enum prob	 p;

	p = x509_csr_check(csr, len, (const unsigned char *)TN_DER,
	    TN_DERLEN, thumb, detail, detailsz);
	if (p == PROB_NONE && strcmp(thumb, acct) == 0)
		p = PROB_BAD_CSR;
	return p;
}

static void
test_csr_vectors(void **state)
{
	struct json_object	*v, *arr, *c;
	unsigned char		*csr;
	char			 acct[THUMB_LEN + 1], thumb[THUMB_LEN + 1];
	char			 detail[DETAIL_MAX];
	const char		*name, *expect;
	size_t			 i, len;
	enum prob		 p, want;

	(void)state;
	account_thumb(acct);
	v = vec_load("csr.json");
	assert_true(json_object_object_get_ex(v, "cases", &arr));
	assert_int_equal(json_object_array_length(arr), 6);
	for (i = 0; i < json_object_array_length(arr); i++) {
		c = json_object_array_get_idx(arr, i);
		name = vec_str(c, "name");
		expect = vec_str(c, "expect");
		want = strcmp(expect, "accept") == 0 ? PROB_NONE :
		    PROB_BAD_CSR;
		if (want == PROB_BAD_CSR)
			assert_string_equal(vec_str(c, "expect_type"),
			    "urn:ietf:params:acme:error:badCSR");
		csr = unb64(vec_str(c, "csr_b64u"), &len);
		detail[0] = '\0';
		p = finalize_check(csr, len, acct, thumb, detail,
		    sizeof(detail));
		if (p != want)
			fail_msg("%s: got %d (%s), want %d", name, p, detail,
			    want);
		if (strcmp(name, "account-key") == 0) {
			/* The CSR itself is fine; only its key is refused. */
			assert_string_equal(thumb, acct);
		} else if (p != PROB_NONE) {
			assert_string_equal(thumb, "");
			assert_true(detail[0] != '\0');
		} else
			assert_int_equal(strlen(thumb), THUMB_LEN);
		free(csr);
	}
	json_object_put(v);
}

static void
test_csr_details(void **state)
{
	static const struct {
		const char	*name;
		const char	*detail;
	} want[] = {
		{ "wrong-tn", "CSR TNAuthList extension differs from the "
		    "order's identifier" },
		{ "no-tnauthlist", "CSR does not request a TNAuthList "
		    "extension" },
		{ "extra-san", "CSR requests a subjectAltName; only the "
		    "TNAuthList identifier is allowed" },
		{ "ca-true", "CSR asks for a CA certificate" },
	};
	struct json_object	*v, *arr, *c = NULL;
	unsigned char		*csr;
	char			 thumb[THUMB_LEN + 1], detail[DETAIL_MAX];
	size_t			 i, j, len;

	(void)state;
	v = vec_load("csr.json");
	assert_true(json_object_object_get_ex(v, "cases", &arr));
	for (j = 0; j < sizeof(want) / sizeof(want[0]); j++) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			c = json_object_array_get_idx(arr, i);
			if (strcmp(vec_str(c, "name"), want[j].name) == 0)
				break;
		}
		assert_true(i < json_object_array_length(arr));
		csr = unb64(vec_str(c, "csr_b64u"), &len);
		assert_int_equal(x509_csr_check(csr, len,
		    (const unsigned char *)TN_DER, TN_DERLEN, thumb, detail,
		    sizeof(detail)), PROB_BAD_CSR);
		assert_string_equal(detail, want[j].detail);
		free(csr);
	}
	json_object_put(v);
}

static void
test_csr_hostile(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 buf[CSR_DER_MAX + 1], *m;
	char		 thumb[THUMB_LEN + 1], detail[DETAIL_MAX];
	size_t		 i;

	/* Every truncation, and the empty and the oversized input. */
	for (i = 0; i < f->validlen; i++)
		assert_int_equal(x509_csr_check(f->valid, i,
		    (const unsigned char *)TN_DER, TN_DERLEN, thumb, detail,
		    sizeof(detail)), PROB_BAD_CSR);
	memset(buf, 0x30, sizeof(buf));
	memcpy(buf, f->valid, f->validlen);
	assert_int_equal(x509_csr_check(buf, sizeof(buf),
	    (const unsigned char *)TN_DER, TN_DERLEN, thumb, detail,
	    sizeof(detail)), PROB_BAD_CSR);
	assert_string_equal(thumb, "");
	/* A changed signature octet. */
	m = malloc(f->validlen);
	assert_non_null(m);
	memcpy(m, f->valid, f->validlen);
	m[f->validlen - 3] ^= 0x01;
	assert_int_equal(x509_csr_check(m, f->validlen,
	    (const unsigned char *)TN_DER, TN_DERLEN, thumb, detail,
	    sizeof(detail)), PROB_BAD_CSR);
	assert_string_equal(detail, "CSR signature does not verify with its "
	    "public key");
	/* A changed TN digit inside the signed part. */
	memcpy(m, f->valid, f->validlen);
	for (i = 0; i + TN_DERLEN <= f->validlen; i++)
		if (memcmp(m + i, TN_DER, TN_DERLEN) == 0)
			break;
	assert_true(i + TN_DERLEN <= f->validlen);
	m[i + TN_DERLEN - 1] = '9';
	assert_int_equal(x509_csr_check(m, f->validlen,
	    (const unsigned char *)TN_DER, TN_DERLEN, thumb, detail,
	    sizeof(detail)), PROB_BAD_CSR);
	free(m);
	/* The order names another number. */
	assert_int_equal(x509_csr_check(f->valid, f->validlen,
	    (const unsigned char *)OTHER_DER, TN_DERLEN, thumb, detail,
	    sizeof(detail)), PROB_BAD_CSR);
	/* A prefix of the order's DER is not equal either. */
	assert_int_equal(x509_csr_check(f->valid, f->validlen,
	    (const unsigned char *)TN_DER, TN_DERLEN - 1, thumb, detail,
	    sizeof(detail)), PROB_BAD_CSR);
	/* Junk. */
	assert_int_equal(x509_csr_check((const unsigned char *)"junk", 4,
	    (const unsigned char *)TN_DER, TN_DERLEN, thumb, NULL, 0),
	    PROB_BAD_CSR);
}

static void
test_csr_keys(void **state)
{
	unsigned char	*csr;
	char		 thumb[THUMB_LEN + 1], want[THUMB_LEN + 1];
	char		 detail[DETAIL_MAX];
	size_t		 len;

	(void)state;
	csr = make_csr(GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), GNUTLS_DIG_SHA384,
	    TN_DER, TN_DERLEN, NULL, NULL, 0, &len, NULL);
	assert_int_equal(x509_csr_check(csr, len,
	    (const unsigned char *)TN_DER, TN_DERLEN, thumb, detail,
	    sizeof(detail)), PROB_BAD_CSR);
	assert_string_equal(detail, "CSR public key must be EC P-256");
	free(csr);

	csr = make_csr(GNUTLS_PK_RSA, 2048, GNUTLS_DIG_SHA256, TN_DER,
	    TN_DERLEN, NULL, NULL, 0, &len, NULL);
	assert_int_equal(x509_csr_check(csr, len,
	    (const unsigned char *)TN_DER, TN_DERLEN, thumb, detail,
	    sizeof(detail)), PROB_BAD_CSR);
	assert_string_equal(detail, "CSR must be signed with ECDSA and "
	    "SHA-256, SHA-384 or SHA-512");
	free(csr);

	csr = make_csr(GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), GNUTLS_DIG_SHA512,
	    TN_DER, TN_DERLEN, "2.5.29.19", "\x30\x00", 2, &len, want);
	assert_int_equal(x509_csr_check(csr, len,
	    (const unsigned char *)TN_DER, TN_DERLEN, thumb, detail,
	    sizeof(detail)), PROB_NONE);
	assert_string_equal(thumb, want);
	free(csr);
}

/* Keys whose coordinates have leading zero octets must still give the
 * thumbprint of the 32-octet coordinates. */
static void
test_csr_thumbs(void **state)
{
	unsigned char	*csr;
	char		 thumb[THUMB_LEN + 1], want[THUMB_LEN + 1];
	size_t		 len;
	int		 i;

	(void)state;
	for (i = 0; i < 300; i++) {
		csr = make_csr(GNUTLS_PK_ECDSA,
		    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
		    GNUTLS_DIG_SHA256, TN_DER, TN_DERLEN, NULL, NULL, 0, &len,
		    want);
		assert_int_equal(x509_csr_check(csr, len,
		    (const unsigned char *)TN_DER, TN_DERLEN, thumb, NULL, 0),
		    PROB_NONE);
		assert_string_equal(thumb, want);
		free(csr);
	}
}

/*
 * The CA.
 */

static void
test_ca_files(void **state)
{
	struct fixture		*f = *state;
	struct stat		 st;
	struct ca		*again;
	const unsigned char	*a, *b;
	size_t			 alen, blen;
	char			 path[400];
	FILE			*fp;

	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(f->cert, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* Reopening loads the same certificate, and does not create. */
	again = ca_open(f->key, f->cert, "ignored", 0);
	assert_non_null(again);
	a = ca_cert_der(f->ca, &alen);
	b = ca_cert_der(again, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	ca_free(again);
	ca_free(NULL);

	/* Missing files without create; only one of the two files. */
	snprintf(path, sizeof(path), "%s/none.key", f->dir);
	assert_null(ca_open(path, f->cert, CA_NAME, 0));
	assert_null(ca_open(path, f->cert, CA_NAME, 1));
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/none.crt", f->dir);
	assert_null(ca_open(f->key, path, CA_NAME, 1));
	assert_int_equal(stat(path, &st), -1);
	assert_null(ca_open(path, path, CA_NAME, 0));
	assert_null(ca_open(path, path, "", 1));

	/* A key that does not belong to the certificate. */
	assert_null(ca_open(f->key2, f->cert, CA_NAME, 0));

	/* A key file holding junk. */
	snprintf(path, sizeof(path), "%s/junk.key", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	    fp);
	fclose(fp);
	assert_null(ca_open(path, f->cert, CA_NAME, 0));
	unlink(path);
}

static void
test_ca_cert(void **state)
{
	struct fixture		*f = *state;
	gnutls_x509_crt_t	 crt;
	gnutls_pubkey_t		 pub;
	gnutls_datum_t		 d, dn;
	unsigned char		 pt[65], ski[20], got[64];
	unsigned int		 status, crit, usage;
	size_t			 sz = sizeof(got);
	time_t			 now = time(NULL);

	crt = ca_crt(f->ca);
	assert_int_equal(gnutls_x509_crt_get_version(crt), 3);
	assert_int_equal(gnutls_x509_crt_verify(crt, &crt, 1, 0, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(gnutls_x509_crt_get_dn2(crt, &dn), 0);
	assert_string_equal((char *)dn.data, "CN=" CA_NAME);
	gnutls_free(dn.data);
	assert_true(gnutls_x509_crt_get_ca_status(crt, &crit) > 0);
	assert_int_equal(crit, 1);
	assert_int_equal(gnutls_x509_crt_get_key_usage(crt, &usage, &crit),
	    0);
	assert_int_equal(crit, 1);
	assert_int_equal(usage, GNUTLS_KEY_KEY_CERT_SIGN |
	    GNUTLS_KEY_CRL_SIGN);
	assert_true(gnutls_x509_crt_get_expiration_time(crt) >
	    now + 3650L * DAY);
	assert_true(gnutls_x509_crt_get_activation_time(crt) <= now);
	assert_int_equal(gnutls_x509_crt_get_signature_algorithm(crt),
	    GNUTLS_SIGN_ECDSA_SHA256);
	/* SKI is method 1: SHA-1 of the point. */
	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	assert_int_equal(gnutls_pubkey_import_x509(pub, crt, 0), 0);
	spki_point(pub, pt);
	sha1(pt, sizeof(pt), ski);
	assert_int_equal(gnutls_x509_crt_get_subject_key_id(crt, got, &sz,
	    &crit), 0);
	assert_int_equal(sz, 20);
	assert_memory_equal(got, ski, 20);
	d = ext_of(crt, "2.5.29.14", 0);
	gnutls_free(d.data);
	gnutls_pubkey_deinit(pub);
	gnutls_x509_crt_deinit(crt);
}

/*
 * Issuance.
 */

static void
test_issue(void **state)
{
	struct fixture		*f = *state;
	gnutls_x509_crt_t	 crt, ca;
	gnutls_pubkey_t		 pub;
	gnutls_datum_t		 d, dn;
	unsigned char		*der, serial[SERIAL_LEN], got[64], pt[65];
	unsigned char		 ski[20], caski[64];
	unsigned int		 status, crit, usage;
	char			 url[128], thumb[THUMB_LEN + 1];
	char			 want[THUMB_LEN + 1];
	size_t			 len, sz, casz = sizeof(caski);
	time_t			 nb = time(NULL) - 60, na = nb + 30 * DAY;

	der = issue(f->ca, f->valid, f->validlen, CRL_URL, nb, na, &len,
	    serial);
	assert_true(len <= CERT_DER_MAX);
	crt = crt_of(der, len);
	ca = ca_crt(f->ca);

	/* Verifies against the CA. */
	assert_int_equal(gnutls_x509_crt_verify(crt, &ca, 1, 0, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(gnutls_x509_crt_get_version(crt), 3);
	assert_int_equal(gnutls_x509_crt_get_signature_algorithm(crt),
	    GNUTLS_SIGN_ECDSA_SHA256);
	assert_true(gnutls_x509_crt_check_issuer(crt, ca));

	/* Serial: 16 octets given back, top bit clear, not zero. */
	sz = sizeof(got);
	assert_int_equal(gnutls_x509_crt_get_serial(crt, got, &sz), 0);
	assert_true(sz <= SERIAL_LEN);
	assert_memory_equal(got, serial + SERIAL_LEN - sz, sz);
	assert_int_equal(serial[0] & 0x80, 0);
	assert_int_equal(got[0] & 0x80, 0);

	/* Subject is CN=<tn> only; validity as asked. */
	assert_int_equal(gnutls_x509_crt_get_dn2(crt, &dn), 0);
	assert_string_equal((char *)dn.data, "CN=" TN);
	gnutls_free(dn.data);
	assert_int_equal(gnutls_x509_crt_get_activation_time(crt), nb);
	assert_int_equal(gnutls_x509_crt_get_expiration_time(crt), na);

	/* TNAuthList: non-critical, the identifier's octets. */
	d = ext_of(crt, TNAUTHLIST_OID, 0);
	assert_int_equal(d.size, TN_DERLEN);
	assert_memory_equal(d.data, TN_DER, TN_DERLEN);
	gnutls_free(d.data);

	/* keyUsage critical digitalSignature; basicConstraints critical,
	 * cA FALSE as an empty SEQUENCE. */
	assert_int_equal(gnutls_x509_crt_get_key_usage(crt, &usage, &crit),
	    0);
	assert_int_equal(crit, 1);
	assert_int_equal(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
	d = ext_of(crt, "2.5.29.19", 1);
	assert_int_equal(d.size, 2);
	assert_memory_equal(d.data, "\x30\x00", 2);
	gnutls_free(d.data);
	assert_int_equal(gnutls_x509_crt_get_ca_status(crt, &crit), 0);

	/* SKI method 1 of the CSR key; AKI = the CA's SKI. */
	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	assert_int_equal(gnutls_pubkey_import_x509(pub, crt, 0), 0);
	spki_point(pub, pt);
	point_thumb(pt, want);
	gnutls_pubkey_deinit(pub);
	sha1(pt, sizeof(pt), ski);
	sz = sizeof(got);
	assert_int_equal(gnutls_x509_crt_get_subject_key_id(crt, got, &sz,
	    &crit), 0);
	assert_int_equal(crit, 0);
	assert_int_equal(sz, 20);
	assert_memory_equal(got, ski, 20);
	assert_int_equal(gnutls_x509_crt_get_subject_key_id(ca, caski, &casz,
	    &crit), 0);
	sz = sizeof(got);
	assert_int_equal(gnutls_x509_crt_get_authority_key_id(crt, got, &sz,
	    &crit), 0);
	assert_int_equal(crit, 0);
	assert_int_equal(sz, casz);
	assert_memory_equal(got, caski, sz);

	/* CRL distribution point; nothing else. */
	sz = sizeof(url);
	assert_int_equal(gnutls_x509_crt_get_crl_dist_points(crt, 0, url, &sz,
	    NULL, &crit), GNUTLS_SAN_URI);
	assert_int_equal(sz, strlen(CRL_URL));
	assert_memory_equal(url, CRL_URL, sz);
	sz = sizeof(url);
	assert_true(gnutls_x509_crt_get_subject_alt_name(crt, 0, url, &sz,
	    NULL) < 0);
	sz = sizeof(got);
	assert_int_equal(gnutls_x509_crt_get_extension_info(crt, 6, got,
	    &sz, &crit), GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);

	/* The key is the CSR's: same thumbprint as x509_csr_check. */
	assert_int_equal(x509_csr_check(f->valid, f->validlen,
	    (const unsigned char *)TN_DER, TN_DERLEN, thumb, NULL, 0),
	    PROB_NONE);
	assert_string_equal(thumb, want);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(crt);
	free(der);
}

static void
test_issue_variants(void **state)
{
	struct fixture		*f = *state;
	gnutls_x509_crt_t	 crt;
	unsigned char		*der, serial[SERIAL_LEN], seen[64][SERIAL_LEN];
	char			 url[128];
	struct issue		 is;
	size_t			 len, sz;
	unsigned int		 crit;
	time_t			 nb, na;
	int			 i, j;

	/* No CRL URL, dates past 2049 (GeneralizedTime). */
	nb = 2556057600;	/* 2050-12-31 */
	na = nb + 90 * DAY;
	der = issue(f->ca, f->valid, f->validlen, NULL, nb, na, &len, serial);
	crt = crt_of(der, len);
	assert_int_equal(gnutls_x509_crt_get_activation_time(crt), nb);
	assert_int_equal(gnutls_x509_crt_get_expiration_time(crt), na);
	sz = sizeof(url);
	assert_true(gnutls_x509_crt_get_crl_dist_points(crt, 0, url, &sz,
	    NULL, &crit) < 0);
	gnutls_x509_crt_deinit(crt);
	free(der);

	/* Serials differ and keep the top bit clear. */
	nb = time(NULL);
	for (i = 0; i < 64; i++) {
		der = issue(f->ca, f->valid, f->validlen, NULL, nb, nb + DAY,
		    &len, seen[i]);
		assert_int_equal(seen[i][0] & 0x80, 0);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(seen[i], seen[j], SERIAL_LEN);
		free(der);
	}

	/* Refused parameters. */
	memset(&is, 0, sizeof(is));
	is.tn = "12*67";
	is.tnder = (const unsigned char *)TN_DER;
	is.tnlen = TN_DERLEN;
	is.not_before = nb;
	is.not_after = nb + DAY;
	der = (unsigned char *)"x";
	assert_int_equal(ca_issue(f->ca, f->valid, f->validlen, &is, &der,
	    &len, serial), -1);
	assert_null(der);
	is.tn = TN;
	is.not_after = nb;
	assert_int_equal(ca_issue(f->ca, f->valid, f->validlen, &is, &der,
	    &len, serial), -1);
	is.not_after = nb + DAY;
	assert_int_equal(ca_issue(f->ca, (const unsigned char *)"junk", 4,
	    &is, &der, &len, serial), -1);
	assert_null(der);
}

/*
 * Revocation.
 */

static void
test_cert_check(void **state)
{
	struct fixture		*f = *state;
	unsigned char		*der, *oder, serial[SERIAL_LEN];
	unsigned char		 got[SERIAL_LEN], zero[SERIAL_LEN];
	const unsigned char	*cader;
	char			 thumb[THUMB_LEN + 1], want[THUMB_LEN + 1];
	size_t			 len, olen, calen;
	time_t			 nb = time(NULL) - 60;

	memset(zero, 0, sizeof(zero));
	assert_int_equal(x509_csr_check(f->valid, f->validlen,
	    (const unsigned char *)TN_DER, TN_DERLEN, want, NULL, 0),
	    PROB_NONE);

	der = issue(f->ca, f->valid, f->validlen, NULL, nb, nb + DAY, &len,
	    serial);
	assert_int_equal(ca_cert_check(f->ca, der, len, got, thumb),
	    PROB_NONE);
	assert_memory_equal(got, serial, SERIAL_LEN);
	assert_string_equal(thumb, want);

	/* Expired certificates are still ours. */
	free(der);
	der = issue(f->ca, f->valid, f->validlen, NULL, nb - 90 * DAY,
	    nb - 60 * DAY, &len, serial);
	assert_int_equal(ca_cert_check(f->ca, der, len, got, thumb),
	    PROB_NONE);
	assert_memory_equal(got, serial, SERIAL_LEN);

	/* Another CA of the same name. */
	oder = issue(f->other, f->valid, f->validlen, NULL, nb, nb + DAY,
	    &olen, serial);
	assert_int_equal(ca_cert_check(f->ca, oder, olen, got, thumb),
	    PROB_NOT_FOUND);
	assert_memory_equal(got, zero, SERIAL_LEN);
	assert_string_equal(thumb, "");
	assert_int_equal(ca_cert_check(f->other, der, len, got, thumb),
	    PROB_NOT_FOUND);

	/* The CA certificate itself. */
	cader = ca_cert_der(f->ca, &calen);
	assert_int_equal(ca_cert_check(f->ca, cader, calen, got, thumb),
	    PROB_NOT_FOUND);

	/* A changed signature. */
	der[len - 2] ^= 0x01;
	assert_int_equal(ca_cert_check(f->ca, der, len, got, thumb),
	    PROB_NOT_FOUND);

	/* Junk, truncation, nothing. */
	assert_int_equal(ca_cert_check(f->ca, (const unsigned char *)"junk",
	    4, got, thumb), PROB_MALFORMED);
	assert_int_equal(ca_cert_check(f->ca, der, len / 2, got, thumb),
	    PROB_MALFORMED);
	assert_int_equal(ca_cert_check(f->ca, der, 0, got, thumb),
	    PROB_MALFORMED);
	assert_int_equal(ca_cert_check(f->ca, f->valid, f->validlen, got,
	    thumb), PROB_MALFORMED);
	free(der);
	free(oder);
}

/* Number of times needle occurs in hay. */
static int
count_of(const unsigned char *hay, size_t len, const void *needle,
    size_t nlen)
{
	const unsigned char	*p = hay, *q;
	int			 n = 0;

	while ((q = memmem(p, len - (size_t)(p - hay), needle, nlen)) !=
	    NULL) {
		n++;
		p = q + 1;
	}
	return n;
}

static gnutls_x509_crl_t
crl_of(struct ca *ca, const struct revoked *r, size_t n, unsigned long num,
    time_t tu, time_t nu, unsigned char **der, size_t *len)
{
	gnutls_x509_crl_t	 crl;
	gnutls_x509_crt_t	 crt;
	gnutls_datum_t		 d;
	unsigned int		 status;

	assert_int_equal(ca_crl(ca, r, n, num, tu, nu, der, len), 0);
	d.data = *der;
	d.size = (unsigned int)*len;
	assert_int_equal(gnutls_x509_crl_init(&crl), 0);
	assert_int_equal(gnutls_x509_crl_import(crl, &d, GNUTLS_X509_FMT_DER),
	    0);
	crt = ca_crt(ca);
	assert_int_equal(gnutls_x509_crl_verify(crl, &crt, 1, 0, &status), 0);
	assert_int_equal(status, 0);
	gnutls_x509_crt_deinit(crt);
	return crl;
}

static void
test_crl(void **state)
{
	/* reasonCode extension: SEQUENCE { 2.5.29.21, OCTET STRING {
	 * ENUMERATED n } }, inside the entry's Extensions SEQUENCE. */
	static const unsigned char kc[] = { 0x30, 0x0c, 0x30, 0x0a, 0x06,
	    0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, 0x01 };
	static const unsigned char sup[] = { 0x30, 0x0c, 0x30, 0x0a, 0x06,
	    0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, 0x04 };
	static const unsigned char oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x15 };
	struct fixture		*f = *state;
	struct revoked		 r[3];
	gnutls_x509_crl_t	 crl;
	gnutls_x509_crt_t	 ca;
	unsigned char		*der, *cert, got[64], caski[64];
	size_t			 len, clen, sz, casz = sizeof(caski);
	unsigned int		 crit;
	time_t			 now = time(NULL), when;
	int			 i;

	memset(r, 0, sizeof(r));
	cert = issue(f->ca, f->valid, f->validlen, NULL, now, now + DAY,
	    &clen, r[0].serial);
	free(cert);
	r[0].when = now - 100;
	r[0].reason = -1;
	r[1].serial[SERIAL_LEN - 1] = 0x2a;	/* a short serial */
	r[1].when = now - 50;
	r[1].reason = 1;			/* keyCompromise */
	memset(r[2].serial, 0x7f, SERIAL_LEN);
	r[2].when = now - 10;
	r[2].reason = 4;			/* superseded */

	crl = crl_of(f->ca, r, 3, 4242, now, now + DAY, &der, &len);
	assert_int_equal(gnutls_x509_crl_get_version(crl), 2);
	assert_int_equal(gnutls_x509_crl_get_this_update(crl), now);
	assert_int_equal(gnutls_x509_crl_get_next_update(crl), now + DAY);
	assert_int_equal(gnutls_x509_crl_get_signature_algorithm(crl),
	    GNUTLS_SIGN_ECDSA_SHA256);
	assert_int_equal(gnutls_x509_crl_get_crt_count(crl), 3);
	for (i = 0; i < 3; i++) {
		sz = sizeof(got);
		assert_int_equal(gnutls_x509_crl_get_crt_serial(crl, i, got,
		    &sz, &when), 0);
		assert_true(sz <= SERIAL_LEN);
		assert_memory_equal(got, r[i].serial + SERIAL_LEN - sz, sz);
		assert_int_equal(when, r[i].when);
	}
	sz = sizeof(got);
	assert_int_equal(gnutls_x509_crl_get_number(crl, got, &sz, &crit), 0);
	assert_int_equal(sz, 2);
	assert_int_equal(got[0] * 256 + got[1], 4242);
	ca = ca_crt(f->ca);
	assert_int_equal(gnutls_x509_crt_get_subject_key_id(ca, caski, &casz,
	    &crit), 0);
	sz = sizeof(got);
	assert_int_equal(gnutls_x509_crl_get_authority_key_id(crl, got, &sz,
	    &crit), 0);
	assert_int_equal(sz, casz);
	assert_memory_equal(got, caski, sz);
	gnutls_x509_crt_deinit(ca);
	/* Two reasonCode extensions, non-critical, with their values. */
	assert_int_equal(count_of(der, len, oid, sizeof(oid)), 2);
	assert_int_equal(count_of(der, len, kc, sizeof(kc)), 1);
	assert_int_equal(count_of(der, len, sup, sizeof(sup)), 1);
	gnutls_x509_crl_deinit(crl);
	free(der);

	/* Without reasons, and empty. */
	r[1].reason = r[2].reason = -1;
	crl = crl_of(f->ca, r, 3, 1, now, now + DAY, &der, &len);
	assert_int_equal(count_of(der, len, oid, sizeof(oid)), 0);
	gnutls_x509_crl_deinit(crl);
	free(der);
	crl = crl_of(f->ca, NULL, 0, 0, now, now + DAY, &der, &len);
	assert_int_equal(gnutls_x509_crl_get_crt_count(crl), 0);
	gnutls_x509_crl_deinit(crl);
	free(der);
	/* Every valid reason; 7 and 11 are not CRLReasons. */
	for (i = 0; i <= 10; i++) {
		r[0].reason = i;
		if (i == 7) {
			assert_int_equal(ca_crl(f->ca, r, 1, 1, now,
			    now + DAY, &der, &len), -1);
			assert_null(der);
			continue;
		}
		crl = crl_of(f->ca, r, 1, 1, now, now + DAY, &der, &len);
		assert_int_equal(count_of(der, len, oid, sizeof(oid)), 1);
		gnutls_x509_crl_deinit(crl);
		free(der);
	}
	r[0].reason = 11;
	assert_int_equal(ca_crl(f->ca, r, 1, 1, now, now + DAY, &der, &len),
	    -1);
}

/*
 * The chain.
 */

static void
test_chain(void **state)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----\n";
	static const char end[] = "-----END CERTIFICATE-----\n";
	struct fixture		*f = *state;
	unsigned char		*der, serial[SERIAL_LEN];
	const unsigned char	*cader;
	const char		*p, *e, *nl;
	char			*pem;
	gnutls_datum_t		 in, out;
	size_t			 len, calen, blocks = 0;
	time_t			 now = time(NULL);

	der = issue(f->ca, f->valid, f->validlen, NULL, now, now + DAY, &len,
	    serial);
	cader = ca_cert_der(f->ca, &calen);
	pem = ca_chain_pem(f->ca, der, len);
	assert_non_null(pem);
	for (p = pem; *p != '\0'; p = e + strlen(end)) {
		assert_memory_equal(p, begin, strlen(begin));
		e = strstr(p, end);
		assert_non_null(e);
		for (nl = p + strlen(begin); nl < e; nl = strchr(nl, '\n') + 1)
			assert_true(strchr(nl, '\n') - nl <= 64);
		in.data = (unsigned char *)p;
		in.size = (unsigned int)(e + strlen(end) - p);
		assert_int_equal(gnutls_pem_base64_decode2("CERTIFICATE", &in,
		    &out), 0);
		if (blocks == 0) {
			assert_int_equal(out.size, len);
			assert_memory_equal(out.data, der, len);
		} else {
			assert_int_equal(out.size, calen);
			assert_memory_equal(out.data, cader, calen);
		}
		gnutls_free(out.data);
		blocks++;
	}
	assert_int_equal(blocks, 2);
	free(pem);
	assert_null(ca_chain_pem(f->ca, der, 0));
	free(der);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csr_vectors),
		cmocka_unit_test(test_csr_details),
		cmocka_unit_test(test_csr_hostile),
		cmocka_unit_test(test_csr_keys),
		cmocka_unit_test(test_csr_thumbs),
		cmocka_unit_test(test_ca_files),
		cmocka_unit_test(test_ca_cert),
		cmocka_unit_test(test_issue),
		cmocka_unit_test(test_issue_variants),
		cmocka_unit_test(test_cert_check),
		cmocka_unit_test(test_crl),
		cmocka_unit_test(test_chain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
