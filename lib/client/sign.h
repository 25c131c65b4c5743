/* The client side of JWS: account and certificate keys, signing, CSRs.
 * Used by idprover-client, the relay and the load generator. */
#ifndef SIGN_H
#define SIGN_H
#include <stddef.h>

#include "jwk.h"

struct signer;

/* A fresh key for alg (ES256, ES384, ES512, RS256 with 2048 bits, EdDSA). */
struct signer	*signer_generate(enum jwk_alg);
/* Load / save an unencrypted PKCS#8 PEM private key (file mode 0600). */
struct signer	*signer_load(const char *path);
int		 signer_save(const struct signer *, const char *path);
void		 signer_free(struct signer *);

enum jwk_alg	 signer_alg(const struct signer *);
/* Borrowed: the public JWK (RFC 7638 canonical JSON) and thumbprint. */
const char	*signer_jwk(const struct signer *);
const char	*signer_thumb(const struct signer *);

/* A flattened JWS (RFC 8555 6.2) as a malloc'd NUL-terminated string.
 * nonce NULL: no nonce (keyChange inner JWS). kid NULL: the jwk is
 * embedded. payload NULL or "": POST-as-GET. */
char		*signer_jws(const struct signer *, const char *url,
		    const char *nonce, const char *kid, const char *payload);

/* A PKCS#10 CSR (DER, malloc'd) for the signer's key (EC P-256) with a
 * TNAuthList extension request holding tnder and subject CN=tn. */
int		 signer_csr(const struct signer *, const char *tn,
		    const unsigned char *tnder, size_t tnlen,
		    unsigned char **der, size_t *derlen);

/* The DER of the first CERTIFICATE block of a PEM text (a chain as the
 * certificate URL serves it). *der is malloc'd; the caller frees it.
 * Returns 0, or -1 (logged). */
int		 signer_cert_der(const char *pem, unsigned char **der,
		    size_t *derlen);

#endif
