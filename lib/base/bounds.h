/* Every size cap of idprover in one place. */
#ifndef BOUNDS_H
#define BOUNDS_H

#define BODY_MAX		(64 * 1024)	/* request body cap (413 above) */
#define JSON_MAX_DEPTH		10		/* json-c tokener depth */
#define JSON_MAX_MEMBERS	64		/* members per object we look at */
#define JWS_PROTECTED_MAX	8192		/* decoded protected header */
#define JWK_JSON_MAX		1024		/* canonical public JWK text */
#define RSA_BITS_MIN		2048
#define RSA_BITS_MAX		4096
#define ID_RAW_LEN		12		/* random octets in an id */
#define ID_LEN			16		/* base64url of ID_RAW_LEN */
#define THUMB_LEN		43		/* base64url of SHA-256 */
#define NONCE_RAW_LEN		30		/* time(4) rand(16) mac(10) */
#define NONCE_LEN		40		/* base64url of NONCE_RAW_LEN */
#define NONCE_LIFETIME		3600
#define URL_MAX			512
#define CONTACT_MAX		4		/* contact URLs per account */
#define CONTACT_LEN_MAX		254
#define CONTACT_JSON_MAX	1100
#define DETAIL_MAX		256
#define TN_MAX			15		/* E.164 digits */
#define TN_MIN			7		/* ... country code included */
#define TNAUTHLIST_DER_MAX	64		/* one TN: 19 octets at most */
#define IDENT_VALUE_MAX		96		/* base64url of the DER */
#define TOKEN_RAW_LEN		32
#define TOKEN_LEN		43
#define CODE_DIGITS		6
#define CODE_LIFETIME		600		/* seconds a code is good */
#define CODE_TRIES		5		/* failed responses allowed */
#define RESEND_INTERVAL		60		/* seconds between SMS */
#define SENDS_MAX		4		/* SMS per challenge */
#define CSR_DER_MAX		8192
#define CERT_DER_MAX		4096
#define SERIAL_LEN		16
#define ORDERS_PAGE		100
#define PROFILES_MAX		8		/* certificate profiles */
#define PROFILE_NAME_MAX	32		/* [a-z0-9-], without the NUL */
#define PROFILE_DESC_MAX	160		/* its description */
#define CERTID_MAX		256		/* an ARI certID (RFC 9773 4.1) */
#define AKI_MAX			64		/* its keyIdentifier octets */
#define CERT_SERIAL_MAX		20		/* serial content octets (5280) */
#define ARI_RETRY_AFTER		21600		/* seconds: poll renewalInfo */
#define REASSIGN_BATCH		100		/* orders per admin transaction */
#define SMS_TEXT_MAX		480		/* octets of UTF-8 for one SMS */
#define SMS_MSGID_MAX		65
#define SMS_ID_MAX		(ID_LEN + 8)	/* outbox id: order "." send */
#define CONFIG_MAX		(64 * 1024)	/* config file size */
#define TEMPLATE_MAX		(64 * 1024)
#define FORM_MAX		4096		/* relay form body */

#define SMS_URL_MAX		1024		/* gateway URL or body template */
#define SMS_HTTP_MAX		4096		/* HTTP URL or body after substitution */
#define SMS_ERR_MAX		128		/* reason for a failed send */
#define SMS_TIMEOUT_MS		10000		/* send timeout when none is given */
#define SMS_EXEC_OUT_MAX	4096		/* stdout read from an exec gateway */
#define SMPP_SYSTEM_ID_MAX	15		/* characters, without the NUL */
#define SMPP_PASSWORD_MAX	8
#define SMPP_ADDR_MAX		20
#define SMPP_ALNUM_MAX		11		/* alphanumeric source_addr */
#define SMPP_HOST_MAX		255
#define SMPP_SM_MAX		254		/* short_message octets */
#define SMPP_PDU_MAX		4096		/* largest PDU we read */
#define SMPP_UNBIND_MS		500		/* wait for unbind_resp on close */
#define SMPP_IDLE_MS		30000		/* enquire_link before reuse after */
#define SMPP_PROBE_MS		2000		/* wait for that enquire_link_resp */

/* The relay page (cgi-bin/relay.c) and its own store. */
#define FORM_VALUE_MAX		64		/* a decoded form value */
#define FORM_KEY_MAX		16		/* a decoded form key */
#define COOKIE_MAX		4096		/* Cookie header looked at */
#define SESSION_RAW_LEN		32		/* random octets of a session id */
#define SESSION_ID_LEN		43		/* base64url of SESSION_RAW_LEN */
#define CSRF_RAW_LEN		32
#define CSRF_LEN		43		/* base64url of CSRF_RAW_LEN */
#define SESSION_IDLE		1800		/* seconds a session lives unused */
#define SESSION_LIFETIME	86400		/* ... and at most */
#define SESSION_NUMBERS		3		/* numbers one session may try */
#define SESSION_PRUNE_MAX	200		/* records removed per prune */
#define RELAY_SMS_HOUR		10		/* code requests per client/hour */
#define RELAY_CODES_HOUR	30		/* codes entered per client/hour */
#define RELAY_SESSIONS_HOUR	60		/* new sessions per client/hour */
#define CHAIN_PEM_MAX		16384		/* a certificate chain in PEM */
/* The client address behind trusted proxies (lib/base/fwd.c). */
#define PROXIES_MAX		16		/* trusted_proxies entries */
#define FWD_HEADER_MAX		4096		/* Forwarded/X-Forwarded-For read */
#define FWD_HOPS_MAX		32		/* hops looked at, from the right */
#define FWD_VALUE_MAX		64		/* one hop's address text */
#define TEMPLATE_OUT_MAX	(256 * 1024)	/* a rendered page */
#define TEMPLATE_VARS_MAX	40		/* values given to one render */
#define TEMPLATE_NAME_MAX	32		/* a {{name}} */
#define TEMPLATE_DEPTH		8		/* nested {{#sections}} */
/* Platforms: the parties whose accounts order, bound by EAB. */
#define PLATFORM_NAME_MAX	32		/* [a-z0-9-] */
#define PLATFORM_SHOWN_MAX	40		/* {platform} in its texts */
#define PLATFORM_ORIGIN_MAX	100		/* WebOTP host */
#define PLATFORM_HASHES_MAX	3		/* Android app hashes */
#define APP_HASH_LEN		11		/* SMS Retriever hash */
#define PLATFORM_PREFIXES_MAX	8		/* allowed number prefixes */
#define PLATFORMS_MAX		64		/* platforms looked at */
#define GUARD_HELD_MAX		16		/* held prefixes per platform */
#define GUARD_PREFIX_MAX	8		/* digits of a guarded prefix */
#define EAB_KEY_LEN		32		/* HMAC key octets (HS256) */
#define EAB_SEALED_MAX		(EAB_KEY_LEN + 32)
#define EAB_KID_MAX		64		/* a kid we look at */
#define PLATFORM_STATS_DAYS	35		/* days of per-platform counts */

#endif
