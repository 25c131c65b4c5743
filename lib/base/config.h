/* The configuration: compiled-in defaults, then an optional JSON file,
 * then IDPROVER_* environment variables. Validated whole at start. */
#ifndef CONFIG_H
#define CONFIG_H
#include <stddef.h>

#include "bounds.h"
#include "fwd.h"

#define PATH_LEN	512
#define PREFIXES_MAX	32

/* Key usages a profile may name (RFC 5280 4.2.1.3), as bits. */
#define KU_DIGITAL_SIGNATURE	0x01
#define KU_NON_REPUDIATION	0x02	/* contentCommitment */
#define KU_KEY_AGREEMENT	0x04

/*
 * A certificate profile (draft-ietf-acme-profiles): what an order under
 * it gets. The freshness policy: a certificate lives
 * cert_days, at most max_proof_seconds after the proof of the number
 * behind it (the renewal window comes earlier when the proof grows
 * older than that), and a valid authorization younger than
 * reuse_seconds makes a new order of the same account and number ready
 * without an SMS (0: never).
 */
struct profile {
	char	 name[PROFILE_NAME_MAX + 1];
	char	 description[PROFILE_DESC_MAX];
	long	 cert_days;
	long	 reuse_seconds;
	long	 max_proof_seconds;
	unsigned key_usage;		/* KU_* */
};

struct config {
	char	 base_url[URL_MAX];	/* external URL of /acme */
	char	 local_prefix[URL_MAX];	/* path the web server mounts */
	char	 relay_url[URL_MAX];	/* external URL of the relay page */
	char	 data_dir[PATH_LEN];
	char	 db_dir[PATH_LEN];
	char	 store[PATH_LEN];	/* postgresql:// URI, "": db_dir */
	char	 ca_key[PATH_LEN];
	char	 ca_cert[PATH_LEN];
	char	 ca_name[128];
	char	 tos_url[URL_MAX];
	char	 website[URL_MAX];
	long	 cert_days, cert_max_days;
	long	 order_hours, authz_hours;
	char	 prefixes[PREFIXES_MAX][TN_MAX + 1];
	size_t	 nprefixes;
	char	 sms_gateway[URL_MAX];
	char	 sms_http_body[URL_MAX];
	char	 sms_template[SMS_TEXT_MAX];
	char	 sms_platform[64];
	char	 sms_link[URL_MAX];
	char	 sms_webotp_host[128];
	long	 sms_timeout_ms;
	long	 sms_resend_interval;	/* seconds between a challenge's SMS */
	long	 limit_number_hour, limit_number_day, limit_account_hour;
	long	 limit_prefix_hour, limit_global_hour;
	long	 limit_orders_hour;
	/* Against a crowd (sliding windows): SMS per account per day, new
	 * accounts per client address per hour and day, and in all. */
	long	 limit_account_day;
	long	 limit_new_accounts_addr_hour, limit_new_accounts_addr_day;
	long	 limit_new_accounts_hour;
	/* Platforms: external account binding "auto", "yes" or
	 * "no", resolved into eab_required; the conversion guard. */
	char	 external_account_required[8];
	int	 eab_required;
	long	 guard_window, guard_min_sends, guard_min_rate;
	long	 guard_prefix_len, guard_hold;
	char	 relay_directory[URL_MAX];	/* the ACME server it uses */
	char	 relay_cafile[PATH_LEN];	/* TLS trust for that server */
	char	 relay_key[PATH_LEN];	/* the relay's ACME account key */
	char	 relay_db[PATH_LEN];
	char	 relay_eab_kid[EAB_KID_MAX + 1];	/* the relay's platform */
	char	 relay_eab_key[64];
	char	 templates[PATH_LEN];
	/* The client address behind a TLS-terminating proxy (the relay). */
	struct cidr	 proxies[PROXIES_MAX];	/* trusted_proxies */
	size_t		 nproxies;
	char		 proxy_header[32];	/* "Forwarded", "X-Forwarded-For" */
	enum fwd_header	 proxy_kind;		/* ... as parsed */
	struct profile profiles[PROFILES_MAX];
	size_t	 nprofiles;
	char	 default_profile[PROFILE_NAME_MAX + 1];
};

/* Load the configuration from file (NULL: IDPROVER_CONF, else
 * $IDPROVER_VAR/idprover.conf when it exists). On error, err names the
 * key and what is wrong, and -1 is returned. */
int	config_load(struct config *, const char *file, char *err,
	    size_t errsz);

/* The profile named name ("" or NULL: the default one), or NULL when
 * the configuration has none of that name. */
const struct profile *config_profile(const struct config *,
	    const char *name);

#endif
