/* Unit tests of the ARI certID parser and the renewal window
 * (lib/acme/acme_renewal.c), and of a profile's freshness policy in
 * order_cert_times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "acme.h"

#define NOW	1800000000
#define DAY	86400

/* RFC 9773 4.1: keyIdentifier 69:88:5B:...:D4, serial 00:87:65:43:21. */
static const unsigned char rfc_aki[] = { 0x69, 0x88, 0x5b, 0x6b, 0x87,
	0x46, 0x40, 0x41, 0xe1, 0xb3, 0x7b, 0x84, 0x7b, 0xa0, 0xae, 0x2c,
	0xde, 0x01, 0xc8, 0xd4 };
static const unsigned char rfc_serial[] = { 0x00, 0x87, 0x65, 0x43, 0x21 };

static void
test_certid_rfc(void **state)
{
	const char	*id = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
	unsigned char	 aki[AKI_MAX], ser[CERT_SERIAL_MAX], key[SERIAL_LEN];
	size_t		 al, sl;

	(void)state;
	assert_int_equal(renewal_certid_parse(id, strlen(id), aki, &al, ser,
	    &sl), 0);
	assert_int_equal(al, sizeof(rfc_aki));
	assert_memory_equal(aki, rfc_aki, al);
	assert_int_equal(sl, sizeof(rfc_serial));
	assert_memory_equal(ser, rfc_serial, sl);
	assert_int_equal(renewal_serial_key(ser, sl, key), 0);
	assert_memory_equal(key + SERIAL_LEN - sl, rfc_serial, sl);
	assert_int_equal(key[0], 0);
}

static void
test_certid_malformed(void **state)
{
	static const char *const bad[] = {
		"", ".", "aYhba4dGQEHhs3uEe6CuLN4ByNQ", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.",
		".AIdlQyE", "aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE",
		"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE=", "aYhb a4dG.AIdlQyE",
		"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdl.QyE", "a.AIdlQyE",
		"aYhba4dGQEHhs3uEe6CuLN4ByNQ.h2VDIQ",	/* negative serial */
		"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyF",	/* non-canonical */
		"aYhb+4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE",	/* base64, not url */
		/* a serial of 21 octets */
		"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	unsigned char	 aki[AKI_MAX], ser[CERT_SERIAL_MAX];
	char		 big[CERTID_MAX + 8];
	size_t		 i, al, sl;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (renewal_certid_parse(bad[i], strlen(bad[i]), aki, &al, ser,
		    &sl) != -1)
			fail_msg("accepted %s", bad[i]);
	memset(big, 'A', sizeof(big));
	big[10] = '.';
	assert_int_equal(renewal_certid_parse(big, sizeof(big), aki, &al, ser,
	    &sl), -1);
	assert_int_equal(renewal_certid_parse(NULL, 3, aki, &al, ser, &sl),
	    -1);
}

/* Serials longer than SERIAL_LEN are not ours unless zero-padded. */
static void
test_serial_key(void **state)
{
	unsigned char	 s[CERT_SERIAL_MAX], key[SERIAL_LEN];

	(void)state;
	memset(s, 0, sizeof(s));
	s[CERT_SERIAL_MAX - 1] = 7;
	assert_int_equal(renewal_serial_key(s, CERT_SERIAL_MAX, key), 0);
	assert_int_equal(key[SERIAL_LEN - 1], 7);
	s[0] = 1;
	assert_int_equal(renewal_serial_key(s, CERT_SERIAL_MAX, key), -1);
	assert_int_equal(renewal_serial_key(s, 1, key), 0);
	assert_int_equal(key[SERIAL_LEN - 1], 1);
}

static void
mk(struct config *cfg, struct cert *c, struct order *o, long maxproof)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cert_days = 30;
	cfg->cert_max_days = 90;
	strcpy(cfg->profiles[0].name, "tn");
	cfg->profiles[0].cert_days = 30;
	cfg->profiles[0].max_proof_seconds = maxproof;
	cfg->nprofiles = 1;
	strcpy(cfg->default_profile, "tn");
	memset(c, 0, sizeof(*c));
	c->issued = NOW;
	c->not_after = NOW - 60 + 30 * DAY;
	c->serial[SERIAL_LEN - 1] = 42;
	memset(o, 0, sizeof(*o));
	o->validated = NOW - 100;
}

/* The last third of the lifetime, jittered per certificate. */
static void
test_window_default(void **state)
{
	struct config	 cfg;
	struct cert	 c;
	struct order	 o;
	time_t		 s, e, s2, e2, life = 30 * DAY, third = life / 3;
	int		 i, differ = 0;

	(void)state;
	mk(&cfg, &c, &o, 60L * DAY);
	assert_int_equal(renewal_window(&cfg, &c, &o, &s, &e), RENEW_DEFAULT);
	assert_true(s >= c.not_after - third);
	assert_true(s <= c.not_after - third + third / 4);
	assert_int_equal(e - s, third / 2);
	assert_true(e < c.not_after);
	/* The same certificate, the same window; others spread. */
	assert_int_equal(renewal_window(&cfg, &c, &o, &s2, &e2),
	    RENEW_DEFAULT);
	assert_int_equal(s2, s);
	for (i = 0; i < 16; i++) {
		c.serial[0] = (unsigned char)i;
		renewal_window(&cfg, &c, &o, &s2, &e2);
		differ += s2 != s;
	}
	assert_true(differ > 8);
}

/* A proof older than the profile allows: the window ends then. */
static void
test_window_stale(void **state)
{
	struct config	 cfg;
	struct cert	 c;
	struct order	 o;
	time_t		 s, e;

	(void)state;
	mk(&cfg, &c, &o, 10L * DAY);
	assert_int_equal(renewal_window(&cfg, &c, &o, &s, &e), RENEW_STALE);
	assert_int_equal(e, o.validated + 10L * DAY);
	assert_true(s < e);
	/* A removed profile: the default window. */
	strcpy(o.profile, "gone");
	assert_int_equal(renewal_window(&cfg, &c, &o, &s, &e), RENEW_DEFAULT);
}

/* Revoked: in the past; privilegeWithdrawn says reassigned. */
static void
test_window_revoked(void **state)
{
	struct config	 cfg;
	struct cert	 c;
	struct order	 o;
	time_t		 s, e;

	(void)state;
	mk(&cfg, &c, &o, 60L * DAY);
	c.revoked = 1;
	c.revoked_at = NOW + DAY;
	c.reason = 4;
	assert_int_equal(renewal_window(&cfg, &c, &o, &s, &e), RENEW_REVOKED);
	assert_true(e < c.revoked_at && s < e);
	c.reason = CRL_PRIVILEGE_WITHDRAWN;
	assert_int_equal(renewal_window(&cfg, &c, &o, &s, &e),
	    RENEW_REASSIGNED);
	assert_true(e < c.revoked_at);
}

/* order_cert_times: the profile's lifetime, cut at the proof's age. */
static void
test_profile_times(void **state)
{
	struct config	 cfg;
	struct cert	 c;
	struct order	 o;
	time_t		 nb, na;

	(void)state;
	mk(&cfg, &c, &o, 30L * DAY);
	cfg.profiles[1] = cfg.profiles[0];
	strcpy(cfg.profiles[1].name, "tn-short");
	cfg.profiles[1].cert_days = 7;
	cfg.profiles[1].max_proof_seconds = 7L * DAY;
	cfg.nprofiles = 2;
	strcpy(o.profile, "tn-short");
	o.validated = NOW;
	assert_int_equal(order_cert_times(&cfg, &o, NOW, &nb, &na), 0);
	assert_int_equal(na, NOW + 7 * DAY);
	/* A reused proof of 2 days: the certificate ends 7 days after it. */
	o.validated = NOW - 2 * DAY;
	assert_int_equal(order_cert_times(&cfg, &o, NOW, &nb, &na), 0);
	assert_int_equal(na, NOW + 5 * DAY);
	/* The default profile: 30 days. */
	o.profile[0] = '\0';
	o.validated = NOW;
	assert_int_equal(order_cert_times(&cfg, &o, NOW, &nb, &na), 0);
	assert_int_equal(na, NOW + 30 * DAY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certid_rfc),
		cmocka_unit_test(test_certid_malformed),
		cmocka_unit_test(test_serial_key),
		cmocka_unit_test(test_window_default),
		cmocka_unit_test(test_window_stale),
		cmocka_unit_test(test_window_revoked),
		cmocka_unit_test(test_profile_times),
	};

	return cmocka_run_group_tests_name("acme_renewal", tests, NULL, NULL);
}
