/* HTTP(S) SMS gateways (e.g. Kannel sendsms) with libcurl, opened when
 * such a gateway is (base/dl.c): the file, SMPP and exec gateways leave
 * it and the libraries it brings out of the challenge program. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "bounds.h"
#include "dl.h"
#include "log.h"
#include "sms.h"
#include "transport.h"

/* The soname Debian's libcurl4-gnutls-dev links (-lcurl). */
#define CURL_SONAME	"libcurl-gnutls.so.4"

static struct {
	__typeof__(curl_global_init)	*global_init;
	__typeof__(curl_global_cleanup)	*global_cleanup;
	__typeof__(curl_easy_init)	*easy_init;
	__typeof__(curl_easy_cleanup)	*easy_cleanup;
	__typeof__(curl_easy_reset)	*easy_reset;
	__typeof__(curl_easy_setopt)	*easy_setopt;
	__typeof__(curl_easy_getinfo)	*easy_getinfo;
	__typeof__(curl_easy_perform)	*easy_perform;
	__typeof__(curl_easy_strerror)	*easy_strerror;
} cu;

#define CU_SYM(m)	DL_SYM(__typeof__(cu), m, "curl_" #m)
static const struct dl_sym cu_syms[] = {
	CU_SYM(global_init), CU_SYM(global_cleanup), CU_SYM(easy_init),
	CU_SYM(easy_cleanup), CU_SYM(easy_reset), CU_SYM(easy_setopt),
	CU_SYM(easy_getinfo), CU_SYM(easy_perform), CU_SYM(easy_strerror),
};

struct sms_http {
	CURL	*curl;
};

static int
http_load(void)
{
	static int	 loaded;

	return dl_table(CURL_SONAME, "libcurl3-gnutls", cu_syms,
	    sizeof(cu_syms) / sizeof(cu_syms[0]), &cu, &loaded);
}

/* Response bodies are not used; drop them. */
static size_t
http_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

/* Allow http and https only, also for the first request. */
static CURLcode
http_protocols(CURL *c)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	return cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	return cu.easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

/* Set the options of one request. 0 or -1. */
static int
http_setup(CURL *c, const char *url, const char *body, int timeout_ms)
{
	int	 bad = 0;

	cu.easy_reset(c);
	bad |= cu.easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
	bad |= http_protocols(c) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms) !=
	    CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)timeout_ms) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, http_discard) !=
	    CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_USERAGENT, "idprover") != CURLE_OK;
	if (body != NULL) {
		bad |= cu.easy_setopt(c, CURLOPT_POSTFIELDS, body) !=
		    CURLE_OK;
		bad |= cu.easy_setopt(c, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(body)) != CURLE_OK;
	} else
		bad |= cu.easy_setopt(c, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	return bad ? -1 : 0;
}

/*
 * 2xx: sent. 4xx: permanent, except what a retry or the operator can
 * fix: 401, 403, 407 (credentials), 408 (timeout) and 429 (rate
 * limited). Everything else (3xx, since redirects are not followed,
 * and 5xx): transient.
 */
static enum sms_result
http_class(long status)
{
	if (status >= 200 && status <= 299)
		return SMS_SENT;
	if (status == 401 || status == 403 || status == 407 ||
	    status == 408 || status == 429)
		return SMS_TRANSIENT;
	if (status >= 400 && status <= 499)
		return SMS_PERMANENT;
	return SMS_TRANSIENT;
}

/* A libcurl handle kept for the life of the gateway (connection reuse).
 * The result belongs to the caller (sms_http_free). */
struct sms_http *
sms_http_new(char *err, size_t errsz)
{
	struct sms_http	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_err("%s: calloc failed", __func__);
		sms_err(err, errsz, "out of memory");
		return NULL;
	}
	if (http_load() == -1) {
		sms_err(err, errsz, "cannot open libcurl");
		free(h);
		return NULL;
	}
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("%s: curl_global_init failed", __func__);
		sms_err(err, errsz, "cannot initialise libcurl");
		free(h);
		return NULL;
	}
	if ((h->curl = cu.easy_init()) == NULL) {
		log_err("%s: curl_easy_init failed", __func__);
		sms_err(err, errsz, "cannot initialise libcurl");
		cu.global_cleanup();
		free(h);
		return NULL;
	}
	return h;
}

/*
 * One request, classified by http_class; network errors and timeouts
 * are transient. The URL is never logged: it holds the text.
 */
enum sms_result
sms_http_send(struct sms_http *h, const char *url, const char *body,
    int timeout_ms, char *err, size_t errsz)
{
	CURLcode	 cc;
	enum sms_result	 rc;
	long		 status = 0;

	if (http_setup(h->curl, url, body, timeout_ms) == -1) {
		log_err("%s: curl_easy_setopt failed", __func__);
		sms_err(err, errsz, "cannot set up request");
		return SMS_TRANSIENT;
	}
	if ((cc = cu.easy_perform(h->curl)) != CURLE_OK) {
		log_err("%s: %s", __func__, cu.easy_strerror(cc));
		sms_err(err, errsz, "HTTP request failed: %s",
		    cu.easy_strerror(cc));
		cu.easy_reset(h->curl);
		return SMS_TRANSIENT;
	}
	cu.easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	cu.easy_reset(h->curl);	/* drop the URL copy */
	if ((rc = http_class(status)) == SMS_SENT)
		return SMS_SENT;
	log_err("%s: gateway answered HTTP %ld", __func__, status);
	sms_err(err, errsz, "gateway answered HTTP %ld", status);
	return rc;
}

/* Free the handle; accepts NULL. */
void
sms_http_free(struct sms_http *h)
{
	if (h == NULL)
		return;
	cu.easy_cleanup(h->curl);
	cu.global_cleanup();
	free(h);
}
