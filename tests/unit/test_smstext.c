/* Unit tests of lib/sms/smstext.c with sms_fits of lib/sms/sms.c: the SMS text of
 * PROTOCOL.md section 8.3 (placeholders, {link} with {code} inside, the
 * WebOTP line) and the one-SMS limit checked at start-up. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <regex.h>

#include "bounds.h"
#include "config.h"
#include "sms.h"
#include "smstext.h"

/* The compiled-in defaults, through config_load of an empty file. */
static void
defaults(struct config *c)
{
	char	 path[] = "/tmp/idprover-smstext.XXXXXX", err[256];
	int	 fd;

	unsetenv("IDPROVER_CONF");
	unsetenv("IDPROVER_VAR");
	unsetenv("IDPROVER_BASE_URL");
	unsetenv("IDPROVER_SMS_GATEWAY");
	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp");
	if (write(fd, "{}", 2) != 2)
		fail_msg("write");
	close(fd);
	if (config_load(c, path, err, sizeof(err)) != 0)
		fail_msg("config_load: %s", err);
	unlink(path);
}

static void
set(char *dst, size_t size, const char *v)
{
	assert_true(strlen(v) < size);
	memcpy(dst, v, strlen(v) + 1);
}
#define SET(c, m, v)	set((c)->m, sizeof((c)->m), (v))

/* The runs of at least 6 digits in s: how many, and the first. */
static int
digit_runs(const char *s, char first[32])
{
	size_t	 n;
	int	 runs = 0;

	first[0] = '\0';
	while (*s != '\0') {
		n = strspn(s, "0123456789");
		if (n >= 6) {
			if (runs++ == 0)
				snprintf(first, 32, "%.*s", (int)n, s);
		}
		s += n > 0 ? n : 1;
	}
	return runs;
}

static void
test_default_template(void **state)
{
	static const char *const codes[] = { "123456", "000000", "999999",
	    "012345" };
	struct config	 c;
	char		 out[SMS_TEXT_MAX], run[32], err[256];
	size_t		 i;
	int		 ucs2;

	(void)state;
	defaults(&c);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_int_equal(smstext_render(&c, codes[i], out,
		    sizeof(out)), 0);
		/* The code is the only run of six digits: what WebOTP-less
		 * autofill and the user's eye pick up. */
		assert_int_equal(digit_runs(out, run), 1);
		assert_string_equal(run, codes[i]);
		/* Every placeholder was replaced. */
		assert_null(strchr(out, '{'));
		assert_null(strchr(out, '}'));
		assert_non_null(strstr(out, c.sms_platform));
		assert_non_null(strstr(out, "10"));
		/* No trailing line break or space. */
		assert_true(out[strlen(out) - 1] != '\n');
		assert_true(out[strlen(out) - 1] != ' ');
		assert_true(sms_fits(out, &ucs2));
		assert_int_equal(ucs2, 0);
	}
	assert_int_equal(smstext_check(&c, err, sizeof(err)), 0);
}

/* PROTOCOL.md 8.3: the default template ends with a {link} line. */
static void
test_default_template_link(void **state)
{
	struct config	 c;
	char		 out[SMS_TEXT_MAX];
	const char	*nl;

	(void)state;
	defaults(&c);
	SET(&c, sms_link, "https://chat.example/v");
	assert_int_equal(smstext_render(&c, "123456", out, sizeof(out)), 0);
	if ((nl = strrchr(out, '\n')) == NULL)
		fail_msg("no {link} line in \"%s\"", out);
	assert_string_equal(nl + 1, "https://chat.example/v");
}

static void
test_placeholders(void **state)
{
	static const struct {
		const char	*tmpl;
		const char	*platform;
		const char	*link;
		const char	*want;
	} t[] = {
		{ "{code}", "P", "", "123456" },
		{ "{platform}: {code} ({minutes} min)", "Chat", "",
		    "Chat: 123456 (10 min)" },
		{ "{code}{code}", "P", "", "123456123456" },
		/* {link} with {code} inside. */
		{ "Code {code}\n{link}", "P", "https://p.example/v#{code}",
		    "Code 123456\nhttps://p.example/v#123456" },
		{ "{link} {code}", "P", "https://p.example/{platform}?c={code}",
		    "https://p.example/P?c=123456 123456" },
		/* {link} is expanded once, not inside itself. */
		{ "{code} {link}", "P", "x{link}y", "123456 xy" },
		/* An empty {link} line is dropped. */
		{ "Code {code}\n{link}", "P", "", "Code 123456" },
		/* Values are not expanded again. */
		{ "{platform} {code}", "{code}", "", "{code} 123456" },
		{ "{platform} {code}", "{link}", "L", "{link} 123456" },
		/* Unknown and broken placeholders stay as written. */
		{ "{Code} {code} {nope}", "P", "", "{Code} 123456 {nope}" },
		{ "{code} {", "P", "", "123456 {" },
		{ "{{code}}", "P", "", "{{code}}" },
		{ "} {code}", "P", "", "} 123456" },
	};
	struct config	 c;
	char		 out[SMS_TEXT_MAX];
	size_t		 i;

	(void)state;
	defaults(&c);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		SET(&c, sms_template, t[i].tmpl);
		SET(&c, sms_platform, t[i].platform);
		SET(&c, sms_link, t[i].link);
		if (smstext_render(&c, "123456", out, sizeof(out)) != 0)
			fail_msg("%s: refused", t[i].tmpl);
		if (strcmp(out, t[i].want) != 0)
			fail_msg("template \"%s\": \"%s\", want \"%s\"",
			    t[i].tmpl, out, t[i].want);
	}
}

static void
test_webotp(void **state)
{
	struct config	 c;
	char		 out[SMS_TEXT_MAX], err[256];
	const char	*last;

	(void)state;
	defaults(&c);
	SET(&c, sms_template, "{platform} code: {code}\n{link}");
	SET(&c, sms_link, "");
	SET(&c, sms_webotp_host, "chat.example");
	assert_int_equal(smstext_render(&c, "123456", out, sizeof(out)), 0);
	/* The last line is exactly "@host #code", after a blank line. */
	last = strrchr(out, '\n');
	assert_non_null(last);
	assert_string_equal(last + 1, "@chat.example #123456");
	assert_true(last - out >= 1 && last[-1] == '\n');
	assert_int_equal(strncmp(out, "idprover code: 123456\n\n", 23), 0);
	assert_int_equal(smstext_check(&c, err, sizeof(err)), 0);
	/* With a link: the link line, then the WebOTP line. */
	SET(&c, sms_link, "https://chat.example/v#{code}");
	assert_int_equal(smstext_render(&c, "654321", out, sizeof(out)), 0);
	assert_string_equal(out, "idprover code: 654321\n"
	    "https://chat.example/v#654321\n\n@chat.example #654321");
}

/* A GSM-7 template: n copies of fill and {code}. */
static void
gsm_template(struct config *c, const char *fill, int n)
{
	char	 t[SMS_TEXT_MAX];
	size_t	 len = 0;
	int	 i;

	for (i = 0; i < n; i++) {
		assert_true(len + strlen(fill) < sizeof(t) - 8);
		memcpy(t + len, fill, strlen(fill));
		len += strlen(fill);
	}
	memcpy(t + len, "{code}", 7);
	SET(c, sms_template, t);
}

static void
test_check_limits(void **state)
{
	struct config	 c;
	char		 err[256];

	(void)state;
	defaults(&c);
	/* 154 + 6 = 160 GSM-7 characters fit; 161 do not. */
	gsm_template(&c, "a", 154);
	assert_int_equal(smstext_check(&c, err, sizeof(err)), 0);
	gsm_template(&c, "a", 155);
	err[0] = '\0';
	assert_int_equal(smstext_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sms_template"));
	/* Extension characters count twice: 77 x 2 + 6 = 160. */
	gsm_template(&c, "[", 77);
	assert_int_equal(smstext_check(&c, err, sizeof(err)), 0);
	gsm_template(&c, "\xe2\x82\xac", 78);	/* EURO SIGN */
	assert_int_equal(smstext_check(&c, err, sizeof(err)), -1);
	/* The platform and the link count too. */
	gsm_template(&c, "a", 140);
	SET(&c, sms_template, "{platform} {code}");
	SET(&c, sms_platform, "Chat");
	assert_int_equal(smstext_check(&c, err, sizeof(err)), 0);
	SET(&c, sms_template, "{code} {link}");
	SET(&c, sms_link, "https://chat.example/verify/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa#"
	    "{code}");
	assert_int_equal(smstext_check(&c, err, sizeof(err)), -1);
	/* So does the WebOTP line. */
	SET(&c, sms_link, "");
	gsm_template(&c, "a", 140);
	assert_int_equal(smstext_check(&c, err, sizeof(err)), 0);
	SET(&c, sms_webotp_host, "chat.example");
	assert_int_equal(smstext_check(&c, err, sizeof(err)), -1);
	/* Far too long in any alphabet. */
	SET(&c, sms_webotp_host, "");
	gsm_template(&c, "\xd0\x96", 230);
	assert_int_equal(smstext_check(&c, err, sizeof(err)), -1);
}

static void
test_check_ucs2(void **state)
{
	struct config	 c;
	char		 err[256], out[SMS_TEXT_MAX];
	int		 ucs2 = -1;

	(void)state;
	defaults(&c);
	/* CYRILLIC CAPITAL ZHE is not in GSM 03.38: UCS-2, 70 at most. */
	gsm_template(&c, "\xd0\x96", 64);
	if (smstext_check(&c, err, sizeof(err)) != 0)
		fail_msg("70 UCS-2 characters refused: %s", err);
	assert_int_equal(smstext_render(&c, "123456", out, sizeof(out)), 0);
	assert_true(sms_fits(out, &ucs2));
	assert_int_equal(ucs2, 1);
	gsm_template(&c, "\xd0\x96", 65);
	assert_int_equal(smstext_check(&c, err, sizeof(err)), -1);
	/* A short Cyrillic text with the platform and minutes. */
	SET(&c, sms_template, "\xd0\x9a\xd0\xbe\xd0\xb4 {platform}: {code}, "
	    "{minutes} \xd0\xbc\xd0\xb8\xd0\xbd.");
	assert_int_equal(smstext_check(&c, err, sizeof(err)), 0);
	/* Outside the BMP: neither GSM-7 nor UCS-2. */
	SET(&c, sms_template, "\xf0\x9f\x98\x80 {code}");
	assert_int_equal(smstext_check(&c, err, sizeof(err)), -1);
}

static void
test_render_small(void **state)
{
	struct config	 c;
	char		 out[64];
	size_t		 need;

	(void)state;
	defaults(&c);
	SET(&c, sms_template, "Code {code} for {platform}");
	SET(&c, sms_platform, "Chat");
	need = strlen("Code 123456 for Chat") + 1;
	assert_int_equal(smstext_render(&c, "123456", out, need), 0);
	assert_string_equal(out, "Code 123456 for Chat");
	assert_int_equal(smstext_render(&c, "123456", out, need - 1), -1);
	assert_int_equal(smstext_render(&c, "123456", out, 1), -1);
	/* The WebOTP line needs room too. */
	SET(&c, sms_webotp_host, "h");
	assert_int_equal(smstext_render(&c, "123456", out, need), -1);
	assert_int_equal(smstext_render(&c, "123456", out, sizeof(out)), 0);
	assert_string_equal(out, "Code 123456 for Chat\n\n@h #123456");
}

/* The WICG "Origin-bound one-time codes delivered via SMS" format: the
 * last line is "@" host " #" code, the code without whitespace or '#'.
 * Returns 1 and the host and code when the text ends so. */
static int
webotp_parse(const char *text, char *host, size_t hsz, char *code,
    size_t csz)
{
	const char	*last = strrchr(text, '\n'), *sp;
	size_t		 n;

	last = last == NULL ? text : last + 1;
	if (last[0] != '@' || (sp = strstr(last, " #")) == NULL)
		return 0;
	n = (size_t)(sp - last - 1);
	if (n == 0 || n >= hsz || strspn(last + 1, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n)
		return 0;
	memcpy(host, last + 1, n);
	host[n] = '\0';
	sp += 2;
	n = strlen(sp);
	if (n == 0 || n >= csz || strcspn(sp, "# \t\r\n") != n)
		return 0;
	memcpy(code, sp, n + 1);
	return 1;
}

/* Chromium's pattern (content/browser/sms/sms_parser.cc, kOtpFormatRegex
 * "(?:^|\s)@([a-zA-Z0-9.-]+) #([^#\s]+)"), as POSIX ERE, anchored at the
 * end as the specification's last line is. */
static int
webotp_chromium(const char *text, char *host, char *code)
{
	regex_t		 re;
	regmatch_t	 m[4];
	int		 rc;

	assert_int_equal(regcomp(&re, "(^|[[:space:]])@([a-zA-Z0-9.-]+) "
	    "#([^#[:space:]]+)$", REG_EXTENDED), 0);
	rc = regexec(&re, text, 4, m, 0);
	if (rc == 0) {
		snprintf(host, 128, "%.*s", (int)(m[2].rm_eo - m[2].rm_so),
		    text + m[2].rm_so);
		snprintf(code, 32, "%.*s", (int)(m[3].rm_eo - m[3].rm_so),
		    text + m[3].rm_so);
	}
	regfree(&re);
	return rc == 0;
}

/* The SMS Retriever rules (Android): the message is at most 140 octets
 * (one SMS: 160 GSM-7 septets or 70 UCS-2 characters, which sms_fits
 * checks), holds the one-time code, and holds the app's 11-character
 * hash as a word of its own. */
static int
retriever_ok(const char *text, const char *hash, const char *code)
{
	const char	*p = text;
	size_t		 n;
	int		 ucs2, found = 0;

	if (!sms_fits(text, &ucs2) || strstr(text, code) == NULL)
		return 0;
	while (*p != '\0') {
		n = strcspn(p, " \n");
		if (n == APP_HASH_LEN && strncmp(p, hash, n) == 0)
			found = 1;
		p += n + (p[n] != '\0');
	}
	return found;
}

/* A platform's name, app hashes and WebOTP origin, each where
 * the handset looks for it; the text still one SMS. */
static void
test_platform_format(void **state)
{
	struct config	 c;
	struct smsfmt	 f;
	char		 out[SMS_TEXT_MAX], host[128], code[32], err[256];
	const char	*nl;
	int		 ucs2;

	(void)state;
	defaults(&c);
	memset(&f, 0, sizeof(f));
	f.shown = "Alpha Chat";
	f.origin = "alpha.example";
	f.hashes[0] = "FA+9qCX9VSu";
	f.hashes[1] = "b/7Xz0Q1w2E";
	assert_int_equal(smstext_check_for(&c, &f, err, sizeof(err)), 0);
	assert_int_equal(smstext_render_for(&c, &f, "123456", out,
	    sizeof(out)), 0);
	assert_true(strncmp(out, "Alpha Chat verification code: 123456.",
	    37) == 0);
	assert_non_null(strstr(out, "only in Alpha Chat."));
	/* The hashes on the line before the last, after an empty line. */
	assert_non_null(strstr(out, ".\n\nFA+9qCX9VSu b/7Xz0Q1w2E\n@"));
	nl = strrchr(out, '\n');
	assert_string_equal(nl + 1, "@alpha.example #123456");
	assert_true(webotp_parse(out, host, sizeof(host), code,
	    sizeof(code)));
	assert_string_equal(host, "alpha.example");
	assert_string_equal(code, "123456");
	assert_true(webotp_chromium(out, host, code));
	assert_string_equal(host, "alpha.example");
	assert_string_equal(code, "123456");
	assert_true(retriever_ok(out, "FA+9qCX9VSu", "123456"));
	assert_true(retriever_ok(out, "b/7Xz0Q1w2E", "123456"));
	assert_true(sms_fits(out, &ucs2));
	assert_int_equal(ucs2, 0);

	/* Hashes without an origin: the hash line ends the text. */
	f.origin = NULL;
	assert_int_equal(smstext_render_for(&c, &f, "654321", out,
	    sizeof(out)), 0);
	nl = strrchr(out, '\n');
	assert_string_equal(nl + 1, "FA+9qCX9VSu b/7Xz0Q1w2E");
	assert_false(webotp_parse(out, host, sizeof(host), code,
	    sizeof(code)));
	assert_false(webotp_chromium(out, host, code));
	/* An origin only: as the configured WebOTP line. */
	memset(&f, 0, sizeof(f));
	f.origin = "b.example";
	assert_int_equal(smstext_render_for(&c, &f, "000111", out,
	    sizeof(out)), 0);
	assert_non_null(strstr(out, "idprover verification code: 000111"));
	assert_non_null(strstr(out, ".\n\n@b.example #000111"));
	assert_true(webotp_chromium(out, host, code));
	assert_string_equal(code, "000111");
}

/* A platform whose text cannot be one SMS is refused: GSM-7 over 160,
 * and a UCS-2 name that leaves no room for a WebOTP line. */
static void
test_platform_fit(void **state)
{
	struct config	 c;
	struct smsfmt	 f;
	char		 err[256], out[SMS_TEXT_MAX];
	int		 ucs2;

	(void)state;
	defaults(&c);
	memset(&f, 0, sizeof(f));
	f.shown = "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW";
	f.origin = "ooooooooooooooooooooooooooooooooooooooooooooo.example";
	f.hashes[0] = "AAAAAAAAAAA";
	f.hashes[1] = "BBBBBBBBBBB";
	f.hashes[2] = "CCCCCCCCCCC";
	assert_int_equal(smstext_check_for(&c, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not fit one SMS"));
	memset(&f, 0, sizeof(f));
	f.shown = "\xd0\xa7\xd0\xb0\xd1\x82";	/* Чат */
	assert_int_equal(smstext_check_for(&c, &f, err, sizeof(err)), 0);
	assert_int_equal(smstext_render_for(&c, &f, "123456", out,
	    sizeof(out)), 0);
	assert_true(sms_fits(out, &ucs2));
	assert_int_equal(ucs2, 1);
	f.origin = "alpha.example";
	assert_int_equal(smstext_check_for(&c, &f, err, sizeof(err)), -1);
}

static void
test_platform_values(void **state)
{
	static const char *const good[] = { "alpha.example", "a-b.c",
	    "localhost", "x1.y2.z3", "A.EXAMPLE" };
	static const char *const bad[] = { "", "https://a.example",
	    "a.example:443", "-a.example", "a-.example", "a..example",
	    ".a", "a.", "a b", "a/b", "a_b.example", "\xc3\xa9.example",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example" };
	static const char *const hgood[] = { "FA+9qCX9VSu", "0123456789a",
	    "//////////+" };
	static const char *const hbad[] = { "", "FA+9qCX9VS", "FA+9qCX9VSuu",
	    "FA-9qCX9VSu", "FA 9qCX9VSu", "FA+9qCX9VS=" };
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(smstext_origin_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (smstext_origin_ok(bad[i]))
			fail_msg("origin \"%s\" accepted", bad[i]);
	for (i = 0; i < sizeof(hgood) / sizeof(hgood[0]); i++)
		assert_true(smstext_hash_ok(hgood[i]));
	for (i = 0; i < sizeof(hbad) / sizeof(hbad[0]); i++)
		if (smstext_hash_ok(hbad[i]))
			fail_msg("hash \"%s\" accepted", hbad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_template),
		cmocka_unit_test(test_default_template_link),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_webotp),
		cmocka_unit_test(test_check_limits),
		cmocka_unit_test(test_check_ucs2),
		cmocka_unit_test(test_render_small),
		cmocka_unit_test(test_platform_format),
		cmocka_unit_test(test_platform_fit),
		cmocka_unit_test(test_platform_values),
	};

	return cmocka_run_group_tests_name("smstext", tests, NULL, NULL);
}
