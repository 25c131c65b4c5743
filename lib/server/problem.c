/* RFC 7807 problem documents: the one table of ACME error types and
 * statuses, and the one writer of application/problem+json. */
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "jwk.h"

static const struct {
	const char	*type;
	int		 status;
	const char	*title;
} probs[PROB__MAX] = {
	[PROB_NONE] = { "", 200, "" },
	[PROB_ACCOUNT_DOES_NOT_EXIST] = { "accountDoesNotExist", 400,
	    "Account does not exist" },
	[PROB_ALREADY_REVOKED] = { "alreadyRevoked", 400,
	    "Certificate already revoked" },
	[PROB_BAD_CSR] = { "badCSR", 400, "Unacceptable CSR" },
	[PROB_BAD_NONCE] = { "badNonce", 400, "Bad nonce" },
	[PROB_BAD_PUBLIC_KEY] = { "badPublicKey", 400, "Unacceptable key" },
	[PROB_BAD_REVOCATION_REASON] = { "badRevocationReason", 400,
	    "Revocation reason not allowed" },
	[PROB_BAD_SIGNATURE_ALGORITHM] = { "badSignatureAlgorithm", 400,
	    "Signature algorithm not supported" },
	[PROB_CONNECTION] = { "connection", 400, "SMS delivery failed" },
	[PROB_EXTERNAL_ACCOUNT_REQUIRED] = { "externalAccountRequired", 400,
	    "External account binding required" },
	[PROB_INCORRECT_RESPONSE] = { "incorrectResponse", 400,
	    "Incorrect challenge response" },
	[PROB_INVALID_CONTACT] = { "invalidContact", 400, "Invalid contact" },
	[PROB_MALFORMED] = { "malformed", 400, "Malformed request" },
	[PROB_NOT_FOUND] = { "malformed", 404, "Not found" },
	[PROB_METHOD] = { "malformed", 405, "Method not allowed" },
	[PROB_CONFLICT] = { "malformed", 409, "Conflict" },
	[PROB_TOO_LARGE] = { "malformed", 413, "Request too large" },
	[PROB_MEDIA_TYPE] = { "malformed", 415, "Unsupported media type" },
	[PROB_ORDER_NOT_READY] = { "orderNotReady", 403, "Order not ready" },
	[PROB_RATE_LIMITED] = { "rateLimited", 429, "Rate limited" },
	[PROB_REJECTED_IDENTIFIER] = { "rejectedIdentifier", 400,
	    "Identifier rejected" },
	[PROB_SERVER_INTERNAL] = { "serverInternal", 500,
	    "Internal server error" },
	[PROB_UNAVAILABLE] = { "serverInternal", 503,
	    "Service temporarily unavailable" },
	[PROB_UNAUTHORIZED] = { "unauthorized", 403, "Unauthorized" },
	[PROB_ACCOUNT_INACTIVE] = { "unauthorized", 401,
	    "Account not valid" },
	[PROB_UNSUPPORTED_CONTACT] = { "unsupportedContact", 400,
	    "Unsupported contact" },
	[PROB_UNSUPPORTED_IDENTIFIER] = { "unsupportedIdentifier", 400,
	    "Unsupported identifier" },
	[PROB_ALREADY_REPLACED] = { "alreadyReplaced", 409,
	    "Certificate already replaced" },
	[PROB_INVALID_PROFILE] = { "invalidProfile", 400,
	    "Profile not offered" },
};

const char *
problem_type(enum prob p)
{
	return p < PROB__MAX ? probs[p].type : "serverInternal";
}

int
problem_status(enum prob p)
{
	return p < PROB__MAX ? probs[p].status : 500;
}

json_object *
problem_object(enum prob p, const char *detail)
{
	json_object	*o;
	char		 type[96];

	if (p >= PROB__MAX)
		p = PROB_SERVER_INTERNAL;
	snprintf(type, sizeof(type), "urn:ietf:params:acme:error:%s",
	    probs[p].type);
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "title",
	    json_object_new_string(probs[p].title));
	if (detail != NULL && detail[0] != '\0')
		json_object_object_add(o, "detail",
		    json_object_new_string(detail));
	if (p != PROB_CONNECTION && p != PROB_INCORRECT_RESPONSE)
		json_object_object_add(o, "status",
		    json_object_new_int(probs[p].status));
	return o;
}

/* Replace the response with the problem document of r->prob. */
int
problem_write(struct req *r)
{
	json_object	*o, *a;
	int		 i;

	if (r->prob >= PROB__MAX)
		r->prob = PROB_SERVER_INTERNAL;
	if ((o = problem_object(r->prob, r->detail)) == NULL)
		return -1;
	json_object_object_add(o, "status",
	    json_object_new_int(probs[r->prob].status));
	if (r->prob == PROB_BAD_SIGNATURE_ALGORITHM) {
		a = json_object_new_array();
		for (i = 0; i < JWK__MAX; i++)
			json_object_array_add(a,
			    json_object_new_string(jwk_alg_name(i)));
		json_object_object_add(o, "algorithms", a);
	}
	if (r->remaining >= 0)
		json_object_object_add(o, "remainingTries",
		    json_object_new_int(r->remaining));
	resp_json(r, probs[r->prob].status, o);
	r->ctype = "application/problem+json";
	return 0;
}

enum prob
problem_parse(const char *type, int status)
{
	static const char	 urn[] = "urn:ietf:params:acme:error:";
	enum prob		 p, found = PROB_SERVER_INTERNAL;

	if (type == NULL)
		return PROB_SERVER_INTERNAL;
	if (strncmp(type, urn, sizeof(urn) - 1) == 0)
		type += sizeof(urn) - 1;
	for (p = PROB_NONE + 1; p < PROB__MAX; p++) {
		if (strcmp(probs[p].type, type) != 0)
			continue;
		if (status == 0 || probs[p].status == status)
			return p;
		if (found == PROB_SERVER_INTERNAL)
			found = p;
	}
	return found;
}
