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
	};

	return cmocka_run_group_tests_name("smstext", tests, NULL, NULL);
}
