/* Unit tests of lib/base/fwd.c: CIDR ranges, and the client address read
 * from hostile Forwarded and X-Forwarded-For headers behind trusted
 * proxies (the rightmost untrusted hop wins; junk never helps). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "fwd.h"

static const char *const proxies[] = {
	"10.0.0.0/8", "192.168.1.1", "2001:db8:ffff::/48", "::1",
};

struct ccase {
	const char	*name;
	const char	*remote;
	enum fwd_header	 kind;
	const char	*header;
	const char	*want;
};

static const struct ccase cases[] = {
	/* Who may speak for the client at all. */
	{ "no-header-kind", "10.0.0.1", FWD_NONE, "203.0.113.7", "10.0.0.1" },
	{ "untrusted-remote", "198.51.100.1", FWD_XFF, "203.0.113.7",
	    "198.51.100.1" },
	{ "untrusted-remote-fwd", "198.51.100.1", FWD_FORWARDED,
	    "for=203.0.113.7", "198.51.100.1" },
	{ "no-header", "10.0.0.1", FWD_XFF, NULL, "10.0.0.1" },
	/* X-Forwarded-For. */
	{ "xff-one", "10.0.0.1", FWD_XFF, "203.0.113.7", "203.0.113.7" },
	{ "xff-spoof-left", "10.0.0.1", FWD_XFF, "1.2.3.4, 203.0.113.7",
	    "203.0.113.7" },
	{ "xff-two-proxies", "10.0.0.1", FWD_XFF,
	    "1.2.3.4, 203.0.113.7, 10.9.9.9", "203.0.113.7" },
	{ "xff-all-trusted", "10.0.0.1", FWD_XFF, "10.1.1.1, 10.2.2.2",
	    "10.1.1.1" },
	{ "xff-port", "10.0.0.1", FWD_XFF, "203.0.113.7:5555", "203.0.113.7" },
	{ "xff-v6", "::1", FWD_XFF, "2001:db8::7", "2001:db8::7" },
	{ "xff-v6-bracket-port", "::1", FWD_XFF, "[2001:db8::7]:443",
	    "2001:db8::7" },
	{ "xff-v4-mapped-remote", "::ffff:10.0.0.1", FWD_XFF, "203.0.113.7",
	    "203.0.113.7" },
	{ "xff-v6-proxy", "2001:db8:ffff:1::1", FWD_XFF, "203.0.113.7",
	    "203.0.113.7" },
	{ "xff-v6-outside-range", "2001:db8:fffe::1", FWD_XFF, "203.0.113.7",
	    "2001:db8:fffe::1" },
	{ "xff-ows", "10.0.0.1", FWD_XFF, " \t203.0.113.7 \t", "203.0.113.7" },
	/* Junk stops the walk at the last trusted hop. */
	{ "xff-unknown", "10.0.0.1", FWD_XFF, "unknown", "10.0.0.1" },
	{ "xff-empty", "10.0.0.1", FWD_XFF, "", "10.0.0.1" },
	{ "xff-empty-hop", "10.0.0.1", FWD_XFF, "203.0.113.7,", "10.0.0.1" },
	{ "xff-junk-after-trusted", "10.0.0.1", FWD_XFF, "junk, 10.3.3.3",
	    "10.3.3.3" },
	{ "xff-hostname", "10.0.0.1", FWD_XFF, "evil.example", "10.0.0.1" },
	{ "xff-zone", "::1", FWD_XFF, "fe80::1%eth0", "::1" },
	{ "xff-two-colons-v4", "10.0.0.1", FWD_XFF, "1.2.3.4:5:6", "10.0.0.1" },
	{ "xff-bad-port", "10.0.0.1", FWD_XFF, "1.2.3.4:", "10.0.0.1" },
	{ "xff-bracket-junk", "10.0.0.1", FWD_XFF, "[2001:db8::1]x",
	    "10.0.0.1" },
	{ "xff-unclosed-bracket", "10.0.0.1", FWD_XFF, "[2001:db8::1",
	    "10.0.0.1" },
	{ "xff-leading-zero-octet", "10.0.0.1", FWD_XFF, "01.2.3.4",
	    "10.0.0.1" },
	{ "xff-too-long-hop", "10.0.0.1", FWD_XFF,
	    "2001:0db8:0000:0000:0000:0000:0000:0001:0000000000000000000000000"
	    "00000000000000000000000", "10.0.0.1" },
	/* Forwarded (RFC 7239). */
	{ "fwd-one", "10.0.0.1", FWD_FORWARDED, "for=192.0.2.60",
	    "192.0.2.60" },
	{ "fwd-params", "10.0.0.1", FWD_FORWARDED,
	    "for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60" },
	{ "fwd-case", "10.0.0.1", FWD_FORWARDED, "For=\"192.0.2.60\"",
	    "192.0.2.60" },
	{ "fwd-v6-quoted", "10.0.0.1", FWD_FORWARDED,
	    "for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17" },
	{ "fwd-spoof-left", "10.0.0.1", FWD_FORWARDED,
	    "for=1.2.3.4, for=192.0.2.60", "192.0.2.60" },
	{ "fwd-comma-in-quotes", "10.0.0.1", FWD_FORWARDED,
	    "for=\"1.2.3.4, 10.0.0.7\"", "10.0.0.1" },
	{ "fwd-obfuscated", "10.0.0.1", FWD_FORWARDED, "for=_hidden",
	    "10.0.0.1" },
	{ "fwd-unknown", "10.0.0.1", FWD_FORWARDED, "for=unknown",
	    "10.0.0.1" },
	{ "fwd-no-for", "10.0.0.1", FWD_FORWARDED, "by=192.0.2.1", "10.0.0.1" },
	{ "fwd-unterminated-quote", "10.0.0.1", FWD_FORWARDED,
	    "for=\"192.0.2.60", "10.0.0.1" },
	{ "fwd-escape", "10.0.0.1", FWD_FORWARDED, "for=\"192.0.2.\\60\"",
	    "10.0.0.1" },
	{ "fwd-escape-at-end", "10.0.0.1", FWD_FORWARDED, "for=\"\\",
	    "10.0.0.1" },
	{ "fwd-chain", "10.0.0.1", FWD_FORWARDED,
	    "for=192.0.2.60, for=10.4.4.4;proto=https", "192.0.2.60" },
	{ "fwd-obfuscated-port", "10.0.0.1", FWD_FORWARDED,
	    "for=\"192.0.2.60:_abc\"", "192.0.2.60" },
	/* The remote itself. */
	{ "remote-junk", "not-an-address", FWD_XFF, "203.0.113.7", "unknown" },
};

static void
t_cases(void **state)
{
	struct cidr	 c[4];
	char		 out[FWD_VALUE_MAX];
	size_t		 i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(fwd_cidr(proxies[i], &c[i]), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fwd_client(cases[i].remote, cases[i].header, cases[i].kind, c, 4,
		    out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].name, out,
			    cases[i].want);
	}
}

/* Headers past the caps: a walk that gives up lands on a trusted hop. */
static void
t_bounds(void **state)
{
	struct cidr	 c;
	char		*h, out[FWD_VALUE_MAX];
	size_t		 i, n = FWD_HEADER_MAX + 100;

	(void)state;
	assert_int_equal(fwd_cidr("10.0.0.0/8", &c), 0);
	assert_non_null(h = malloc(n + 32));
	/* Over FWD_HEADER_MAX: not read at all. */
	memset(h, ' ', n);
	strcpy(h + n, "203.0.113.7");
	fwd_client("10.0.0.1", h, FWD_XFF, &c, 1, out, sizeof(out));
	assert_string_equal(out, "10.0.0.1");
	/* Many hops, the client at the left of 40 trusted ones: the walk
	 * stops after FWD_HOPS_MAX, on a trusted hop. */
	h[0] = '\0';
	strcat(h, "203.0.113.7");
	for (i = 0; i < 40; i++)
		strcat(h, ",10.0.0.2");
	fwd_client("10.0.0.1", h, FWD_XFF, &c, 1, out, sizeof(out));
	assert_string_equal(out, "10.0.0.2");
	/* The client among the rightmost FWD_HOPS_MAX: found. */
	h[0] = '\0';
	strcat(h, "1.1.1.1,203.0.113.7");
	for (i = 0; i < FWD_HOPS_MAX - 2; i++)
		strcat(h, ",10.0.0.2");
	fwd_client("10.0.0.1", h, FWD_XFF, &c, 1, out, sizeof(out));
	assert_string_equal(out, "203.0.113.7");
	free(h);
}

static void
t_cidr(void **state)
{
	static const struct {
		const char	*s;
		int		 ok;
		unsigned	 bits;
	} v[] = {
		{ "192.0.2.0/24", 0, 120 }, { "192.0.2.1", 0, 128 },
		{ "0.0.0.0/0", 0, 96 }, { "2001:db8::/32", 0, 32 },
		{ "::1", 0, 128 }, { "::/0", 0, 0 },
		{ "192.0.2.1/24", -1, 0 }, { "192.0.2.0/33", -1, 0 },
		{ "2001:db8::/129", -1, 0 }, { "192.0.2.0/", -1, 0 },
		{ "192.0.2.0/+8", -1, 0 }, { "192.0.2.0/0008", -1, 0 },
		{ "", -1, 0 }, { "/8", -1, 0 }, { "example.org", -1, 0 },
		{ "10.0.0.0/8/8", -1, 0 },
	};
	struct cidr	 c;
	unsigned char	 a[16];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (fwd_cidr(v[i].s, &c) != v[i].ok)
			fail_msg("%s: want %d", v[i].s, v[i].ok);
		if (v[i].ok == 0 && c.bits != v[i].bits)
			fail_msg("%s: %u bits", v[i].s, c.bits);
	}
	assert_int_equal(fwd_cidr("192.168.0.0/16", &c), 0);
	assert_int_equal(fwd_addr("192.168.255.1", 13, a), 0);
	assert_int_equal(fwd_trusted(&c, 1, a), 1);
	assert_int_equal(fwd_addr("192.169.0.1", 11, a), 0);
	assert_int_equal(fwd_trusted(&c, 1, a), 0);
	assert_int_equal(fwd_cidr("2001:db8:80::/41", &c), 0);
	assert_int_equal(fwd_addr("2001:db8:ff::1", 14, a), 0);
	assert_int_equal(fwd_trusted(&c, 1, a), 1);
	assert_int_equal(fwd_addr("2001:db8:7f::1", 14, a), 0);
	assert_int_equal(fwd_trusted(&c, 1, a), 0);
	/* An IPv4 range never holds an IPv6 address, nor the reverse. */
	assert_int_equal(fwd_cidr("0.0.0.0/0", &c), 0);
	assert_int_equal(fwd_addr("2001:db8::1", 11, a), 0);
	assert_int_equal(fwd_trusted(&c, 1, a), 0);
	assert_int_equal(fwd_header_kind("x-forwarded-FOR"), FWD_XFF);
	assert_int_equal(fwd_header_kind("Forwarded"), FWD_FORWARDED);
	assert_int_equal(fwd_header_kind("X-Real-IP"), FWD_NONE);
	assert_string_equal(fwd_header_var(FWD_XFF), "HTTP_X_FORWARDED_FOR");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_cases),
		cmocka_unit_test(t_bounds),
		cmocka_unit_test(t_cidr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
