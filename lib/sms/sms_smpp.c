/* SMPP 3.4 transmitter (PROTOCOL 10) on libsmpp34; we own the socket. */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>

#include "bounds.h"
#include "log.h"
#include "sms.h"
#include "transport.h"

#define SMPP_HDR_LEN	16
#define SMPP_VALIDITY	"000000001000000R"	/* relative, 10 minutes */
#define DC_GSM		0x00
#define DC_UCS2		0x08

_Static_assert(sizeof(((struct bind_transmitter_t *)0)->system_id) ==
    sizeof(((struct smpp_conf *)0)->system_id), "system_id");
_Static_assert(sizeof(((struct bind_transmitter_t *)0)->password) ==
    sizeof(((struct smpp_conf *)0)->password), "password");
_Static_assert(sizeof(((struct submit_sm_t *)0)->source_addr) ==
    sizeof(((struct smpp_conf *)0)->source_addr), "source_addr");
_Static_assert(sizeof(((struct submit_sm_t *)0)->short_message) >=
    SMPP_SM_MAX, "short_message");

struct sms_smpp {
	struct smpp_conf	 conf;
	int			 fd;
	uint32_t		 seq;
	long long		 last_rx;	/* when a PDU last arrived */
};

struct pdu {
	uint32_t	 len;
	uint32_t	 id;
	uint32_t	 status;
	uint32_t	 seq;
	uint8_t		 buf[SMPP_PDU_MAX];
};

/* The encoded short message of one send. */
struct sm {
	const char	*to;
	uint8_t		 dc;
	uint8_t		 len;
	uint8_t		 octets[SMPP_SM_MAX];
};

/* Reasons for submit_sm command_status values (PROTOCOL 10.5). */
static const struct {
	uint32_t	 status;
	enum sms_result	 rc;
	const char	*why;
} statuses[] = {
	{ ESME_RINVDSTADR, SMS_PERMANENT, "destination rejected" },
	{ ESME_RINVDSTTON, SMS_PERMANENT, "destination TON rejected" },
	{ ESME_RINVDSTNPI, SMS_PERMANENT, "destination NPI rejected" },
	{ ESME_RINVSRCADR, SMS_TRANSIENT,
	    "source_addr refused, fix the gateway URL" },
	{ ESME_RINVSRCTON, SMS_TRANSIENT,
	    "source_ton refused, fix the gateway URL" },
	{ ESME_RINVSRCNPI, SMS_TRANSIENT,
	    "source_npi refused, fix the gateway URL" },
	{ ESME_RINVMSGLEN, SMS_TRANSIENT, "SMSC refused our PDU" },
	{ ESME_RINVCMDLEN, SMS_TRANSIENT, "SMSC refused our PDU" },
	{ ESME_RINVCMDID, SMS_TRANSIENT, "SMSC refused our PDU" },
	{ ESME_RINVBNDSTS, SMS_TRANSIENT, "not bound" },
	{ ESME_RSYSERR, SMS_TRANSIENT, "SMSC system error" },
	{ ESME_RMSGQFUL, SMS_TRANSIENT, "SMSC queue full" },
	{ ESME_RTHROTTLED, SMS_TRANSIENT, "throttled" },
	{ ESME_RSUBMITFAIL, SMS_TRANSIENT, "submit failed" },
	{ ESME_RINVEXPIRY, SMS_TRANSIENT, "validity_period refused" },
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Next sequence_number, 1 to 0x7FFFFFFF. */
static uint32_t
smpp_seq(struct sms_smpp *s)
{
	s->seq = s->seq >= 0x7fffffff ? 1 : s->seq + 1;
	return s->seq;
}

/* Wait for events on fd until deadline. 1 ready, -1 (errno set). */
static int
io_wait(int fd, short events, long long deadline)
{
	struct pollfd	 pfd;
	long long	 left;
	int		 rc;

	pfd.fd = fd;
	pfd.events = events;
	for (;;) {
		if ((left = deadline - sms_clock_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (rc > 0)
			return 1;
		if (rc == -1 && errno != EINTR)
			return -1;
	}
}

/* Write all of buf before deadline. 0 or -1 (errno set). */
static int
io_write(int fd, const uint8_t *buf, size_t len, long long deadline)
{
	ssize_t	 w;

	while (len > 0) {
		if (io_wait(fd, POLLOUT, deadline) == -1)
			return -1;
		w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read exactly len octets before deadline. 0 or -1 (errno set). */
static int
io_read(int fd, uint8_t *buf, size_t len, long long deadline)
{
	ssize_t	 r;

	while (len > 0) {
		if (io_wait(fd, POLLIN, deadline) == -1)
			return -1;
		r = recv(fd, buf, len, 0);
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r == 0)
			errno = ECONNRESET;
		if (r <= 0)
			return -1;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Read one PDU: 4-octet length n, 16 <= n <= SMPP_PDU_MAX. 0 or -1. */
static int
pdu_read(struct sms_smpp *s, struct pdu *p, long long deadline)
{
	int	 fd = s->fd;

	if (io_read(fd, p->buf, 4, deadline) == -1)
		return -1;
	p->len = be32(p->buf);
	if (p->len < SMPP_HDR_LEN || p->len > sizeof(p->buf)) {
		log_err("%s: bad command_length %u", __func__, p->len);
		errno = EPROTO;
		return -1;
	}
	if (io_read(fd, p->buf + 4, p->len - 4, deadline) == -1)
		return -1;
	p->id = be32(p->buf + 4);
	p->status = be32(p->buf + 8);
	p->seq = be32(p->buf + 12);
	s->last_rx = sms_clock_ms();
	return 0;
}

/* Pack a PDU structure of the given type and write it. 0 or -1. */
static int
pdu_send(int fd, uint32_t type, void *pdu, long long deadline)
{
	uint8_t	 buf[SMPP_PDU_MAX];
	int	 len = 0, rc = -1, saved;

	/* smpp34_strerror may quote field values: do not log it. */
	if (smpp34_pack(type, buf, sizeof(buf), &len, pdu) != 0 || len <= 0) {
		log_err("%s: smpp34_pack 0x%08x failed", __func__, type);
		errno = EINVAL;
		goto out;
	}
	if (io_write(fd, buf, (size_t)len, deadline) == -1) {
		saved = errno;
		log_err("%s: %s", __func__, strerror(saved));
		errno = saved;
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* Send a header-only PDU (responses, generic_nack, unbind). */
static int
pdu_send_header(int fd, uint32_t id, uint32_t status, uint32_t seq,
    long long deadline)
{
	struct generic_nack_t	 h;

	memset(&h, 0, sizeof(h));
	h.command_id = id;
	h.command_status = status;
	h.sequence_number = seq;
	return pdu_send(fd, id, &h, deadline);
}

static void
smpp_drop(struct sms_smpp *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
}

/*
 * Handle a PDU that is not the response we wait for: answer the SMSC's
 * enquire_link and unbind, refuse other requests with generic_nack and
 * ignore stray responses. Returns 0, or -1 if the session ended.
 */
static int
smpp_handle(struct sms_smpp *s, const struct pdu *p, long long deadline)
{
	if (p->id == ENQUIRE_LINK)
		return pdu_send_header(s->fd, ENQUIRE_LINK_RESP, ESME_ROK,
		    p->seq, deadline);
	if (p->id == UNBIND) {
		pdu_send_header(s->fd, UNBIND_RESP, ESME_ROK, p->seq,
		    deadline);
		log_err("%s: SMSC unbound", __func__);
		errno = ECONNRESET;
		return -1;
	}
	if ((p->id & GENERIC_NACK) == 0)
		return pdu_send_header(s->fd, GENERIC_NACK, ESME_RINVCMDID,
		    p->seq, deadline);
	return 0;
}

/*
 * Read PDUs until the response id (or a generic_nack) to seq arrives,
 * handling the others. 0 with p filled, or -1 (errno set; the caller
 * drops the session).
 */
static int
smpp_wait(struct sms_smpp *s, uint32_t id, uint32_t seq, struct pdu *p,
    long long deadline)
{
	for (;;) {
		if (pdu_read(s, p, deadline) == -1)
			return -1;
		if (p->seq == seq && (p->id == id || p->id == GENERIC_NACK))
			return 0;
		if (smpp_handle(s, p, deadline) == -1)
			return -1;
	}
}

/* Finish a non-blocking connect. 0 or -1 (errno set). */
static int
connect_wait(int fd, long long deadline)
{
	socklen_t	 len = sizeof(int);
	int		 soerr = 0;

	if (io_wait(fd, POLLOUT, deadline) == -1)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

/* Connect to one address with a non-blocking socket. fd or -1. */
static int
connect_one(const struct addrinfo *ai, long long deadline)
{
	int	 fd, one = 1, saved;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
	    (errno == EINPROGRESS && connect_wait(fd, deadline) == 0)) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return fd;
	}
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* TCP connect to the SMSC before deadline. 0 or -1 with err set. */
static int
smpp_connect(struct sms_smpp *s, long long deadline, char *err,
    size_t errsz)
{
	struct addrinfo		 hints, *res = NULL, *ai;
	int			 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(s->conf.host, s->conf.port, &hints, &res))
	    != 0) {
		log_err("%s: %s: %s", __func__, s->conf.host,
		    gai_strerror(rc));
		sms_err(err, errsz, "cannot resolve SMSC host");
		return -1;
	}
	errno = ETIMEDOUT;
	for (ai = res; ai != NULL && s->fd == -1; ai = ai->ai_next)
		s->fd = connect_one(ai, deadline);
	freeaddrinfo(res);
	if (s->fd == -1) {
		log_err("%s: %s port %s: %s", __func__, s->conf.host,
		    s->conf.port, strerror(errno));
		sms_err(err, errsz, "cannot connect to SMSC: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* bind_transmitter (PROTOCOL 10.2). 0 or -1 with err set. */
static int
smpp_bind(struct sms_smpp *s, long long deadline, char *err, size_t errsz)
{
	struct bind_transmitter_t	 req;
	struct pdu			 resp;
	int				 rc = -1, saved;

	memset(&req, 0, sizeof(req));
	req.command_id = BIND_TRANSMITTER;
	req.sequence_number = smpp_seq(s);
	memcpy(req.system_id, s->conf.system_id, sizeof(req.system_id));
	memcpy(req.password, s->conf.password, sizeof(req.password));
	req.interface_version = SMPP_VERSION;
	if (pdu_send(s->fd, BIND_TRANSMITTER, &req, deadline) == -1 ||
	    smpp_wait(s, BIND_TRANSMITTER_RESP, req.sequence_number, &resp,
	    deadline) == -1) {
		saved = errno;
		log_err("%s: %s", __func__, strerror(saved));
		sms_err(err, errsz, "bind failed: %s", strerror(saved));
		goto out;
	}
	if (resp.id != BIND_TRANSMITTER_RESP || resp.status != ESME_ROK) {
		log_err("%s: bind refused with 0x%08x: check system_id and "
		    "password", __func__, resp.status);
		sms_err(err, errsz, "bind refused (0x%08x), check system_id "
		    "and password", resp.status);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(&req, sizeof(req));
	return rc;
}

/* Connect and bind. 0 or -1 with err set and no session. */
static int
smpp_open(struct sms_smpp *s, long long deadline, char *err, size_t errsz)
{
	if (smpp_connect(s, deadline, err, errsz) == -1)
		return -1;
	if (smpp_bind(s, deadline, err, errsz) == -1) {
		smpp_drop(s);
		return -1;
	}
	return 0;
}

/*
 * Whether a kept session still looks usable: read what the SMSC sent
 * while we were idle (enquire_link, unbind, a close). 1 or 0 (dropped).
 */
static int
smpp_alive(struct sms_smpp *s)
{
	struct pollfd	 pfd;
	struct pdu	 p;
	long long	 deadline;

	deadline = sms_clock_ms() + 1000;
	pfd.fd = s->fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 0) == 1) {
		if ((pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 ||
		    pdu_read(s, &p, deadline) == -1 ||
		    smpp_handle(s, &p, deadline) == -1) {
			smpp_drop(s);
			return 0;
		}
	}
	return 1;
}

/*
 * A kept session silent for SMPP_IDLE_MS may have died without a close
 * (NAT, SMSC restart): check it with enquire_link (PROTOCOL 10.4).
 * 1 if usable, 0 if dropped.
 */
static int
smpp_probe(struct sms_smpp *s, long long deadline)
{
	struct pdu	 p;
	long long	 now, until;
	uint32_t	 seq;

	now = sms_clock_ms();
	if (now - s->last_rx < SMPP_IDLE_MS)
		return 1;
	until = now + SMPP_PROBE_MS < deadline ? now + SMPP_PROBE_MS :
	    deadline;
	seq = smpp_seq(s);
	if (pdu_send_header(s->fd, ENQUIRE_LINK, ESME_ROK, seq, until) == 0 &&
	    smpp_wait(s, ENQUIRE_LINK_RESP, seq, &p, until) == 0 &&
	    p.id == ENQUIRE_LINK_RESP)
		return 1;
	log_err("%s: idle session lost, reconnecting", __func__);
	smpp_drop(s);
	return 0;
}

/* Fill a submit_sm (PROTOCOL 10.3). */
static void
submit_fill(struct sms_smpp *s, const struct sm *m, int validity,
    struct submit_sm_t *req)
{
	memset(req, 0, sizeof(*req));
	req->command_id = SUBMIT_SM;
	req->sequence_number = smpp_seq(s);
	req->source_addr_ton = (uint8_t)s->conf.source_ton;
	req->source_addr_npi = (uint8_t)s->conf.source_npi;
	memcpy(req->source_addr, s->conf.source_addr,
	    sizeof(s->conf.source_addr));
	req->dest_addr_ton = TON_International;
	req->dest_addr_npi = NPI_ISDN_E163_E164;
	snprintf((char *)req->destination_addr,
	    sizeof(req->destination_addr), "%s", m->to);
	if (validity)
		snprintf((char *)req->validity_period,
		    sizeof(req->validity_period), "%s", SMPP_VALIDITY);
	req->data_coding = m->dc;
	req->sm_length = m->len;
	memcpy(req->short_message, m->octets, m->len);
}

/* One submit_sm and its response. 0 with resp filled, or -1. */
static int
smpp_submit(struct sms_smpp *s, const struct sm *m, int validity,
    struct pdu *resp, long long deadline)
{
	struct submit_sm_t	 req;
	int			 rc = -1, saved;

	submit_fill(s, m, validity, &req);
	if (pdu_send(s->fd, SUBMIT_SM, &req, deadline) == -1 ||
	    smpp_wait(s, SUBMIT_SM_RESP, req.sequence_number, resp,
	    deadline) == -1) {
		saved = errno;
		log_err("%s: %s", __func__, strerror(saved));
		errno = saved;
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(&req, sizeof(req));
	return rc;
}

/* Copy the message_id of a successful submit_sm_resp. */
static void
resp_msgid(const struct pdu *p, char *msgid, size_t msgidsz)
{
	struct submit_sm_resp_t	 r;
	size_t			 i, n = 0;

	if (msgid == NULL || msgidsz == 0)
		return;
	memset(&r, 0, sizeof(r));
	if (p->len > SMPP_HDR_LEN &&
	    smpp34_unpack(SUBMIT_SM_RESP, &r, p->buf, (int)p->len) != 0) {
		log_err("%s: cannot unpack submit_sm_resp", __func__);
		return;
	}
	for (i = 0; i < sizeof(r.message_id) && r.message_id[i] != '\0' &&
	    n + 1 < msgidsz; i++)
		if (r.message_id[i] > 0x20 && r.message_id[i] < 0x7f)
			msgid[n++] = (char)r.message_id[i];
	msgid[n] = '\0';
}

/* Map a response to a result; err and the log get the reason. */
static enum sms_result
smpp_result(const struct pdu *p, char *msgid, size_t msgidsz, char *err,
    size_t errsz)
{
	const char	*why = "SMSC error";
	enum sms_result	 rc = SMS_TRANSIENT;
	size_t		 i;

	if (p->id == SUBMIT_SM_RESP && p->status == ESME_ROK) {
		resp_msgid(p, msgid, msgidsz);
		return SMS_SENT;
	}
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == p->status) {
			why = statuses[i].why;
			rc = statuses[i].rc;
			break;
		}
	log_err("%s: %s%s (0x%08x)", __func__,
	    p->id == GENERIC_NACK ? "generic_nack: " : "", why, p->status);
	sms_err(err, errsz, "%s (0x%08x)", why, p->status);
	return rc;
}

/* Encode the text for submit_sm. 0 or -1. */
static int
sm_encode(struct sm *m, const char *to, const char *text)
{
	int	 ucs2, len;

	if (!sms_fits(text, &ucs2))
		return -1;
	len = sms_encode(text, ucs2, m->octets, sizeof(m->octets));
	if (len < 0)
		return -1;
	m->to = to;
	m->dc = ucs2 ? DC_UCS2 : DC_GSM;
	m->len = (uint8_t)len;
	return 0;
}

/*
 * Submit on the current session (bound first if there is none) and
 * resend once without validity_period on ESME_RINVEXPIRY.
 * 0 with resp filled, -1 on a session failure (*fresh tells whether
 * the session was opened by this call).
 */
static int
smpp_try(struct sms_smpp *s, const struct sm *m, struct pdu *resp,
    long long deadline, int *fresh, char *err, size_t errsz)
{
	*fresh = s->fd == -1 || !smpp_alive(s) || !smpp_probe(s, deadline);
	if (s->fd == -1 && smpp_open(s, deadline, err, errsz) == -1)
		return -1;
	if (smpp_submit(s, m, 1, resp, deadline) == 0 &&
	    (resp->status != ESME_RINVEXPIRY ||
	    smpp_submit(s, m, 0, resp, deadline) == 0))
		return 0;
	sms_err(err, errsz, "SMSC session failed: %s", strerror(errno));
	smpp_drop(s);
	return -1;
}

/* Copy conf; no connection yet. The caller frees (sms_smpp_free). */
struct sms_smpp *
sms_smpp_new(const struct smpp_conf *conf)
{
	struct sms_smpp	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_err("%s: calloc: %s", __func__, strerror(errno));
		return NULL;
	}
	s->conf = *conf;
	s->fd = -1;
	return s;
}

/*
 * Send one SMS, keeping the bind for later sends. A kept session that
 * turns out dropped (or not bound) is reopened once.
 */
enum sms_result
sms_smpp_send(struct sms_smpp *s, const char *to, const char *text,
    int timeout_ms, char *msgid, size_t msgidsz, char *err, size_t errsz)
{
	struct sm	 m;
	struct pdu	 resp;
	enum sms_result	 rc = SMS_TRANSIENT;
	long long	 deadline;
	int		 attempt, fresh;

	deadline = sms_clock_ms() + timeout_ms;
	if (sm_encode(&m, to, text) == -1) {
		sms_err(err, errsz, "text does not fit one SMS");
		rc = SMS_PERMANENT;
		goto out;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		if (smpp_try(s, &m, &resp, deadline, &fresh, err, errsz)
		    == -1) {
			if (fresh)
				break;
			continue;
		}
		if (resp.status == ESME_RINVBNDSTS && !fresh) {
			smpp_drop(s);
			continue;
		}
		rc = smpp_result(&resp, msgid, msgidsz, err, errsz);
		break;
	}
out:
	explicit_bzero(&m, sizeof(m));
	explicit_bzero(&resp, sizeof(resp));
	return rc;
}

/* Unbind, waiting SMPP_UNBIND_MS for unbind_resp, close and free;
 * accepts NULL. */
void
sms_smpp_free(struct sms_smpp *s)
{
	struct pdu	 p;
	long long	 deadline;
	uint32_t	 seq;

	if (s == NULL)
		return;
	if (s->fd != -1) {
		deadline = sms_clock_ms() + SMPP_UNBIND_MS;
		seq = smpp_seq(s);
		if (pdu_send_header(s->fd, UNBIND, ESME_ROK, seq,
		    deadline) == 0)
			smpp_wait(s, UNBIND_RESP, seq, &p, deadline);
		smpp_drop(s);
	}
	explicit_bzero(s, sizeof(*s));
	free(s);
}
