/* libpq, opened when a PostgreSQL store is, never linked: a program on
 * Berkeley DB maps neither libpq nor the libraries it brings (libssl,
 * Kerberos, LDAP, SASL; about 220 KiB of private memory per process, and
 * their relocation at every start of a CGI program). The engine's files
 * include this instead of libpq-fe.h and call PQ* as usual; each name is a
 * pointer that pq_load fills in (base/dl.c opens the library). */
#ifndef STORE_PQ_H
#define STORE_PQ_H
#include <libpq-fe.h>

#define PQ_SONAME	"libpq.so.5"

/* Every libpq function the engine calls. */
#define PQ_FUNCS(X) \
	X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQconninfoFree) \
	X(PQconninfoParse) X(PQconsumeInput) X(PQenterPipelineMode) \
	X(PQerrorMessage) X(PQexec) X(PQexitPipelineMode) X(PQfinish) \
	X(PQfreemem) X(PQgetResult) X(PQgetisnull) X(PQgetlength) \
	X(PQgetvalue) X(PQntuples) X(PQpipelineStatus) X(PQpipelineSync) \
	X(PQreset) X(PQresultErrorField) X(PQresultErrorMessage) \
	X(PQresultStatus) X(PQsendPrepare) X(PQsendQueryParams) \
	X(PQsendQueryPrepared) X(PQsetNoticeProcessor) X(PQstatus)

struct pq {
#define PQ_MEMBER(f)	__typeof__(f) *f;
	PQ_FUNCS(PQ_MEMBER)
#undef PQ_MEMBER
};

extern struct pq pq;

/* Open libpq once; 0, or -1 (logged) when it is not installed. */
int	pq_load(void);

#ifndef PQ_LOADER
#define PQclear			(*pq.PQclear)
#define PQcmdTuples		(*pq.PQcmdTuples)
#define PQconnectdbParams	(*pq.PQconnectdbParams)
#define PQconninfoFree		(*pq.PQconninfoFree)
#define PQconninfoParse		(*pq.PQconninfoParse)
#define PQconsumeInput		(*pq.PQconsumeInput)
#define PQenterPipelineMode	(*pq.PQenterPipelineMode)
#define PQerrorMessage		(*pq.PQerrorMessage)
#define PQexec			(*pq.PQexec)
#define PQexitPipelineMode	(*pq.PQexitPipelineMode)
#define PQfinish		(*pq.PQfinish)
#define PQfreemem		(*pq.PQfreemem)
#define PQgetResult		(*pq.PQgetResult)
#define PQgetisnull		(*pq.PQgetisnull)
#define PQgetlength		(*pq.PQgetlength)
#define PQgetvalue		(*pq.PQgetvalue)
#define PQntuples		(*pq.PQntuples)
#define PQpipelineStatus	(*pq.PQpipelineStatus)
#define PQpipelineSync		(*pq.PQpipelineSync)
#define PQreset			(*pq.PQreset)
#define PQresultErrorField	(*pq.PQresultErrorField)
#define PQresultErrorMessage	(*pq.PQresultErrorMessage)
#define PQresultStatus		(*pq.PQresultStatus)
#define PQsendPrepare		(*pq.PQsendPrepare)
#define PQsendQueryParams	(*pq.PQsendQueryParams)
#define PQsendQueryPrepared	(*pq.PQsendQueryPrepared)
#define PQsetNoticeProcessor	(*pq.PQsetNoticeProcessor)
#define PQstatus		(*pq.PQstatus)
#endif

#endif
