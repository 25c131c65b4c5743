/* Configuration: a flat JSON object of known keys; each has a type and
 * bounds in one table. Unknown keys are errors, so typos do not pass. */
#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "file.h"
#include "json.h"

#define DEFAULT_TEMPLATE "{platform} verification code: {code}. Valid " \
	"{minutes} min. Enter it only in {platform}.\n{link}"

enum ctype { C_STR, C_LONG, C_PREFIXES, C_PROXIES, C_PROFILES };

static const struct {
	const char	*key;
	enum ctype	 type;
	size_t		 off;
	size_t		 size;
	long		 min, max;
} keys[] = {
#define S(k) #k, C_STR, offsetof(struct config, k), \
	sizeof(((struct config *)0)->k), 0, 0
#define L(k, a, b) #k, C_LONG, offsetof(struct config, k), 0, a, b
	{ S(base_url) }, { S(local_prefix) }, { S(relay_url) },
	{ S(data_dir) }, { S(db_dir) }, { S(store) }, { S(ca_key) },
	{ S(ca_cert) },
	{ S(ca_name) }, { S(tos_url) }, { S(website) },
	{ L(cert_days, 1, 90) }, { L(cert_max_days, 1, 90) },
	{ L(order_hours, 1, 168) }, { L(authz_hours, 1, 168) },
	{ "allowed_prefixes", C_PREFIXES, 0, 0, 0, 0 },
	{ S(sms_gateway) }, { S(sms_http_body) }, { S(sms_template) },
	{ S(sms_platform) }, { S(sms_link) }, { S(sms_webotp_host) },
	{ L(sms_timeout_ms, 100, 60000) },
	{ L(sms_resend_interval, 1, 3600) },
	{ L(limit_number_hour, 1, 1000000) }, { L(limit_number_day, 1, 1000000) },
	{ L(limit_account_hour, 1, 100000000) },
	{ L(limit_prefix_hour, 1, 100000000) },
	{ L(limit_global_hour, 1, 100000000) },
	{ L(limit_orders_hour, 1, 100000000) },
	/* Against a crowd. */
	{ L(limit_account_day, 1, 100000000) },
	{ L(limit_new_accounts_addr_hour, 1, 1000000) },
	{ L(limit_new_accounts_addr_day, 1, 1000000) },
	{ L(limit_new_accounts_hour, 1, 100000000) },
	/* Platforms. */
	{ S(external_account_required) },
	{ L(guard_window, 3600, 30 * 86400) },
	{ L(guard_min_sends, 1, 1000000) },
	{ L(guard_min_rate, 0, 100) },
	{ L(guard_prefix_len, 1, GUARD_PREFIX_MAX) },
	{ L(guard_hold, 60, 30 * 86400) },
	{ S(relay_directory) }, { S(relay_cafile) }, { S(relay_key) }, { S(relay_db) }, { S(templates) },
	/* The client address behind proxies (config_proxies). */
	{ "trusted_proxies", C_PROXIES, 0, 0, 0, 0 }, { S(proxy_header) },
	{ "profiles", C_PROFILES, 0, 0, 0, 0 }, { S(default_profile) },
	{ S(relay_eab_kid) }, { S(relay_eab_key) },
#undef S
#undef L
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static int __attribute__((format(printf, 3, 4)))
config_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

static int
config_setstr(char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->base_url, "https://localhost:8443/acme");
	strcpy(c->data_dir, "./var");
	strcpy(c->ca_name, "idprover CA");
	c->cert_days = 30;
	c->cert_max_days = 90;
	c->order_hours = 24;
	c->authz_hours = 24;
	strcpy(c->sms_template, DEFAULT_TEMPLATE);
	strcpy(c->sms_platform, "idprover");
	c->sms_timeout_ms = 3000;
	c->sms_resend_interval = RESEND_INTERVAL;
	c->limit_number_hour = 5;
	c->limit_number_day = 10;
	c->limit_account_hour = 50;
	c->limit_prefix_hour = 100;
	c->limit_global_hour = 5000;
	c->limit_orders_hour = 1000;
	/* Against a crowd: see idprover.conf(5) for the reasoning. */
	c->limit_account_day = 200;
	c->limit_new_accounts_addr_hour = 10;
	c->limit_new_accounts_addr_day = 30;
	c->limit_new_accounts_hour = 300;
	strcpy(c->templates, TEMPLATE_DIR);
	/* Platforms: see idprover.conf(5) for the reasoning. */
	strcpy(c->external_account_required, "auto");
	c->guard_window = 86400;
	c->guard_min_sends = 30;
	c->guard_min_rate = 20;
	c->guard_prefix_len = 6;
	c->guard_hold = 86400;
}

/* Binding is required with "yes", and with "auto" when texts cost money:
 * any gateway but the file of make run. */
static int
config_eab(struct config *c, char *err, size_t errsz)
{
	const char	*v = c->external_account_required;

	if (strcmp(v, "yes") == 0)
		c->eab_required = 1;
	else if (strcmp(v, "no") == 0)
		c->eab_required = 0;
	else if (strcmp(v, "auto") == 0)
		c->eab_required = strncmp(c->sms_gateway, "file:", 5) != 0;
	else
		return config_err(err, errsz, "external_account_required: "
		    "must be \"auto\", \"yes\" or \"no\"");
	if (c->guard_window % 60 != 0)
		return config_err(err, errsz, "guard_window: must be a "
		    "multiple of 60 seconds");
	return 0;
}

static int
config_prefixes(struct config *c, json_object *v, char *err, size_t errsz)
{
	size_t		 i, n;
	const char	*s;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > PREFIXES_MAX)
		return config_err(err, errsz, "allowed_prefixes: must be an "
		    "array of at most %d digit strings", PREFIXES_MAX);
	for (i = 0; i < n; i++) {
		s = json_str(json_object_array_get_idx(v, i), 0, NULL);
		if (s == NULL || s[0] == '\0' ||
		    strlen(s) > TN_MAX || strspn(s, "0123456789") != strlen(s))
			return config_err(err, errsz, "allowed_prefixes[%zu]: "
			    "must be 1 to %d digits", i, TN_MAX);
		strcpy(c->prefixes[i], s);
	}
	c->nprefixes = n;
	return 0;
}

/* trusted_proxies: addresses or CIDR ranges, IPv4 or IPv6. */
static int
config_proxies(struct config *c, json_object *v, char *err, size_t errsz)
{
	size_t		 i, n;
	json_object	*e;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > PROXIES_MAX)
		return config_err(err, errsz, "trusted_proxies: must be an "
		    "array of at most %d addresses or CIDR ranges",
		    PROXIES_MAX);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string) ||
		    fwd_cidr(json_object_get_string(e), &c->proxies[i]) == -1)
			return config_err(err, errsz, "trusted_proxies[%zu]: "
			    "not an address or a CIDR range (such as "
			    "192.0.2.0/24 or 2001:db8::/32, host bits zero)",
			    i);
	}
	c->nproxies = n;
	return 0;
}

/* proxy_header goes with trusted_proxies: neither makes sense alone. */
static int
config_check_proxies(struct config *c, char *err, size_t errsz)
{
	c->proxy_kind = fwd_header_kind(c->proxy_header);
	if (c->proxy_header[0] != '\0' && c->proxy_kind == FWD_NONE)
		return config_err(err, errsz, "proxy_header: must be "
		    "Forwarded or X-Forwarded-For");
	if (c->nproxies > 0 && c->proxy_kind == FWD_NONE)
		return config_err(err, errsz, "trusted_proxies: needs "
		    "proxy_header (the header the proxies write)");
	return 0;
}

/* The key usages of a profile: a non-empty array of names. */
static int
config_usage(struct profile *pr, json_object *v, char *err, size_t errsz)
{
	static const struct { const char *name; unsigned bit; } kus[] = {
		{ "digitalSignature", KU_DIGITAL_SIGNATURE },
		{ "nonRepudiation", KU_NON_REPUDIATION },
		{ "keyAgreement", KU_KEY_AGREEMENT },
	};
	const char	*s;
	size_t		 i, j, n;

	pr->key_usage = 0;
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0 || n > 3)
		return config_err(err, errsz, "profiles.%s.key_usage: must be "
		    "an array of 1 to 3 names", pr->name);
	for (i = 0; i < n; i++) {
		s = json_str(json_object_array_get_idx(v, i), 0, NULL);
		for (j = 0; s != NULL && j < sizeof(kus) / sizeof(kus[0]); j++)
			if (strcmp(s, kus[j].name) == 0)
				break;
		if (s == NULL || j == sizeof(kus) / sizeof(kus[0]))
			return config_err(err, errsz, "profiles.%s.key_usage"
			    "[%zu]: digitalSignature, nonRepudiation or "
			    "keyAgreement", pr->name, i);
		pr->key_usage |= kus[j].bit;
	}
	return 0;
}

/* One number of a profile, inside [min, max]. */
static int
config_plong(struct profile *pr, const char *k, json_object *v, long *dst,
    long min, long max, char *err, size_t errsz)
{
	int64_t	 n;

	errno = 0;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || errno != 0 || n < min ||
	    n > max)
		return config_err(err, errsz, "profiles.%s.%s: must be an "
		    "integer from %ld to %ld", pr->name, k, min, max);
	*dst = (long)n;
	return 0;
}

/* One member of a profile object. */
static int
config_pkey(struct profile *pr, const char *k, json_object *v, char *err,
    size_t errsz)
{
	const char	*s;

	if (strcmp(k, "description") == 0) {
		if ((s = json_str(v, 0, NULL)) == NULL ||
		    strlen(s) >= sizeof(pr->description))
			return config_err(err, errsz, "profiles.%s.description:"
			    " a string of at most %d characters", pr->name,
			    PROFILE_DESC_MAX - 1);
		strcpy(pr->description, s);
		return 0;
	}
	if (strcmp(k, "cert_days") == 0)
		return config_plong(pr, k, v, &pr->cert_days, 1, 90, err,
		    errsz);
	if (strcmp(k, "reuse_seconds") == 0)
		return config_plong(pr, k, v, &pr->reuse_seconds, 0,
		    90L * 86400, err, errsz);
	if (strcmp(k, "max_proof_seconds") == 0)
		return config_plong(pr, k, v, &pr->max_proof_seconds, 1,
		    366L * 86400, err, errsz);
	if (strcmp(k, "key_usage") == 0)
		return config_usage(pr, v, err, errsz);
	return config_err(err, errsz, "profiles.%s.%s: unknown key", pr->name,
	    k);
}

/* "profiles": {name: {description, cert_days, reuse_seconds,
 * max_proof_seconds, key_usage}}; replaces the built-in ones. */
static int
config_profiles(struct config *c, json_object *v, char *err, size_t errsz)
{
	struct profile	*pr;

	if (!json_object_is_type(v, json_type_object) ||
	    json_object_object_length(v) == 0 ||
	    json_object_object_length(v) > PROFILES_MAX)
		return config_err(err, errsz, "profiles: must be an object of "
		    "1 to %d profiles", PROFILES_MAX);
	c->nprofiles = 0;
	json_object_object_foreach(v, name, po) {
		pr = &c->profiles[c->nprofiles++];
		memset(pr, 0, sizeof(*pr));
		if (name[0] == '\0' || strlen(name) > PROFILE_NAME_MAX ||
		    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
		    strlen(name))
			return config_err(err, errsz, "profiles: a name is 1 to "
			    "%d of a-z, 0-9 and -", PROFILE_NAME_MAX);
		strcpy(pr->name, name);
		pr->cert_days = 0;
		pr->key_usage = KU_DIGITAL_SIGNATURE;
		if (!json_object_is_type(po, json_type_object))
			return config_err(err, errsz, "profiles.%s: must be an "
			    "object", name);
		json_object_object_foreach(po, k, pv) {
			if (config_pkey(pr, k, pv, err, errsz) == -1)
				return -1;
		}
		if (pr->cert_days == 0 || pr->max_proof_seconds == 0)
			return config_err(err, errsz, "profiles.%s: needs "
			    "cert_days and max_proof_seconds", name);
	}
	return 0;
}

/* Apply one key of the file. */
static int
config_key(struct config *c, const char *k, json_object *v, char *err,
    size_t errsz)
{
	size_t	 i;
	int64_t	 n;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].key, k) == 0)
			break;
	if (i == NKEYS)
		return config_err(err, errsz, "%s: unknown key", k);
	if (keys[i].type == C_PREFIXES)
		return config_prefixes(c, v, err, errsz);
	if (keys[i].type == C_PROFILES)
		return config_profiles(c, v, err, errsz);
	if (keys[i].type == C_PROXIES)
		return config_proxies(c, v, err, errsz);
	if (keys[i].type == C_STR) {
		if (!json_object_is_type(v, json_type_string))
			return config_err(err, errsz, "%s: must be a string", k);
		/* Line breaks may be meant (an SMS text); a NUL never is. */
		if (json_str(v, JSON_CTRL, NULL) == NULL)
			return config_err(err, errsz, "%s: holds a NUL", k);
		if (config_setstr((char *)c + keys[i].off, keys[i].size,
		    json_object_get_string(v)) == -1)
			return config_err(err, errsz, "%s: longer than %zu "
			    "characters", k, keys[i].size - 1);
		return 0;
	}
	errno = 0;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || errno != 0 ||
	    n < keys[i].min || n > keys[i].max)
		return config_err(err, errsz, "%s: must be an integer from "
		    "%ld to %ld", k, keys[i].min, keys[i].max);
	*(long *)((char *)c + keys[i].off) = (long)n;
	return 0;
}

/* Read the whole file (at most CONFIG_MAX octets) into a new string. */
static char *
config_read(const char *file, size_t *len, char *err, size_t errsz)
{
	unsigned char	*buf;

	if (file_read(file, CONFIG_MAX, &buf, len, 0) == -1) {
		config_err(err, errsz, "%s: missing, unreadable or larger "
		    "than %d octets", file, CONFIG_MAX);
		return NULL;
	}
	return (char *)buf;
}

static int
config_file(struct config *c, const char *file, char *err, size_t errsz)
{
	json_object	*o;
	char		*text;
	size_t		 len;
	int		 rc = 0;

	if ((text = config_read(file, &len, err, errsz)) == NULL)
		return -1;
	if ((o = json_parse_object(text, len)) == NULL) {
		free(text);
		return config_err(err, errsz, "%s: not a strict JSON object "
		    "(a syntax error, a duplicate key, or a number out of "
		    "range)", file);
	}
	free(text);
	json_object_object_foreach(o, k, v) {
		if ((rc = config_key(c, k, v, err, errsz)) == -1)
			break;
	}
	json_object_put(o);
	return rc;
}

/* Environment overrides: what make run and the web server pass. */
static int
config_env(struct config *c, char *err, size_t errsz)
{
	static const struct {
		const char	*env;
		size_t		 off, size;
	} envs[] = {
#define E(n, k) { n, offsetof(struct config, k), \
	sizeof(((struct config *)0)->k) }
		E("IDPROVER_VAR", data_dir),
		E("IDPROVER_STORE", store),
		E("IDPROVER_BASE_URL", base_url),
		E("IDPROVER_RELAY_URL", relay_url),
		E("IDPROVER_SMS_GATEWAY", sms_gateway),
		E("IDPROVER_TEMPLATES", templates),
		E("IDPROVER_RELAY_DIRECTORY", relay_directory),
		E("IDPROVER_RELAY_CAFILE", relay_cafile),
#undef E
	};
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		if ((v = getenv(envs[i].env)) != NULL && v[0] != '\0' &&
		    config_setstr((char *)c + envs[i].off, envs[i].size,
		    v) == -1)
			return config_err(err, errsz, "%s: too long",
			    envs[i].env);
	return 0;
}

/* Fill a path derived from data_dir when the key was left empty. */
static int
config_derive(char *dst, size_t size, const char *dir, const char *rel)
{
	int	 n;

	if (dst[0] != '\0')
		return 0;
	n = snprintf(dst, size, "%s/%s", dir, rel);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The store: empty (Berkeley DB in db_dir) or a libpq URI without a
 * password (the config is readable by the web server's user: the
 * password goes in a 0600 passfile or PGPASSFILE). */
static int
config_store(const struct config *c, char *err, size_t errsz)
{
	const char	*s = c->store, *auth, *at, *end;

	if (s[0] == '\0')
		return 0;
	if (strncmp(s, "postgresql://", 13) == 0)
		auth = s + 13;
	else if (strncmp(s, "postgres://", 11) == 0)
		auth = s + 11;
	else
		return config_err(err, errsz, "store: must be a postgresql:// "
		    "URI, or left out for Berkeley DB in db_dir");
	end = auth + strcspn(auth, "/?");
	at = memchr(auth, '@', (size_t)(end - auth));
	if ((at != NULL && memchr(auth, ':', (size_t)(at - auth)) != NULL) ||
	    strstr(s, "password=") != NULL)
		return config_err(err, errsz, "store: holds a password; put it "
		    "in a passfile of mode 0600 (passfile=PATH in the URI, or "
		    "PGPASSFILE)");
	if (strpbrk(s, "\t\n\r ") != NULL)
		return config_err(err, errsz, "store: blanks in the URI");
	return 0;
}

/* The profiles shipped when the file names none: tn (the lifetime of
 * cert_days, 30 days unless set) and tn-short (7 days). */
static void
config_builtin(struct config *c)
{
	struct profile	*pr = c->profiles;

	memset(c->profiles, 0, sizeof(c->profiles));
	strcpy(pr[0].name, "tn");
	strcpy(pr[0].description, "Telephone number certificate, renewed "
	    "monthly; the number is proved again for each certificate");
	pr[0].cert_days = c->cert_days;
	pr[0].reuse_seconds = 86400;
	pr[0].max_proof_seconds = c->cert_days * 86400;
	pr[0].key_usage = KU_DIGITAL_SIGNATURE;
	strcpy(pr[1].name, "tn-short");
	strcpy(pr[1].description, "Seven-day telephone number certificate "
	    "for platforms that prove their numbers again weekly");
	pr[1].cert_days = 7;
	pr[1].reuse_seconds = 86400;
	pr[1].max_proof_seconds = 7 * 86400;
	pr[1].key_usage = KU_DIGITAL_SIGNATURE;
	c->nprofiles = 2;
}

const struct profile *
config_profile(const struct config *c, const char *name)
{
	size_t	 i;

	if (name == NULL || name[0] == '\0')
		name = c->default_profile;
	for (i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

/* The profiles against the other keys. */
static int
config_check_profiles(struct config *c, char *err, size_t errsz)
{
	size_t	 i;

	if (c->nprofiles == 0)
		config_builtin(c);
	if (c->default_profile[0] == '\0')
		strcpy(c->default_profile, c->profiles[0].name);
	if (config_profile(c, NULL) == NULL)
		return config_err(err, errsz, "default_profile: names no "
		    "profile");
	for (i = 0; i < c->nprofiles; i++)
		if (c->profiles[i].cert_days > c->cert_max_days)
			return config_err(err, errsz, "profiles.%s.cert_days: "
			    "larger than cert_max_days", c->profiles[i].name);
	return 0;
}

/* Checks across keys, and the derived values. */
static int
config_check(struct config *c, char *err, size_t errsz)
{
	const char	*host, *p;
	size_t		 n;

	host = strncmp(c->base_url, "https://", 8) == 0 ? c->base_url + 8 :
	    strncmp(c->base_url, "http://", 7) == 0 ? c->base_url + 7 : NULL;
	if (host == NULL || host[0] == '\0' || host[0] == '/' ||
	    host[0] == ':')
		return config_err(err, errsz, "base_url: must be an http(s) "
		    "URL with a host");
	if (strlen(c->base_url) + sizeof("/directory") > URL_MAX)
		return config_err(err, errsz, "base_url: longer than %zu "
		    "characters", URL_MAX - sizeof("/directory"));
	n = strlen(c->base_url);
	if (c->base_url[n - 1] == '/')
		c->base_url[n - 1] = '\0';
	if (c->local_prefix[0] == '\0') {
		p = strchr(host, '/');
		strcpy(c->local_prefix, p == NULL ? "" : p);
	}
	if (config_store(c, err, errsz) == -1)
		return -1;
	if (c->cert_days > c->cert_max_days)
		return config_err(err, errsz, "cert_days: larger than "
		    "cert_max_days");
	if (config_check_profiles(c, err, errsz) == -1)
		return -1;
	if (config_check_proxies(c, err, errsz) == -1)
		return -1;
	if (strstr(c->sms_template, "{code}") == NULL)
		return config_err(err, errsz, "sms_template: must contain "
		    "{code}");
	if (config_eab(c, err, errsz) == -1)
		return -1;
	if (config_derive(c->db_dir, sizeof(c->db_dir), c->data_dir, "db") ||
	    config_derive(c->ca_key, sizeof(c->ca_key), c->data_dir,
	    "ca/ca.key") ||
	    config_derive(c->ca_cert, sizeof(c->ca_cert), c->data_dir,
	    "ca/ca.pem") ||
	    config_derive(c->relay_key, sizeof(c->relay_key),
	    c->data_dir, "relay/account.key") ||
	    config_derive(c->relay_db, sizeof(c->relay_db), c->data_dir,
	    "relay/db") || config_derive(c->relay_cafile,
	    sizeof(c->relay_cafile), c->data_dir, "tls/ca.pem") ||
	    config_derive(c->relay_directory, sizeof(c->relay_directory),
	    c->base_url, "directory"))
		return config_err(err, errsz, "data_dir: too long");
	return 0;
}

int
config_load(struct config *c, const char *file, char *err, size_t errsz)
{
	char		 def[PATH_LEN + 32];
	const char	*var;
	struct stat	 sb;

	config_defaults(c);
	if (file == NULL)
		file = getenv("IDPROVER_CONF");
	if (file == NULL || file[0] == '\0') {
		var = getenv("IDPROVER_VAR");
		snprintf(def, sizeof(def), "%s/idprover.conf",
		    var != NULL && var[0] != '\0' ? var : c->data_dir);
		file = stat(def, &sb) == 0 ? def : NULL;
	}
	if (file != NULL && config_file(c, file, err, errsz) == -1)
		return -1;
	if (config_env(c, err, errsz) == -1)
		return -1;
	if (c->sms_gateway[0] == '\0' && snprintf(c->sms_gateway,
	    sizeof(c->sms_gateway), "file://%s/sms.log", c->data_dir) >=
	    (int)sizeof(c->sms_gateway))
		return config_err(err, errsz, "data_dir: too long");
	return config_check(c, err, errsz);
}
