/* ASN.1 modules compiled into the programs (libtasn1). */
#include "asn.h"
#include "log.h"

/* The parsed module; NULL (logged) on failure. */
static asn1_node
asn_defs(struct asn_module *m)
{
	char	 err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	int	 rc;

	if (m->defs != NULL)
		return m->defs;
	err[0] = '\0';
	rc = asn1_array2tree(m->tab, &m->defs, err);
	if (rc != ASN1_SUCCESS) {
		log_err("%s: asn1_array2tree: %s: %s", __func__,
		    asn1_strerror(rc), err);
		m->defs = NULL;
	}
	return m->defs;
}

asn1_node
asn_element(struct asn_module *m, const char *type)
{
	asn1_node	 defs, node = NULL;
	int		 rc;

	if ((defs = asn_defs(m)) == NULL)
		return NULL;
	if ((rc = asn1_create_element(defs, type, &node)) != ASN1_SUCCESS) {
		log_err("%s: asn1_create_element %s: %s", __func__, type,
		    asn1_strerror(rc));
		return NULL;
	}
	return node;
}
