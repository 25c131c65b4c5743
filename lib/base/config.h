/* The configuration: compiled-in defaults, then an optional JSON file,
 * then IDPROVER_* environment variables. Validated whole at start. */
#ifndef CONFIG_H
#define CONFIG_H
#include <stddef.h>

#include "bounds.h"

#define PATH_LEN	512
#define PREFIXES_MAX	32

struct config {
	char	 base_url[URL_MAX];	/* external URL of /acme */
	char	 local_prefix[URL_MAX];	/* path the web server mounts */
	char	 relay_url[URL_MAX];	/* external URL of the relay page */
	char	 data_dir[PATH_LEN];
	char	 db_dir[PATH_LEN];
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
	/* Platforms (issue 16): external account binding "auto", "yes" or
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
};

/* Load the configuration from file (NULL: IDPROVER_CONF, else
 * $IDPROVER_VAR/idprover.conf when it exists). On error, err names the
 * key and what is wrong, and -1 is returned. */
int	config_load(struct config *, const char *file, char *err,
	    size_t errsz);

#endif
