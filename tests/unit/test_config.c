/* Unit tests of lib/base/config.c: defaults, a file setting every key, the
 * refusals (unknown keys, wrong types, ranges, lengths, duplicates, a
 * template without {code}), the IDPROVER_* overrides and the values
 * derived from base_url and data_dir. */
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

static const char *const envs[] = { "IDPROVER_CONF", "IDPROVER_VAR",
    "IDPROVER_BASE_URL", "IDPROVER_RELAY_URL", "IDPROVER_SMS_GATEWAY",
    "IDPROVER_TEMPLATES", "IDPROVER_RELAY_DIRECTORY",
    "IDPROVER_RELAY_CAFILE" };

static char	 tmpdir[64];
static char	 conf[128];

static void
clear_env(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		unsetenv(envs[i]);
}

static void
write_conf(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/* Load text as the config file; returns config_load's result. */
static int
load(const char *text, struct config *c, char *err, size_t errsz)
{
	err[0] = '\0';
	write_conf(conf, text);
	return config_load(c, conf, err, errsz);
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/idprover-config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(conf, sizeof(conf), "%s/test.conf", tmpdir);
	return 0;
}

static int
group_teardown(void **state)
{
	char	 path[160];

	(void)state;
	unlink(conf);
	snprintf(path, sizeof(path), "%s/idprover.conf", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	clear_env();
	return 0;
}

static void
test_defaults(void **state)
{
	struct config	 c;
	char		 err[256];

	(void)state;
	assert_int_equal(load("{}", &c, err, sizeof(err)), 0);
	assert_string_equal(c.base_url, "https://localhost:8443/acme");
	assert_string_equal(c.local_prefix, "/acme");
	assert_string_equal(c.data_dir, "./var");
	assert_string_equal(c.db_dir, "./var/db");
	assert_string_equal(c.ca_key, "./var/ca/ca.key");
	assert_string_equal(c.ca_cert, "./var/ca/ca.pem");
	assert_string_equal(c.ca_name, "idprover CA");
	assert_string_equal(c.relay_key, "./var/relay/account.key");
	assert_string_equal(c.relay_db, "./var/relay/db");
	assert_string_equal(c.relay_cafile, "./var/tls/ca.pem");
	assert_string_equal(c.relay_directory,
	    "https://localhost:8443/acme/directory");
	assert_string_equal(c.sms_gateway, "file://./var/sms.log");
	assert_string_equal(c.templates, TEMPLATE_DIR);
	assert_string_equal(c.tos_url, "");
	assert_string_equal(c.website, "");
	assert_string_equal(c.sms_link, "");
	assert_string_equal(c.sms_webotp_host, "");
	assert_string_equal(c.sms_platform, "idprover");
	assert_non_null(strstr(c.sms_template, "{code}"));
	/* PROTOCOL.md section 11 and 9. */
	assert_int_equal(c.cert_days, 30);
	assert_int_equal(c.cert_max_days, 90);
	assert_int_equal(c.order_hours, 24);
	assert_int_equal(c.authz_hours, 24);
	assert_int_equal(c.nprefixes, 0);
	assert_true(c.sms_timeout_ms >= 100 && c.sms_timeout_ms <= 60000);
	assert_true(c.limit_number_hour >= 1);
	assert_true(c.limit_number_day >= c.limit_number_hour);
	assert_true(c.limit_account_hour >= 1);
	assert_true(c.limit_prefix_hour >= 1);
	assert_true(c.limit_global_hour >= 1);
	assert_true(c.limit_orders_hour >= 1);
	/* No file at all, and none in IDPROVER_VAR: the same defaults. */
	setenv("IDPROVER_VAR", tmpdir, 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_string_equal(c.data_dir, tmpdir);
	assert_int_equal(c.cert_days, 30);
}

static const char every_key[] =
    "{\n"
    "  \"base_url\": \"https://acme.example:9443/x/acme\",\n"
    "  \"local_prefix\": \"/acme\",\n"
    "  \"relay_url\": \"https://platform.example/relay\",\n"
    "  \"data_dir\": \"/srv/idp\",\n"
    "  \"db_dir\": \"/srv/idp/database\",\n"
    "  \"ca_key\": \"/srv/idp/k.pem\",\n"
    "  \"ca_cert\": \"/srv/idp/c.pem\",\n"
    "  \"ca_name\": \"Example CA\",\n"
    "  \"tos_url\": \"https://acme.example/tos\",\n"
    "  \"website\": \"https://acme.example/\",\n"
    "  \"cert_days\": 7,\n"
    "  \"cert_max_days\": 60,\n"
    "  \"order_hours\": 2,\n"
    "  \"authz_hours\": 3,\n"
    "  \"allowed_prefixes\": [\"1\", \"44\", \"123456789012345\"],\n"
    "  \"sms_gateway\": \"smpp://sys:pw@127.0.0.1:2775\",\n"
    "  \"sms_http_body\": \"to={to}&text={text}\",\n"
    "  \"sms_template\": \"Code {code} for {platform}\",\n"
    "  \"sms_platform\": \"Chat\",\n"
    "  \"sms_link\": \"https://platform.example/v#{code}\",\n"
    "  \"sms_webotp_host\": \"platform.example\",\n"
    "  \"sms_timeout_ms\": 2500,\n"
    "  \"limit_number_hour\": 3,\n"
    "  \"limit_number_day\": 6,\n"
    "  \"limit_account_hour\": 50,\n"
    "  \"limit_prefix_hour\": 60,\n"
    "  \"limit_global_hour\": 70,\n"
    "  \"limit_orders_hour\": 80,\n"
    "  \"relay_directory\": \"https://ca.example/acme/directory\",\n"
    "  \"relay_cafile\": \"/srv/idp/ca.pem\",\n"
    "  \"relay_key\": \"/srv/idp/relay.key\",\n"
    "  \"relay_db\": \"/srv/idp/relaydb\",\n"
    "  \"templates\": \"/srv/idp/templates\"\n"
    "}\n";

static void
test_every_key(void **state)
{
	struct config	 c;
	char		 err[256];

	(void)state;
	if (load(every_key, &c, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
	assert_string_equal(c.base_url, "https://acme.example:9443/x/acme");
	assert_string_equal(c.local_prefix, "/acme");
	assert_string_equal(c.relay_url, "https://platform.example/relay");
	assert_string_equal(c.data_dir, "/srv/idp");
	assert_string_equal(c.db_dir, "/srv/idp/database");
	assert_string_equal(c.ca_key, "/srv/idp/k.pem");
	assert_string_equal(c.ca_cert, "/srv/idp/c.pem");
	assert_string_equal(c.ca_name, "Example CA");
	assert_string_equal(c.tos_url, "https://acme.example/tos");
	assert_string_equal(c.website, "https://acme.example/");
	assert_int_equal(c.cert_days, 7);
	assert_int_equal(c.cert_max_days, 60);
	assert_int_equal(c.order_hours, 2);
	assert_int_equal(c.authz_hours, 3);
	assert_int_equal(c.nprefixes, 3);
	assert_string_equal(c.prefixes[0], "1");
	assert_string_equal(c.prefixes[1], "44");
	assert_string_equal(c.prefixes[2], "123456789012345");
	assert_string_equal(c.sms_gateway, "smpp://sys:pw@127.0.0.1:2775");
	assert_string_equal(c.sms_http_body, "to={to}&text={text}");
	assert_string_equal(c.sms_template, "Code {code} for {platform}");
	assert_string_equal(c.sms_platform, "Chat");
	assert_string_equal(c.sms_link, "https://platform.example/v#{code}");
	assert_string_equal(c.sms_webotp_host, "platform.example");
	assert_int_equal(c.sms_timeout_ms, 2500);
	assert_int_equal(c.limit_number_hour, 3);
	assert_int_equal(c.limit_number_day, 6);
	assert_int_equal(c.limit_account_hour, 50);
	assert_int_equal(c.limit_prefix_hour, 60);
	assert_int_equal(c.limit_global_hour, 70);
	assert_int_equal(c.limit_orders_hour, 80);
	assert_string_equal(c.relay_directory,
	    "https://ca.example/acme/directory");
	assert_string_equal(c.relay_cafile, "/srv/idp/ca.pem");
	assert_string_equal(c.relay_key, "/srv/idp/relay.key");
	assert_string_equal(c.relay_db, "/srv/idp/relaydb");
	assert_string_equal(c.templates, "/srv/idp/templates");
}

struct bad {
	const char	*name;
	const char	*text;
	const char	*in_err;	/* must appear in err */
};

static const struct bad refused[] = {
	/* Unknown keys, named in err. */
	{ "unknown", "{\"base_ur\":\"https://a.example\"}", "base_ur" },
	{ "unknown-case", "{\"Cert_days\":3}", "Cert_days" },
	{ "unknown-nested", "{\"sms\":{\"template\":\"{code}\"}}", "sms" },

	/* Wrong types. */
	{ "str-number", "{\"ca_name\":5}", "ca_name" },
	{ "str-null", "{\"base_url\":null}", "base_url" },
	{ "str-array", "{\"sms_template\":[\"{code}\"]}", "sms_template" },
	{ "str-bool", "{\"website\":true}", "website" },
	{ "long-string", "{\"cert_days\":\"30\"}", "cert_days" },
	{ "long-double", "{\"cert_days\":30.0}", "cert_days" },
	{ "long-exp", "{\"cert_days\":3e1}", "cert_days" },
	{ "long-bool", "{\"order_hours\":true}", "order_hours" },
	{ "long-null", "{\"sms_timeout_ms\":null}", "sms_timeout_ms" },
	{ "prefixes-string", "{\"allowed_prefixes\":\"1\"}",
	    "allowed_prefixes" },
	{ "prefixes-number", "{\"allowed_prefixes\":[1]}",
	    "allowed_prefixes" },
	{ "prefixes-null", "{\"allowed_prefixes\":[null]}",
	    "allowed_prefixes" },
	{ "prefixes-empty-string", "{\"allowed_prefixes\":[\"\"]}",
	    "allowed_prefixes" },
	{ "prefixes-plus", "{\"allowed_prefixes\":[\"+1\"]}",
	    "allowed_prefixes" },
	{ "prefixes-letters", "{\"allowed_prefixes\":[\"44a\"]}",
	    "allowed_prefixes" },
	{ "prefixes-16-digits", "{\"allowed_prefixes\":"
	    "[\"1234567890123456\"]}", "allowed_prefixes" },
	{ "prefixes-33", "{\"allowed_prefixes\":[\"1\",\"2\",\"3\",\"4\","
	    "\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\","
	    "\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\",\"22\",\"23\","
	    "\"24\",\"25\",\"26\",\"27\",\"28\",\"29\",\"30\",\"31\",\"32\","
	    "\"33\"]}", "allowed_prefixes" },

	/* Out of range. */
	{ "cert-days-0", "{\"cert_days\":0}", "cert_days" },
	{ "cert-days-91", "{\"cert_days\":91}", "cert_days" },
	{ "cert-days-negative", "{\"cert_days\":-30}", "cert_days" },
	{ "cert-max-days-91", "{\"cert_max_days\":91}", "cert_max_days" },
	{ "cert-days-over-max", "{\"cert_days\":40,\"cert_max_days\":30}",
	    "cert_days" },
	{ "order-hours-169", "{\"order_hours\":169}", "order_hours" },
	{ "authz-hours-0", "{\"authz_hours\":0}", "authz_hours" },
	{ "timeout-99", "{\"sms_timeout_ms\":99}", "sms_timeout_ms" },
	{ "timeout-60001", "{\"sms_timeout_ms\":60001}", "sms_timeout_ms" },
	{ "limit-0", "{\"limit_number_hour\":0}", "limit_number_hour" },
	{ "limit-huge", "{\"limit_global_hour\":100000001}",
	    "limit_global_hour" },
	{ "limit-int64-max", "{\"limit_global_hour\":9223372036854775807}",
	    "limit_global_hour" },
	{ "limit-past-int64", "{\"limit_global_hour\":"
	    "99999999999999999999999}", "number out of range" },
	{ "limit-past-int64-negative", "{\"limit_orders_hour\":"
	    "-99999999999999999999999}", "number out of range" },

	/* Duplicate keys; a file that is not one JSON object. */
	{ "duplicate", "{\"cert_days\":10,\"cert_days\":20}", NULL },
	{ "duplicate-string", "{\"base_url\":\"https://a.example\","
	    "\"base_url\":\"https://b.example\"}", NULL },
	{ "array", "[]", NULL },
	{ "not-json", "base_url = https://a.example", NULL },
	{ "trailing", "{} {}", NULL },
	{ "empty-file", "", NULL },

	/* Cross-key checks. */
	{ "template-without-code", "{\"sms_template\":\"Your code\"}",
	    "sms_template" },
	{ "template-code-misspelt", "{\"sms_template\":\"Code {Code}\"}",
	    "sms_template" },
	{ "template-code-unclosed", "{\"sms_template\":\"Code {code\"}",
	    "sms_template" },
	{ "base-url-no-scheme", "{\"base_url\":\"acme.example/acme\"}",
	    "base_url" },
	{ "base-url-ftp", "{\"base_url\":\"ftp://acme.example/acme\"}",
	    "base_url" },
	{ "base-url-relative", "{\"base_url\":\"/acme\"}", "base_url" },
	{ "base-url-empty", "{\"base_url\":\"\"}", "base_url" },
	{ "base-url-scheme-only-colon", "{\"base_url\":\"https:acme\"}",
	    "base_url" },
};

static void
test_refused(void **state)
{
	struct config	 c;
	char		 err[256];
	size_t		 i;
	int		 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (load(refused[i].text, &c, err, sizeof(err)) != -1) {
			print_error("%s: accepted\n", refused[i].name);
			bad++;
		} else if (err[0] == '\0' || (refused[i].in_err != NULL &&
		    strstr(err, refused[i].in_err) == NULL)) {
			print_error("%s: err \"%s\" does not name %s\n",
			    refused[i].name, err, refused[i].in_err);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d cases wrong", bad);
}

/* A URL without a host cannot be the external base URL. */
static void
test_base_url_no_host(void **state)
{
	static const char *const urls[] = { "https://", "http://",
	    "https:///acme", "https://:8443/acme" };
	struct config	 c;
	char		 err[256], text[128];
	size_t		 i;
	int		 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		snprintf(text, sizeof(text), "{\"base_url\":\"%s\"}", urls[i]);
		if (load(text, &c, err, sizeof(err)) != -1) {
			print_error("base_url \"%s\" accepted (local_prefix "
			    "\"%s\")\n", urls[i], c.local_prefix);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d host-less base URLs accepted", bad);
}

/* String lengths: the longest value that fits, and one more. */
static void
test_lengths(void **state)
{
	static const struct {
		const char	*key;
		size_t		 size;
		const char	*prefix;
		const char	*suffix;
	} t[] = {
		{ "tos_url", URL_MAX, "https://a.example/", "" },
		{ "relay_url", URL_MAX, "https://a.example/", "" },
		{ "ca_name", 128, "", "" },
		{ "sms_platform", 64, "", "" },
		{ "sms_webotp_host", 128, "", "" },
		{ "ca_key", PATH_LEN, "/", "" },
		{ "sms_template", SMS_TEXT_MAX, "{code}", "" },
	};
	static char	 text[4096];
	struct config	 c;
	char		 err[256];
	size_t		 i, len, fill;
	int		 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (len = t[i].size - 1; len <= t[i].size; len++) {
			fill = len - strlen(t[i].prefix) -
			    strlen(t[i].suffix);
			snprintf(text, 4096, "{\"%s\":\"%s%0*d%s\"}", t[i].key,
			    t[i].prefix, (int)fill, 0, t[i].suffix);
			rc = load(text, &c, err, sizeof(err));
			if (rc != (len < t[i].size ? 0 : -1))
				fail_msg("%s of %zu characters: %s (%s)",
				    t[i].key, len, rc == 0 ? "accepted" :
				    "refused", err);
			if (rc == -1 && strstr(err, t[i].key) == NULL)
				fail_msg("%s: err \"%s\"", t[i].key, err);
		}
	/* data_dir long enough that the derived paths overflow. */
	snprintf(text, 4096, "{\"data_dir\":\"/%0*d\"}", PATH_LEN - 4, 0);
	assert_int_equal(load(text, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "data_dir"));
}

/*
 * base_url: the longest accepted is the one whose derived relay_directory
 * (base_url "/directory") still fits; one more is refused, and the error
 * names base_url, the key at fault.
 */
static void
test_base_url_length(void **state)
{
	static char	 text[URL_MAX + 64];
	struct config	 c;
	char		 err[256];
	size_t		 len, max = URL_MAX - 1 - strlen("/directory");
	int		 rc;

	(void)state;
	for (len = max - 1; len <= max + 1; len++) {
		snprintf(text, URL_MAX + 64, "{\"base_url\":\"https://a.example/"
		    "%0*d\"}", (int)(len - strlen("https://a.example/")), 0);
		rc = load(text, &c, err, sizeof(err));
		if (rc != (len <= max ? 0 : -1))
			fail_msg("base_url of %zu: rc %d (%s)", len, rc, err);
		if (rc == 0)
			assert_int_equal(strlen(c.base_url), len);
		else if (strstr(err, "base_url") == NULL)
			fail_msg("base_url of %zu: err \"%s\"", len, err);
	}
}

static void
test_derived(void **state)
{
	static const struct {
		const char	*base;
		const char	*want_base;
		const char	*want_prefix;
	} t[] = {
		{ "https://a.example/acme/", "https://a.example/acme",
		    "/acme" },
		{ "https://a.example/acme", "https://a.example/acme", "/acme" },
		{ "https://a.example:8443/x/y/acme", "https://a.example:8443/"
		    "x/y/acme", "/x/y/acme" },
		{ "https://a.example", "https://a.example", "" },
		{ "https://a.example/", "https://a.example", "" },
		{ "http://a.example/acme", "http://a.example/acme", "/acme" },
		{ "http://a/acme", "http://a/acme", "/acme" },
		{ "https://[::1]:8443/acme", "https://[::1]:8443/acme",
		    "/acme" },
	};
	struct config	 c;
	char		 err[256], text[256], want[300];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "{\"base_url\":\"%s\"}",
		    t[i].base);
		if (load(text, &c, err, sizeof(err)) != 0)
			fail_msg("%s refused: %s", t[i].base, err);
		assert_string_equal(c.base_url, t[i].want_base);
		assert_string_equal(c.local_prefix, t[i].want_prefix);
		snprintf(want, sizeof(want), "%s/directory", t[i].want_base);
		assert_string_equal(c.relay_directory, want);
	}
	/* An explicit local_prefix wins over the derived one. */
	assert_int_equal(load("{\"base_url\":\"https://a.example/ext/acme\","
	    "\"local_prefix\":\"/acme\"}", &c, err, sizeof(err)), 0);
	assert_string_equal(c.local_prefix, "/acme");
	/* Paths derive from the data_dir of the file. */
	assert_int_equal(load("{\"data_dir\":\"/srv/x\",\"ca_key\":"
	    "\"/keys/ca.key\"}", &c, err, sizeof(err)), 0);
	assert_string_equal(c.db_dir, "/srv/x/db");
	assert_string_equal(c.ca_key, "/keys/ca.key");
	assert_string_equal(c.ca_cert, "/srv/x/ca/ca.pem");
	assert_string_equal(c.sms_gateway, "file:///srv/x/sms.log");
}

static void
test_env(void **state)
{
	struct config	 c;
	char		 err[256], path[160], longv[URL_MAX + 10];

	(void)state;
	/* IDPROVER_VAR: data_dir and everything derived, over the file. */
	setenv("IDPROVER_VAR", "/var/lib/idp", 1);
	assert_int_equal(load("{\"data_dir\":\"/srv/x\"}", &c, err,
	    sizeof(err)), 0);
	assert_string_equal(c.data_dir, "/var/lib/idp");
	assert_string_equal(c.db_dir, "/var/lib/idp/db");
	assert_string_equal(c.sms_gateway, "file:///var/lib/idp/sms.log");
	/* IDPROVER_BASE_URL over the file, with the same checks. */
	setenv("IDPROVER_BASE_URL", "https://env.example/e/acme/", 1);
	assert_int_equal(load("{\"base_url\":\"https://file.example/acme\"}",
	    &c, err, sizeof(err)), 0);
	assert_string_equal(c.base_url, "https://env.example/e/acme");
	assert_string_equal(c.local_prefix, "/e/acme");
	setenv("IDPROVER_BASE_URL", "env.example/acme", 1);
	assert_int_equal(load("{}", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "base_url"));
	/* An empty variable is ignored. */
	setenv("IDPROVER_BASE_URL", "", 1);
	assert_int_equal(load("{\"base_url\":\"https://file.example/acme\"}",
	    &c, err, sizeof(err)), 0);
	assert_string_equal(c.base_url, "https://file.example/acme");
	/* IDPROVER_SMS_GATEWAY over the file. */
	setenv("IDPROVER_SMS_GATEWAY", "exec:///usr/local/bin/send", 1);
	assert_int_equal(load("{\"sms_gateway\":\"file:///tmp/x\"}", &c, err,
	    sizeof(err)), 0);
	assert_string_equal(c.sms_gateway, "exec:///usr/local/bin/send");
	/* Too long: refused, named. */
	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	memcpy(longv, "https://", 8);
	setenv("IDPROVER_BASE_URL", longv, 1);
	assert_int_equal(load("{}", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "IDPROVER_BASE_URL"));
	clear_env();

	/* IDPROVER_CONF names the file when none is given. */
	write_conf(conf, "{\"ca_name\":\"From CONF\"}");
	setenv("IDPROVER_CONF", conf, 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_string_equal(c.ca_name, "From CONF");
	clear_env();
	/* Else $IDPROVER_VAR/idprover.conf. */
	snprintf(path, sizeof(path), "%s/idprover.conf", tmpdir);
	write_conf(path, "{\"ca_name\":\"From VAR\"}");
	setenv("IDPROVER_VAR", tmpdir, 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
	assert_string_equal(c.ca_name, "From VAR");
	/* A bad file there is an error, not ignored. */
	write_conf(path, "{\"ca_nme\":\"x\"}");
	assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ca_nme"));
	unlink(path);
	clear_env();
}

static void
test_files(void **state)
{
	struct config	 c;
	char		 err[256], path[160], *big;
	size_t		 n;

	(void)state;
	/* A missing file is an error naming it. */
	snprintf(path, sizeof(path), "%s/absent.conf", tmpdir);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absent.conf"));
	/* Larger than CONFIG_MAX. */
	big = malloc(CONFIG_MAX + 64);
	assert_non_null(big);
	n = (size_t)snprintf(big, CONFIG_MAX + 64, "{\"ca_name\":\"x\"");
	memset(big + n, ' ', CONFIG_MAX + 8 - n);
	memcpy(big + CONFIG_MAX + 8, "}", 2);
	assert_int_equal(load(big, &c, err, sizeof(err)), -1);
	/* Just under it is fine. */
	memset(big + n, ' ', CONFIG_MAX - 2 - n);
	memcpy(big + CONFIG_MAX - 2, "}\n", 3);
	assert_int_equal(strlen(big), CONFIG_MAX);
	if (load(big, &c, err, sizeof(err)) != 0)
		fail_msg("%d octets refused: %s", CONFIG_MAX, err);
	free(big);
}

#define T(fn)	cmocka_unit_test_setup(fn, setup)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_every_key),
		T(test_refused),
		T(test_base_url_no_host),
		T(test_lengths),
		T(test_base_url_length),
		T(test_derived),
		T(test_env),
		T(test_files),
	};

	return cmocka_run_group_tests_name("config", tests, group_setup,
	    group_teardown);
}
