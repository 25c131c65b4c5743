/* Unit tests for lib/sms/sms.c and the file, exec and http gateways. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <limits.h>

#include "log.h"
#include "transport.h"

#define TO	"15551230000"

static char	 tmpdir[256];	/* short, so paths built from it fit */

/* Repeat s n times into a static buffer. */
static const char *
rep(const char *s, int n, const char *tail)
{
	static char	 buf[2048];
	int		 i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(buf, s);
	strcat(buf, tail);
	return buf;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static size_t
read_file(const char *path, char *buf, size_t bufsz)
{
	size_t	 n;
	FILE	*f;

	assert_non_null(f = fopen(path, "r"));
	n = fread(buf, 1, bufsz - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static int
setup_all(void **state)
{
	const char	*base = getenv("TMPDIR");
	int		 n;

	(void)state;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	n = snprintf(tmpdir, sizeof(tmpdir), "%s/test_sms.XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(tmpdir) || mkdtemp(tmpdir) == NULL)
		return -1;
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	log_set_name("test_sms");
	return 0;
}

static int
teardown_all(void **state)
{
	char	 cmd[sizeof(tmpdir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * sms_fits
 */

static void
test_fits_table(void **state)
{
	static const struct {
		const char	*name;
		int		 n;		/* repeat s n times, then tail */
		const char	*s;
		const char	*tail;
		int		 fits;
		int		 ucs2;
	} t[] = {
		{ "empty", 0, "", "", 1, 0 },
		{ "ascii", 1, "Code 123456. Valid 10 min.", "", 1, 0 },
		{ "gsm basic", 1, "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'"
		    "()*+,-./0123456789:;<=>?¡ÄÖÑÜ§¿äöñüà", "", 1, 0 },
		{ "gsm 160", 160, "a", "", 1, 0 },
		{ "gsm 161", 161, "a", "", 0, 0 },
		{ "umlaut 160", 160, "ü", "", 1, 0 },
		{ "euro 80 = 160", 80, "€", "", 1, 0 },
		{ "euro 80 + 1 = 161", 80, "€", "a", 0, 0 },
		{ "ext 158+2", 158, "a", "[", 1, 0 },
		{ "ext 159+2", 159, "a", "]", 0, 0 },
		{ "each ext char", 1, "^{}\\[~]|€", "", 1, 0 },
		{ "ext 9 = 18 + 142", 142, "a", "^{}\\[~]|€", 1, 0 },
		{ "ext 9 = 18 + 143", 143, "a", "^{}\\[~]|€", 0, 0 },
		{ "c cedilla small", 1, "ç", "", 1, 1 },
		{ "backtick", 1, "`", "", 1, 1 },
		{ "cyrillic 70", 70, "Ж", "", 1, 1 },
		{ "cyrillic 71", 71, "Ж", "", 0, 0 },
		{ "mixed 69 + euro", 69, "Ж", "€", 1, 1 },
		{ "ascii 69 + cjk", 69, "a", "中", 1, 1 },
		{ "ascii 70 + cjk", 70, "a", "中", 0, 0 },
		{ "non-BMP", 1, "\xf0\x9f\x98\x80", "", 0, 0 },
		{ "bad lead", 1, "\xff", "", 0, 0 },
		{ "truncated 2", 1, "a\xc3", "", 0, 0 },
		{ "truncated 3", 1, "\xe2\x82", "", 0, 0 },
		{ "stray continuation", 1, "a\x80" "b", "", 0, 0 },
		{ "overlong slash", 1, "\xc0\xaf", "", 0, 0 },
		{ "overlong 3", 1, "\xe0\x80\xaf", "", 0, 0 },
		{ "surrogate", 1, "\xed\xa0\x80", "", 0, 0 },
		{ "above U+10FFFF", 1, "\xf4\x90\x80\x80", "", 0, 0 },
		{ "5-octet form", 1, "\xf8\x88\x80\x80\x80", "", 0, 0 },
	};
	size_t	 i;
	int	 ucs2, fits;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ucs2 = -1;
		fits = sms_fits(rep(t[i].s, t[i].n, t[i].tail), &ucs2);
		if (fits != t[i].fits || (fits && ucs2 != t[i].ucs2))
			fail_msg("%s: fits %d ucs2 %d", t[i].name, fits, ucs2);
	}
	assert_int_equal(sms_fits(NULL, &ucs2), 0);
	assert_int_equal(sms_fits("abc", NULL), 1);
}

static void
test_encode(void **state)
{
	unsigned char	 out[SMPP_SM_MAX];
	static const unsigned char gsm[] = {
		0x00, 0x1b, 0x65, 0x7e, 0x1b, 0x3c, 0x02, 0x11, 0x0a
	};
	static const unsigned char ucs2[] = { 0x04, 0x16, 0x00, 0x61,
	    0x20, 0xac };

	(void)state;
	assert_int_equal(sms_encode("@€ü[$_\n", 0, out, sizeof(out)),
	    sizeof(gsm));
	assert_memory_equal(out, gsm, sizeof(gsm));
	assert_int_equal(sms_encode("Жa€", 1, out, sizeof(out)),
	    sizeof(ucs2));
	assert_memory_equal(out, ucs2, sizeof(ucs2));
	assert_int_equal(sms_encode("Ж", 0, out, sizeof(out)), -1);
	assert_int_equal(sms_encode("\xf0\x9f\x98\x80", 1, out, sizeof(out)),
	    -1);
	assert_int_equal(sms_encode("abc", 0, out, 2), -1);
	assert_int_equal(sms_encode("€", 0, out, 1), -1);
	assert_int_equal(sms_encode(rep("a", 160, ""), 0, out, sizeof(out)),
	    160);
	assert_int_equal(sms_encode(rep("Ж", 70, ""), 1, out, sizeof(out)),
	    140);
}

/*
 * URL parsing
 */

static int
parse(struct gateway *gw, const char *url, const char *body)
{
	char	 err[SMS_ERR_MAX] = "";
	int	 rc;

	memset(gw, 0, sizeof(*gw));
	rc = gw_parse(gw, url, body, err, sizeof(err));
	if (rc == -1 && err[0] == '\0')
		fail_msg("%s: refused without a reason", url);
	return rc;
}

static void
test_parse_smpp(void **state)
{
	struct gateway	 gw;

	(void)state;
	assert_int_equal(parse(&gw, "smpp://idprover:s%40cr%3At@"
	    "smsc.example.test?source_addr=IdProver&source_ton=5&"
	    "source_npi=0", NULL), 0);
	assert_int_equal(gw.scheme, GW_SMPP);
	assert_string_equal(gw.smpp.system_id, "idprover");
	assert_string_equal(gw.smpp.password, "s@cr:t");
	assert_string_equal(gw.smpp.host, "smsc.example.test");
	assert_string_equal(gw.smpp.port, "2775");
	assert_string_equal(gw.smpp.source_addr, "IdProver");
	assert_int_equal(gw.smpp.source_ton, 5);
	assert_int_equal(gw.smpp.source_npi, 0);
	gw_free(&gw);

	assert_int_equal(parse(&gw, "SMPP://abcdefghijklmno:12345678@"
	    "127.0.0.1:2776/?source_addr=12025550123", NULL), 0);
	assert_string_equal(gw.smpp.system_id, "abcdefghijklmno");
	assert_string_equal(gw.smpp.password, "12345678");
	assert_string_equal(gw.smpp.port, "2776");
	assert_int_equal(gw.smpp.source_ton, 1);
	assert_int_equal(gw.smpp.source_npi, 1);
	gw_free(&gw);

	assert_int_equal(parse(&gw, "smpp://u@[::1]:2777?source_addr=4242",
	    NULL), 0);
	assert_string_equal(gw.smpp.host, "::1");
	assert_string_equal(gw.smpp.port, "2777");
	assert_string_equal(gw.smpp.password, "");
	assert_int_equal(gw.smpp.source_ton, 3);
	assert_int_equal(gw.smpp.source_npi, 0);
	gw_free(&gw);

	assert_int_equal(parse(&gw, "smpp://u:@localhost?source_addr="
	    "Id%20Prover&source_npi=1", NULL), 0);
	assert_string_equal(gw.smpp.source_addr, "Id Prover");
	assert_int_equal(gw.smpp.source_ton, 5);
	assert_int_equal(gw.smpp.source_npi, 1);
	gw_free(&gw);
}

static void
test_parse_other(void **state)
{
	struct gateway	 gw;

	(void)state;
	assert_int_equal(parse(&gw, "file:///var/lib/idprover/sms%20out."
	    "jsonl", NULL), 0);
	assert_int_equal(gw.scheme, GW_FILE);
	assert_string_equal(gw.path, "/var/lib/idprover/sms out.jsonl");
	gw_free(&gw);

	assert_int_equal(parse(&gw, "exec:///usr/local/bin/send-sms", NULL),
	    0);
	assert_int_equal(gw.scheme, GW_EXEC);
	assert_string_equal(gw.path, "/usr/local/bin/send-sms");
	gw_free(&gw);

	assert_int_equal(parse(&gw, "http://127.0.0.1:13013/cgi-bin/sendsms"
	    "?username=u&password=p&to={to}&text={text}", NULL), 0);
	assert_int_equal(gw.scheme, GW_HTTP);
	assert_null(gw.body);
	gw_free(&gw);

	assert_int_equal(parse(&gw, "https://user:pw@sms.example.test/send",
	    "to={to}&text={text}"), 0);
	assert_string_equal(gw.body, "to={to}&text={text}");
	gw_free(&gw);

	assert_int_equal(parse(&gw, "http://[::1]/s?to={to}", "t={text}"), 0);
	gw_free(&gw);
}

static void
test_parse_hostile(void **state)
{
	static const struct {
		const char	*url;
		const char	*body;
	} t[] = {
		{ "", NULL },
		{ "smpp:", NULL },
		{ "smpp://", NULL },
		{ "smpp://u:p@", NULL },
		{ "smpp://u:p@:2775", NULL },
		{ "smpp://u:p@/", NULL },
		{ "smpp://u:p@h:", NULL },
		{ "smpp://u:p@h:0", NULL },
		{ "smpp://u:p@h:65536", NULL },
		{ "smpp://u:p@h:123456", NULL },
		{ "smpp://u:p@h:-1", NULL },
		{ "smpp://u:p@h:27a5", NULL },
		{ "smpp://u:p@h:+80", NULL },
		{ "smpp://u:p@h h", NULL },
		{ "smpp://u:p@h{x}", NULL },
		{ "smpp://u:p@[::1", NULL },
		{ "smpp://u:p@[]", NULL },
		{ "smpp://u:p@[::1]x", NULL },
		{ "smpp://127.0.0.1:2775", NULL },
		{ "smpp://:p@h", NULL },
		{ "smpp://abcdefghijklmnop:p@h", NULL },	/* 16 */
		{ "smpp://u:123456789@h", NULL },		/* 9 */
		{ "smpp://u%00:p@h", NULL },
		{ "smpp://u%0a:p@h", NULL },
		{ "smpp://u%zz:p@h", NULL },
		{ "smpp://u%4:p@h", NULL },
		{ "smpp://u:p%@h", NULL },
		{ "smpp://u:p@h/path", NULL },
		{ "smpp://u:p@h#frag", NULL },
		{ "smpp://u:p@h?source_addr=x#frag", NULL },
		{ "smpp://u:p@h?foo=bar", NULL },
		{ "smpp://u:p@h?source_addr", NULL },
		{ "smpp://u:p@h?source_addr=a&", NULL },
		{ "smpp://u:p@h?&source_addr=a", NULL },
		{ "smpp://u:p@h?source_ton=5&source_ton=5", NULL },
		{ "smpp://u:p@h?source_ton=7", NULL },
		{ "smpp://u:p@h?source_ton=", NULL },
		{ "smpp://u:p@h?source_npi=2", NULL },
		{ "smpp://u:p@h?source_npi=-1", NULL },
		{ "smpp://u:p@h?source_addr=IdProverTest", NULL },	/* 12 */
		{ "smpp://u:p@h?source_addr=123456789012345678901", NULL },
		{ "smpp://u:p@h?source_addr=Id&source_ton=1", NULL },
		{ "smpp://u:p@h", "to={to}" },
		{ "smpps://u:p@h", NULL },
		{ "sms://u:p@h", NULL },
		{ "ftp://h/x", NULL },
		{ "file:relative/path", NULL },
		{ "file://relative/path", NULL },
		{ "file://host/abs/path", NULL },
		{ "file:///", NULL },
		{ "file:///var/tmp/", NULL },
		{ "file:///var/tmp/x?y", NULL },
		{ "file:///var/tmp/x#y", NULL },
		{ "file:///var/tmp/x%00y", NULL },
		{ "file:///var/tmp/x%0ay", NULL },
		{ "exec:bin/send", NULL },
		{ "exec://bin/send", NULL },
		{ "exec:///", NULL },
		{ "exec:///usr/bin/x?arg", NULL },
		{ "http://", NULL },
		{ "http:///s?to={to}&text={text}", NULL },
		{ "http://h:99999/?to={to}&text={text}", NULL },
		{ "http://h:/?to={to}&text={text}", NULL },
		{ "http://h/?to={to}", NULL },
		{ "http://h/?text={text}", NULL },
		{ "http://h/?to={to}", "x=1" },
		{ "http://h/ ?to={to}&text={text}", NULL },
		{ "http://h/\n?to={to}&text={text}", NULL },
		{ "http://h/?to={to}&text={text}\x7f", NULL },
		{ "http://h/?to={to}&text={text}\xc3\xa9", NULL },
		{ "http://{to}.h/?text={text}", NULL },
		{ "http://u@/?to={to}&text={text}", NULL },
		{ "http://h/", "to={to}&text={text}\n" },
		{ "http://h/", "to={to} text={text}" },
	};
	struct gateway	 gw;
	char		 big[SMS_URL_MAX + 64], err[SMS_ERR_MAX];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (parse(&gw, t[i].url, t[i].body) != -1)
			fail_msg("accepted: %s", t[i].url);
		gw_free(&gw);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "file:///", 8);
	assert_int_equal(parse(&gw, big, NULL), -1);
	gw_free(&gw);
	memset(&gw, 0, sizeof(gw));
	assert_int_equal(gw_parse(&gw, NULL, NULL, err, sizeof(err)), -1);
	gw_free(&gw);
}

static void
test_parse_reasons(void **state)
{
	static const struct {
		const char	*url;
		const char	*err;
	} t[] = {
		{ "smpp://abcdefghijklmnop:p@h", "system_id over 15 characters" },
		{ "smpp://u:123456789@h", "password over 8 characters" },
		{ "smpp://u:p@:2775", "missing or overlong host" },
		{ "smpp://u:p@h:65536", "bad port" },
		{ "smpp://h", "missing system_id" },
		{ "smpp://u%00:p@h", "bad escape or control character in "
		    "system_id" },
		{ "smpp://u%C3%A9:p@h", "non-ASCII system_id, password or "
		    "source_addr" },
		{ "smpp://u:p@h?source_addr=IdProverTest", "alphanumeric "
		    "source_addr over 11 characters" },
		{ "file:relative", "need an absolute path (scheme:///path)" },
		{ "exec://usr/bin/x", "need an absolute path (scheme:///path)" },
		{ "file:///tmp/", "path names a directory" },
		{ "mailto:x@example.test", "unknown scheme" },
		{ "http://h/?to={to}", "template lacks {to} or {text}" },
	};
	struct gateway	 gw;
	char		 err[SMS_ERR_MAX];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&gw, 0, sizeof(gw));
		err[0] = '\0';
		assert_int_equal(gw_parse(&gw, t[i].url, NULL, err,
		    sizeof(err)), -1);
		if (strcmp(err, t[i].err) != 0)
			fail_msg("%s: \"%s\"", t[i].url, err);
		gw_free(&gw);
	}
}

static void
test_open_errors(void **state)
{
	char		 err[SMS_ERR_MAX], path[PATH_MAX + 16];
	struct gateway	*gw;

	(void)state;
	err[0] = '\0';
	assert_null(gateway_open("gopher://h/", NULL, err, sizeof(err)));
	assert_string_equal(err, "unknown scheme");
	assert_null(gateway_open("exec:bin/true", NULL, err, sizeof(err)));
	assert_true(err[0] != '\0');
	assert_null(gateway_open("file:out.jsonl", NULL, err, sizeof(err)));
	assert_null(gateway_open("exec:///nonexistent/program", NULL, err,
	    sizeof(err)));
	snprintf(path, sizeof(path), "%s/notexec", tmpdir);
	write_file(path, "#!/bin/sh\nexit 0\n", 0600);
	snprintf(path, sizeof(path), "exec://%s/notexec", tmpdir);
	assert_null(gateway_open(path, NULL, err, sizeof(err)));
	snprintf(path, sizeof(path), "exec://%s", tmpdir);
	assert_null(gateway_open(path, NULL, err, sizeof(err)));
	assert_null(gateway_open("file:///nonexistent-dir/x.jsonl", NULL, err,
	    sizeof(err)));
	assert_null(gateway_open(NULL, NULL, NULL, 0));

	assert_non_null(gw = gateway_open("smpp://u:p@127.0.0.1", NULL, err,
	    sizeof(err)));
	assert_string_equal(gateway_scheme(gw), "smpp");
	gateway_close(gw);
	assert_non_null(gw = gateway_open("https://127.0.0.1/s",
	    "to={to}&text={text}", err, sizeof(err)));
	assert_string_equal(gateway_scheme(gw), "http");
	gateway_close(gw);
	assert_non_null(gw = gateway_open("exec:///bin/true", NULL, err,
	    sizeof(err)));
	assert_string_equal(gateway_scheme(gw), "exec");
	gateway_close(gw);
	gateway_close(NULL);
	assert_string_equal(gateway_scheme(NULL), "");
	assert_string_equal(sms_results[SMS_PERMANENT], "permanent");
}

/*
 * Templates and JSON
 */

static void
test_subst(void **state)
{
	char	 out[256];

	(void)state;
	assert_int_equal(tmpl_subst("/s?to={to}&text={text}&x={y}", TO,
	    "Code: 123 a/b&c=d+é~", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "/s?to=" TO "&text=Code%3A%20123%20a%2Fb"
	    "%26c%3Dd%2B%C3%A9~&x={y}");
	assert_int_equal(tmpl_subst("to={to}&text={text}", TO, "a b\n", 1,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "to=" TO "&text=a+b%0A");
	assert_int_equal(tmpl_subst("{text}{text", "", "x", 0, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "x{text");
	assert_int_equal(tmpl_subst("abc{text}", TO, "é", 0, out, 6), -1);
	assert_int_equal(tmpl_subst("abcdef", TO, "", 0, out, 6), -1);
	assert_int_equal(tmpl_subst("abcde", TO, "", 0, out, 6), 0);
}

static void
test_json_line(void **state)
{
	char	 out[512];
	int	 n;

	(void)state;
	n = json_line(out, sizeof(out), 0, TO,
	    "say \"hi\" \\ now\nline\ttab\r\x01\x1f\x7f é€");
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(out));
	assert_string_equal(out, "{\"time\": \"1970-01-01T00:00:00Z\", "
	    "\"to\": \"" TO "\", \"text\": \"say \\\"hi\\\" \\\\ now\\nline"
	    "\\ttab\\r\\u0001\\u001f\\u007f é€\"}\n");
	assert_int_equal(json_line(out, 40, 0, TO, "x"), -1);
	assert_int_equal(json_line(out, 70, 0, TO, "\x01\x01"), -1);
}

/*
 * File gateway
 */

static void
test_file_gateway(void **state)
{
	char		 url[PATH_MAX + 16], path[PATH_MAX], buf[4096];
	char		 err[SMS_ERR_MAX], msgid[SMS_MSGID_MAX], *nl;
	struct gateway	*gw;
	struct stat	 st;

	(void)state;
	snprintf(path, sizeof(path), "%s/out.jsonl", tmpdir);
	snprintf(url, sizeof(url), "file://%s", path);
	assert_non_null(gw = gateway_open(url, NULL, err, sizeof(err)));
	assert_string_equal(gateway_scheme(gw), "file");
	assert_int_equal(gateway_send(gw, TO, "Code 123456", 0, msgid,
	    sizeof(msgid), err, sizeof(err)), SMS_SENT);
	assert_int_equal(gateway_send(gw, "4915112345678", "a \"q\" \\ b\n"
	    "c\x01", 0, msgid, sizeof(msgid), err, sizeof(err)), SMS_SENT);
	assert_int_equal(gateway_send(gw, "+15551230000", "x", 0, msgid,
	    sizeof(msgid), err, sizeof(err)), SMS_PERMANENT);
	assert_string_equal(err, "bad destination number");
	assert_int_equal(gateway_send(gw, "1234567890123456", "x", 0, msgid,
	    sizeof(msgid), err, sizeof(err)), SMS_PERMANENT);
	assert_int_equal(gateway_send(gw, "", "x", 0, msgid, sizeof(msgid),
	    err, sizeof(err)), SMS_PERMANENT);
	assert_int_equal(gateway_send(gw, TO, rep("a", 161, ""), 0, msgid,
	    sizeof(msgid), err, sizeof(err)), SMS_PERMANENT);
	assert_string_equal(err, "text does not fit one SMS");
	assert_int_equal(gateway_send(gw, TO, "\xff", 0, msgid,
	    sizeof(msgid), err, sizeof(err)), SMS_PERMANENT);
	gateway_close(gw);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	read_file(path, buf, sizeof(buf));
	assert_non_null(nl = strchr(buf, '\n'));
	*nl = '\0';
	assert_int_equal(strlen(buf), strlen("{\"time\": \"YYYY-MM-DDTHH:MM:"
	    "SSZ\", \"to\": \"" TO "\", \"text\": \"Code 123456\"}"));
	assert_memory_equal(buf, "{\"time\": \"20", 12);
	assert_int_equal(buf[14], '-');
	assert_int_equal(buf[20], 'T');
	assert_memory_equal(buf + 29, "Z\", \"to\": \"" TO "\", \"text\": "
	    "\"Code 123456\"}", strlen(buf + 29));
	assert_string_equal(strstr(nl + 1, "\"to\""), "\"to\": \"4915112345678"
	    "\", \"text\": \"a \\\"q\\\" \\\\ b\\nc\\u0001\"}\n");
}

/*
 * Exec gateway
 */

static void
script(const char *name, const char *body, char *url, size_t urlsz)
{
	char	 path[PATH_MAX], text[2048];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	snprintf(text, sizeof(text), "#!/bin/sh\n%s", body);
	write_file(path, text, 0700);
	snprintf(url, urlsz, "exec://%s", path);
}

static enum sms_result
exec_run(const char *url, const char *text, int timeout_ms, char *msgid,
    char *err)
{
	struct gateway	*gw;
	char		 e[SMS_ERR_MAX];
	enum sms_result	 rc;

	gw = gateway_open(url, NULL, e, sizeof(e));
	if (gw == NULL)
		fail_msg("%s: %s", url, e);
	rc = gateway_send(gw, TO, text, timeout_ms, msgid, SMS_MSGID_MAX,
	    err, SMS_ERR_MAX);
	gateway_close(gw);
	return rc;
}

static void
test_exec_ok(void **state)
{
	char	 url[PATH_MAX + 16], body[1024], path[PATH_MAX], buf[512];
	char	 msgid[SMS_MSGID_MAX], err[SMS_ERR_MAX];
	int	 fd;

	(void)state;
	/* An inherited descriptor without close-on-exec must not leak. */
	assert_true((fd = open("/dev/null", O_RDONLY)) > 2);
	setenv("IDPROVER_TEST_SECRET", "x", 1);
	snprintf(body, sizeof(body),
	    "[ $# -eq 1 ] && [ \"$1\" = \"%s\" ] || exit 3\n"
	    "[ -z \"$IDPROVER_TEST_SECRET\" ] || exit 4\n"
	    "[ -n \"$PATH\" ] || exit 5\n"
	    "[ -e /proc/self/fd/%d ] && exit 6\n"
	    "cat > '%s/stdin.txt'\n"
	    "printf 'id-42\\r\\nsecond line\\n'\n", TO, fd, tmpdir);
	script("ok.sh", body, url, sizeof(url));
	assert_int_equal(exec_run(url, "Code: 123456 ü€", 5000, msgid, err),
	    SMS_SENT);
	assert_string_equal(msgid, "id-42");
	snprintf(path, sizeof(path), "%s/stdin.txt", tmpdir);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "Code: 123456 ü€");
	close(fd);
	unsetenv("IDPROVER_TEST_SECRET");

	script("quiet.sh", "exit 0\n", url, sizeof(url));
	assert_int_equal(exec_run(url, rep("a", 160, ""), 5000, msgid, err),
	    SMS_SENT);
	assert_string_equal(msgid, "");
}

static void
test_exec_fail(void **state)
{
	char		 url[PATH_MAX + 16], path[PATH_MAX];
	char		 msgid[SMS_MSGID_MAX], err[SMS_ERR_MAX];
	struct gateway	*gw;
	long long	 t0;

	(void)state;
	script("perm.sh", "cat >/dev/null\necho nope\nexit 2\n", url,
	    sizeof(url));
	assert_int_equal(exec_run(url, "x", 5000, msgid, err), SMS_PERMANENT);
	assert_string_equal(err, "program exited with 2");
	assert_string_equal(msgid, "");

	script("temp.sh", "exit 7\n", url, sizeof(url));
	assert_int_equal(exec_run(url, "x", 5000, msgid, err), SMS_TRANSIENT);
	assert_string_equal(err, "program exited with 7");

	script("kill.sh", "kill -TERM $$\n", url, sizeof(url));
	assert_int_equal(exec_run(url, "x", 5000, msgid, err), SMS_TRANSIENT);
	assert_string_equal(err, "program killed by signal 15");

	script("slow.sh", "sleep 10\nexit 0\n", url, sizeof(url));
	t0 = sms_clock_ms();
	assert_int_equal(exec_run(url, "x", 300, msgid, err), SMS_TRANSIENT);
	assert_string_equal(err, "program timed out");
	assert_true(sms_clock_ms() - t0 < 3000);

	script("daemon.sh", "sleep 10 &\necho id-1\nexit 0\n", url,
	    sizeof(url));
	t0 = sms_clock_ms();
	assert_int_equal(exec_run(url, "x", 300, msgid, err), SMS_TRANSIENT);
	assert_true(sms_clock_ms() - t0 < 3000);

	script("gone.sh", "exit 0\n", url, sizeof(url));
	assert_non_null(gw = gateway_open(url, NULL, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/gone.sh", tmpdir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(gateway_send(gw, TO, "x", 1000, msgid,
	    sizeof(msgid), err, sizeof(err)), SMS_TRANSIENT);
	assert_string_equal(err, "program exited with 127");
	gateway_close(gw);
}

/*
 * HTTP gateway against a one-shot server in a child process
 */

struct httpd {
	pid_t	 pid;
	int	 port;
	int	 pipe;		/* the request as the child read it */
};

/* Read one request (head and Content-Length body) from fd. */
static size_t
httpd_read(int fd, char *buf, size_t bufsz)
{
	size_t	 n = 0;
	ssize_t	 r;
	char	*end, *cl;

	while (n < bufsz - 1 && (r = read(fd, buf + n, bufsz - 1 - n)) > 0) {
		n += (size_t)r;
		buf[n] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(buf, "\r\nContent-Length: ");
		if (cl == NULL || (size_t)(end + 4 - buf) + (size_t)atoi(cl +
		    18) <= n)
			break;
	}
	return n;
}

/* Child: accept one connection, report the request, answer status. */
static void __attribute__((noreturn))
httpd_child(int lfd, int wfd, int status)
{
	char	 buf[8192], resp[128];
	size_t	 n;
	int	 c;

	if ((c = accept(lfd, NULL, NULL)) == -1)
		_exit(1);
	n = httpd_read(c, buf, sizeof(buf));
	if (write(wfd, buf, n) != (ssize_t)n)
		_exit(1);
	close(wfd);
	if (status == 0) {
		sleep(5);
		_exit(0);
	}
	snprintf(resp, sizeof(resp), "HTTP/1.1 %d Status\r\nLocation: "
	    "ftp://127.0.0.1/\r\nContent-Length: 24\r\nConnection: close"
	    "\r\n\r\n0: Accepted for delivery", status);
	if (write(c, resp, strlen(resp)) < 0)
		_exit(1);
	close(c);
	_exit(0);
}

/* Start a server answering status (0: never answer). */
static void
httpd_start(struct httpd *h, int status)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 lfd, p[2];

	assert_int_not_equal(lfd = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(pipe(p), 0);
	h->port = ntohs(sin.sin_port);
	assert_int_not_equal(h->pid = fork(), -1);
	if (h->pid == 0) {
		close(p[0]);
		httpd_child(lfd, p[1], status);
	}
	close(p[1]);
	close(lfd);
	h->pipe = p[0];
}

/* Stop the server; the request it saw goes to buf. */
static void
httpd_stop(struct httpd *h, char *buf, size_t bufsz)
{
	size_t	 n = 0;
	ssize_t	 r;

	kill(h->pid, SIGTERM);
	while (n < bufsz - 1 && (r = read(h->pipe, buf + n,
	    bufsz - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(h->pipe);
	waitpid(h->pid, NULL, 0);
}

static enum sms_result
http_run(int status, const char *path, const char *body, const char *text,
    int timeout_ms, char *req, size_t reqsz, char *err)
{
	struct httpd	 h;
	struct gateway	*gw;
	char		 url[256], msgid[SMS_MSGID_MAX];
	enum sms_result	 rc;

	httpd_start(&h, status);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", h.port, path);
	gw = gateway_open(url, body, err, SMS_ERR_MAX);
	if (gw == NULL)
		fail_msg("%s: %s", url, err);
	rc = gateway_send(gw, TO, text, timeout_ms, msgid, sizeof(msgid),
	    err, SMS_ERR_MAX);
	gateway_close(gw);
	httpd_stop(&h, req, reqsz);
	return rc;
}

static void
test_http_get(void **state)
{
	char	 req[8192], err[SMS_ERR_MAX];

	(void)state;
	assert_int_equal(http_run(202, "/cgi-bin/sendsms?user=u&to={to}&"
	    "text={text}", NULL, "Code: 123456 €/&", 5000, req, sizeof(req),
	    err), SMS_SENT);
	assert_memory_equal(req, "GET /cgi-bin/sendsms?user=u&to=" TO
	    "&text=Code%3A%20123456%20%E2%82%AC%2F%26 HTTP/1.1\r\n",
	    strlen("GET /cgi-bin/sendsms?user=u&to=" TO "&text=Code%3A%20"
	    "123456%20%E2%82%AC%2F%26 HTTP/1.1\r\n"));
	assert_non_null(strstr(req, "\r\nHost: 127.0.0.1:"));

	assert_int_equal(http_run(404, "/s?to={to}&text={text}", NULL, "x",
	    5000, req, sizeof(req), err), SMS_PERMANENT);
	assert_string_equal(err, "gateway answered HTTP 404");
	assert_int_equal(http_run(503, "/s?to={to}&text={text}", NULL, "x",
	    5000, req, sizeof(req), err), SMS_TRANSIENT);
	assert_string_equal(err, "gateway answered HTTP 503");
	assert_int_equal(http_run(302, "/s?to={to}&text={text}", NULL, "x",
	    5000, req, sizeof(req), err), SMS_TRANSIENT);
	assert_string_equal(err, "gateway answered HTTP 302");
	assert_int_equal(http_run(429, "/s?to={to}&text={text}", NULL, "x",
	    5000, req, sizeof(req), err), SMS_TRANSIENT);
	assert_int_equal(http_run(403, "/s?to={to}&text={text}", NULL, "x",
	    5000, req, sizeof(req), err), SMS_TRANSIENT);
	assert_int_equal(http_run(400, "/s?to={to}&text={text}", NULL, "x",
	    5000, req, sizeof(req), err), SMS_PERMANENT);
}

static void
test_http_post(void **state)
{
	char	 req[8192], err[SMS_ERR_MAX], *body;

	(void)state;
	assert_int_equal(http_run(200, "/send?to={to}", "to={to}&text={text}",
	    "Code: 1 2", 5000, req, sizeof(req), err), SMS_SENT);
	assert_memory_equal(req, "POST /send?to=" TO " HTTP/1.1\r\n",
	    strlen("POST /send?to=" TO " HTTP/1.1\r\n"));
	assert_non_null(strstr(req, "\r\nContent-Type: application/"
	    "x-www-form-urlencoded\r\n"));
	assert_non_null(body = strstr(req, "\r\n\r\n"));
	assert_string_equal(body + 4, "to=" TO "&text=Code%3A+1+2");
}

static void
test_http_down(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct gateway		*gw;
	char			 url[128], req[8192], err[SMS_ERR_MAX];
	char			 msgid[SMS_MSGID_MAX];
	int			 fd;
	long long		 t0;

	(void)state;
	/* A port that was free a moment ago: connection refused. */
	assert_int_not_equal(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/s?to={to}&text="
	    "{text}", ntohs(sin.sin_port));
	assert_non_null(gw = gateway_open(url, NULL, err, sizeof(err)));
	assert_int_equal(gateway_send(gw, TO, "x", 2000, msgid,
	    sizeof(msgid), err, sizeof(err)), SMS_TRANSIENT);
	assert_memory_equal(err, "HTTP request failed: ", 21);
	gateway_close(gw);

	t0 = sms_clock_ms();
	assert_int_equal(http_run(0, "/s?to={to}&text={text}", NULL, "x",
	    300, req, sizeof(req), err), SMS_TRANSIENT);
	assert_true(sms_clock_ms() - t0 < 3000);
	assert_memory_equal(err, "HTTP request failed: ", 21);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_table),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_parse_smpp),
		cmocka_unit_test(test_parse_other),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_parse_reasons),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_subst),
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_file_gateway),
		cmocka_unit_test(test_exec_ok),
		cmocka_unit_test(test_exec_fail),
		cmocka_unit_test(test_http_get),
		cmocka_unit_test(test_http_post),
		cmocka_unit_test(test_http_down),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
