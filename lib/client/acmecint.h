/* What the client layer's ACME files share: the client's state and its
 * transport (acmec_net.c). The public interface is acmec.h. */
#ifndef CLIENT_ACMECINT_H
#define CLIENT_ACMECINT_H
#include <stddef.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "acmec.h"
#include "bounds.h"

#ifndef ACMEC_BODY_MAX
#define ACMEC_BODY_MAX		(1024 * 1024)	/* response body cap */
/* JSON payloads (acmec.c): add v under k to o (v is put on failure; a
 * NULL v fails), append v to the array a likewise, and o as text in a
 * new string the caller frees (NULL on failure). */
int		 acmec_jadd(json_object *o, const char *k, json_object *v);
int		 acmec_jpush(json_object *a, json_object *v);
char		*acmec_jtext(json_object *o);
/* base64url of len octets in a new string the caller frees. */
char		*acmec_b64(const unsigned char *p, size_t len);

#endif
#ifndef ACMEC_NONCE_MAX
#define ACMEC_NONCE_MAX		256	/* longest Replay-Nonce we keep */
/* JSON payloads (acmec.c): add v under k to o (v is put on failure; a
 * NULL v fails), append v to the array a likewise, and o as text in a
 * new string the caller frees (NULL on failure). */
int		 acmec_jadd(json_object *o, const char *k, json_object *v);
int		 acmec_jpush(json_object *a, json_object *v);
char		*acmec_jtext(json_object *o);
/* base64url of len octets in a new string the caller frees. */
char		*acmec_b64(const unsigned char *p, size_t len);

#endif
#ifndef ACMEC_POLL_MAX
#define ACMEC_POLL_MAX		120	/* seconds spent polling an order */
/* JSON payloads (acmec.c): add v under k to o (v is put on failure; a
 * NULL v fails), append v to the array a likewise, and o as text in a
 * new string the caller frees (NULL on failure). */
int		 acmec_jadd(json_object *o, const char *k, json_object *v);
int		 acmec_jpush(json_object *a, json_object *v);
char		*acmec_jtext(json_object *o);
/* base64url of len octets in a new string the caller frees. */
char		*acmec_b64(const unsigned char *p, size_t len);

#endif
#ifndef ACMEC_WAIT_MAX
#define ACMEC_WAIT_MAX		10	/* longest single Retry-After wait */
/* JSON payloads (acmec.c): add v under k to o (v is put on failure; a
 * NULL v fails), append v to the array a likewise, and o as text in a
 * new string the caller frees (NULL on failure). */
int		 acmec_jadd(json_object *o, const char *k, json_object *v);
int		 acmec_jpush(json_object *a, json_object *v);
char		*acmec_jtext(json_object *o);
/* base64url of len octets in a new string the caller frees. */
char		*acmec_b64(const unsigned char *p, size_t len);

#endif
#ifndef ACMEC_LINKS_MAX
#define ACMEC_LINKS_MAX		8	/* Link header values kept */
/* JSON payloads (acmec.c): add v under k to o (v is put on failure; a
 * NULL v fails), append v to the array a likewise, and o as text in a
 * new string the caller frees (NULL on failure). */
int		 acmec_jadd(json_object *o, const char *k, json_object *v);
int		 acmec_jpush(json_object *a, json_object *v);
char		*acmec_jtext(json_object *o);
/* base64url of len octets in a new string the caller frees. */
char		*acmec_b64(const unsigned char *p, size_t len);

#endif
#ifndef ACMEC_HEADER_MAX
#define ACMEC_HEADER_MAX	2048	/* a response header line we read */
/* JSON payloads (acmec.c): add v under k to o (v is put on failure; a
 * NULL v fails), append v to the array a likewise, and o as text in a
 * new string the caller frees (NULL on failure). */
int		 acmec_jadd(json_object *o, const char *k, json_object *v);
int		 acmec_jpush(json_object *a, json_object *v);
char		*acmec_jtext(json_object *o);
/* base64url of len octets in a new string the caller frees. */
char		*acmec_b64(const unsigned char *p, size_t len);

#endif
#define ACMEC_TIMEOUT		60L	/* seconds per request */
#define ACMEC_CONNECT_TIMEOUT	15L
#define ACMEC_DIGEST_INPUT	512	/* code || token || "." || thumb */
#define ACMEC_AGENT		"idprover-acmec/1"
#define ACME_ERR_PREFIX		"urn:ietf:params:acme:error:"
#define B64URL_CHARS		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn" \
				"opqrstuvwxyz0123456789-_"

enum acmec_method { ACMEC_GET, ACMEC_HEAD, ACMEC_POST, ACMEC__MAX };

/* The resources of the directory (RFC 8555 7.1.1) we use. */
struct acmec_dir {
	char	 nonce[URL_MAX];
	char	 account[URL_MAX];
	char	 order[URL_MAX];
	char	 revoke[URL_MAX];
	char	 keychange[URL_MAX];
	char	 renewal[URL_MAX];	/* renewalInfo (RFC 9773) */
	char	 terms[URL_MAX];
};


struct acmec_link {
	char	 rel[32];
	char	 url[URL_MAX];
};

/* The last response: status, the headers we use and the body. */
struct acmec_resp {
	long			 status;
	char			*body;		/* NUL-terminated */
	size_t			 len;
	size_t			 cap;
	int			 toolarge;
	int			 nomem;
	char			 ctype[128];	/* lower case, no parameters */
	char			 nonce[ACMEC_NONCE_MAX];
	char			 location[URL_MAX];
	long			 retry_after;
	struct acmec_link	 links[ACMEC_LINKS_MAX];
	size_t			 nlinks;
};

struct acmec {
	CURL			*curl;
	int			 global;	/* curl_global_init done */
	struct curl_slist	*jose;		/* POST request headers */
	struct signer		*key;		/* borrowed */
	char			 kid[URL_MAX];
	char			 nonce[ACMEC_NONCE_MAX];
	struct acmec_dir	 dir;
	struct acmec_resp	 resp;
	struct acmec_problem	 prob;
	char			 curlerr[CURL_ERROR_SIZE];
	char			 eab_kid[EAB_KID_MAX + 1]; /* "": none */
	unsigned char		 eab_key[EAB_KEY_LEN];
};

/* libcurl's write callback: collect at most ACMEC_BODY_MAX octets. */
size_t		 acmec_on_body(char *p, size_t size, size_t n, void *arg);
/* libcurl's header callback: one header line per call. */
size_t		 acmec_on_header(char *p, size_t size, size_t n, void *arg);
/*
 * One request on the client's handle (connections are kept alive). Any
 * Replay-Nonce in the answer is cached for the next request. Returns 0
 * when an HTTP response arrived (any status), -1 on transport failure.
 */
int		 acmec_perform(struct acmec *c, enum acmec_method m,
		    const char *url, const char *body);
/* The last response is an error: parse its problem document. -1. */
int		 acmec_refused(struct acmec *c);
/* The body as a JSON object into *out (NULL when empty). */
int		 acmec_json(struct acmec *c, json_object **out);
/* HTTPS only, but for http://127.0.0.1 (tests); no spaces or controls. */
int		 acmec_url_ok(const char *url);
/* Replace control characters: server text ends up on a terminal. */
void		 acmec_clean(char *s);
void		 acmec_prob_reset(struct acmec_problem *p);
/*
 * POST a JWS of payload to url signed by key, with kid or (kid NULL) the
 * embedded jwk; retried once with the fresh nonce on badNonce (RFC 8555
 * 6.5). Returns 0 on a 2xx answer, else -1 with the problem filled.
 */
int		 acmec_signed(struct acmec *c, const char *url,
		    const char *payload, const struct signer *key,
		    const char *kid);
/* Copy a string into a caller's buffer; -1 (problem set) if too long. */
int		 acmec_copy(struct acmec *c, char *dst, size_t dstsz,
		    const char *src);
/* Fill the problem from the error object o (RFC 9457). */
void		 acmec_prob_from(struct acmec_problem *p, json_object *o);
/* A failure that is not a problem document: status 0. Returns -1. */
int		 acmec_error(struct acmec *c, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* JSON payloads (acmec.c): add v under k to o (v is put on failure; a
 * NULL v fails), append v to the array a likewise, and o as text in a
 * new string the caller frees (NULL on failure). */
int		 acmec_jadd(json_object *o, const char *k, json_object *v);
int		 acmec_jpush(json_object *a, json_object *v);
char		*acmec_jtext(json_object *o);
/* base64url of len octets in a new string the caller frees. */
char		*acmec_b64(const unsigned char *p, size_t len);

#endif
