/* The PostgreSQL engine's platforms: typed columns, arrays read and
 * written as literals. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pgint.h"


/* --- Platforms ------------------------------------------------------ */

/* A one-dimensional binary array (or an empty one), read element by
 * element; NULL elements are refused. */
struct arr {
	const unsigned char	*p;
	size_t			 len, off;
	int			 n;
};

static int
arr_open(const PGresult *r, int row, int col, struct arr *a, int max)
{
	a->p = (const unsigned char *)PQgetvalue(r, row, col);
	a->len = (size_t)PQgetlength(r, row, col);
	if (PQgetisnull(r, row, col) || a->len < 12)
		return -1;
	if (pg_be32(a->p) == 0) {
		a->n = 0;
		a->off = 12;
	} else if (pg_be32(a->p) == 1 && a->len >= 20 &&
	    pg_be32(a->p + 12) <= (uint32_t)max) {
		a->n = (int)pg_be32(a->p + 12);
		a->off = 20;
	} else
		return -1;
	return 0;
}

/* The next element: its octets and length; -1 past the end. */
static int
arr_next(struct arr *a, const unsigned char **v, size_t *len)
{
	uint32_t	 el;

	if (a->off + 4 > a->len)
		return -1;
	el = pg_be32(a->p + a->off);
	a->off += 4;
	if (el > a->len - a->off)	/* also NULL: 0xffffffff */
		return -1;
	*v = a->p + a->off;
	*len = el;
	a->off += el;
	return 0;
}

/* The next element as a string of less than size octets. */
static int
arr_str(struct arr *a, char *dst, size_t size)
{
	const unsigned char	*v;
	size_t			 len;

	if (arr_next(a, &v, &len) == -1 || len >= size ||
	    memchr(v, '\0', len) != NULL)
		return -1;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/* The next element as an integer (integer or bigint). */
static int
arr_num(struct arr *a, int64_t *out)
{
	const unsigned char	*v;
	uint64_t		 x = 0;
	size_t			 len, k;

	if (arr_next(a, &v, &len) == -1 || (len != 4 && len != 8))
		return -1;
	for (k = 0; k < len; k++)
		x = x << 8 | v[k];
	*out = len == 4 ? (int32_t)x : (int64_t)x;
	return 0;
}

/* The held prefixes: six parallel arrays (columns 12 to 17) of the slots
 * in use. */
static int
pg_row_held(const PGresult *r, int i, struct platform *pl)
{
	struct arr		 a[6];
	struct guard_hold	*h;
	int64_t			 slot, sent, done;
	int			 j, k;

	for (k = 0; k < 6; k++)
		if (arr_open(r, i, 12 + k, &a[k], GUARD_HELD_MAX) == -1 ||
		    a[k].n != a[0].n)
			return -1;
	for (j = 0; j < a[0].n; j++) {
		if (arr_num(&a[0], &slot) == -1 || slot < 0 ||
		    slot >= GUARD_HELD_MAX)
			return -1;
		h = &pl->held[slot];
		if (arr_str(&a[1], h->prefix, sizeof(h->prefix)) == -1 ||
		    arr_num(&a[2], &h->since) == -1 ||
		    arr_num(&a[3], &h->until) == -1 ||
		    arr_num(&a[4], &sent) == -1 ||
		    arr_num(&a[5], &done) == -1 || sent < 0 ||
		    sent > UINT32_MAX || done < 0 || done > UINT32_MAX)
			return -1;
		h->sent = (uint32_t)sent;
		h->done = (uint32_t)done;
	}
	for (k = 0; k < 6; k++)
		if (a[k].off != a[k].len)
			return -1;
	return 0;
}

int
pg_row_platform(const PGresult *r, int i, struct platform *pl)
{
	struct arr	 h, x;
	size_t		 n;
	int		 j;

	memset(pl, 0, sizeof(*pl));
	pl->version = 1;
	pl->status = (uint8_t)r_num(r, i, 1);
	pl->created = r_num(r, i, 2);
	pl->rotated = r_num(r, i, 3);
	pl->sms_hour = r_num(r, i, 4);
	pl->sms_day = r_num(r, i, 5);
	if (R_STR(r, i, 0, pl->name) == -1 || R_STR(r, i, 6, pl->shown) == -1 ||
	    R_STR(r, i, 7, pl->origin) == -1 || R_STR(r, i, 10, pl->kid) == -1 ||
	    r_copy(r, i, 11, pl->sealed, sizeof(pl->sealed), 0, &n) == -1 ||
	    r_num(r, i, 1) < 0 || r_num(r, i, 1) >= PLATFORM__MAX ||
	    arr_open(r, i, 8, &h, PLATFORM_HASHES_MAX) == -1 ||
	    arr_open(r, i, 9, &x, PLATFORM_PREFIXES_MAX) == -1)
		return -1;
	pl->sealedlen = (uint32_t)n;
	pl->nhashes = (uint8_t)h.n;
	pl->nprefixes = (uint8_t)x.n;
	for (j = 0; j < h.n; j++)
		if (arr_str(&h, pl->hashes[j], sizeof(pl->hashes[j])) == -1)
			return -1;
	for (j = 0; j < x.n; j++)
		if (arr_str(&x, pl->prefixes[j], sizeof(pl->prefixes[j])) == -1)
			return -1;
	if (h.off != h.len || x.off != x.len)
		return -1;
	return pg_row_held(r, i, pl);
}

/*
 * A platform read ahead: its read queued, to go with the next round
 * trip, and its answer kept (pg_platform_answer); pg_platform_get then
 * costs nothing. A newOrder reads the signer's platform after the
 * certificate it replaces: both in one round trip.
 */
int
pg_platform_prefetch(struct store *st, const char *name)
{
	struct params	 p = { .n = 0 };

	if (!st->intx)
		return STORE_ERR;
	if (strlen(name) >= sizeof(st->plat.name) ||
	    (st->plat_state != P_NONE && strcmp(st->plat.name, name) == 0))
		return STORE_OK;
	p_str(&p, name);
	if (pg_queue(st, S_PLATFORM_GET, &p, CMD_PLATFORM) == -1)
		return STORE_ERR;
	memset(&st->plat, 0, sizeof(st->plat));
	strcpy(st->plat.name, name);
	st->plat_state = P_SENT;
	st->sent[st->nsent - 1].gen = ++st->plat_gen;
	return STORE_OK;
}

/* The answer of a platform read ahead (pg_answer): kept unless a
 * platform was written since; a row that does not read is read again,
 * by pg_platform_get, to be reported. */
void
pg_platform_answer(struct store *st, const struct sent *c, const PGresult *r)
{
	char	 name[sizeof(st->plat.name)];

	if (!st->intx || st->plat_state != P_SENT || c->gen != st->plat_gen)
		return;
	strcpy(name, st->plat.name);
	st->plat_state = P_NONE;
	if (PQntuples(r) == 0)
		st->plat_state = P_ABSENT;
	else if (PQntuples(r) == 1 && pg_row_platform(r, 0, &st->plat) == 0 &&
	    strcmp(st->plat.name, name) == 0)
		st->plat_state = P_FOUND;
	if (st->plat_state != P_FOUND) {
		memset(&st->plat, 0, sizeof(st->plat));
		strcpy(st->plat.name, name);
	}
}

/* The platform read ahead as name, when it was: 1 (rc set), or 0. */
static int
pg_platform_ahead(struct store *st, const char *name, struct platform *pl,
    int *rc)
{
	if (!st->intx || st->plat_state == P_NONE ||
	    strcmp(st->plat.name, name) != 0)
		return 0;
	if (st->plat_state == P_SENT && pg_flush(st, NULL) == -1) {
		*rc = STORE_ERR;
		return 1;
	}
	if (st->plat_state == P_FOUND) {
		*pl = st->plat;
		*rc = STORE_OK;
		return 1;
	}
	*rc = STORE_NOTFOUND;
	return st->plat_state == P_ABSENT;
}

int
pg_platform_get(struct store *st, const char *name, struct platform *pl)
{
	struct params	 p = { .n = 0 };
	PGresult	*r;
	int		 rc;

	if (pg_platform_ahead(st, name, pl, &rc))
		return rc;
	p_str(&p, name);
	if ((rc = pg_one(st, S_PLATFORM_GET, &p, &r)) != STORE_OK)
		return rc;
	if (pg_row_platform(r, 0, pl) == -1)
		return pg_corrupt(st, r, __func__);
	PQclear(r);
	return STORE_OK;
}

/* An array literal, built element by element into buf: "{}" empty. */
struct lit {
	char	*buf;
	size_t	 size, n;
	int	 count, bad;
};

static void
lit_start(struct lit *l, char *buf, size_t size)
{
	l->buf = buf;
	l->size = size;
	l->n = 1;
	l->count = l->bad = 0;
	buf[0] = '{';
}

/* Room for c more octets and the closing "}" with its NUL. */
static int
lit_room(struct lit *l, size_t c)
{
	if (l->bad || l->n + c + 2 > l->size)
		l->bad = 1;
	return !l->bad;
}

/* A string element, quoted. */
static void
lit_str(struct lit *l, const char *s)
{
	if (!lit_room(l, 3))
		return;
	if (l->count++ > 0)
		l->buf[l->n++] = ',';
	l->buf[l->n++] = '"';
	for (; *s != '\0'; s++) {
		if (!lit_room(l, 3))
			return;
		if (*s == '"' || *s == '\\')
			l->buf[l->n++] = '\\';
		l->buf[l->n++] = *s;
	}
	l->buf[l->n++] = '"';
}

static void
lit_num(struct lit *l, long long v)
{
	char	 t[24];

	snprintf(t, sizeof(t), "%lld", v);
	if (!lit_room(l, strlen(t) + 1))
		return;
	if (l->count++ > 0)
		l->buf[l->n++] = ',';
	memcpy(l->buf + l->n, t, strlen(t));
	l->n += strlen(t);
}

/* The literal, or NULL when it did not fit. */
static const char *
lit_end(struct lit *l)
{
	if (l->bad)
		return NULL;
	l->buf[l->n++] = '}';
	l->buf[l->n] = '\0';
	return l->buf;
}

#define PG_LIT_MAX	512	/* the longest: 16 held prefixes, or times */

/* The eight array parameters of a platform (hashes, prefixes, the held
 * slots in use); -1 when one does not fit. */
static int
pg_platform_arrays(const struct platform *pl, char a[8][PG_LIT_MAX],
    const char *v[8])
{
	const struct guard_hold	*h;
	struct lit		 l[8];
	int			 j, k;

	if (pl->nhashes > PLATFORM_HASHES_MAX ||
	    pl->nprefixes > PLATFORM_PREFIXES_MAX)
		return -1;
	for (k = 0; k < 8; k++)
		lit_start(&l[k], a[k], PG_LIT_MAX);
	for (j = 0; j < pl->nhashes; j++)
		lit_str(&l[0], pl->hashes[j]);
	for (j = 0; j < pl->nprefixes; j++)
		lit_str(&l[1], pl->prefixes[j]);
	for (j = 0; j < GUARD_HELD_MAX; j++) {
		if ((h = &pl->held[j])->until == 0)
			continue;	/* a free slot */
		lit_num(&l[2], j);
		lit_str(&l[3], h->prefix);
		lit_num(&l[4], h->since);
		lit_num(&l[5], h->until);
		lit_num(&l[6], h->sent);
		lit_num(&l[7], h->done);
	}
	for (k = 0; k < 8; k++)
		if ((v[k] = lit_end(&l[k])) == NULL)
			return -1;
	return 0;
}

/* A write queued with the next read or the commit. */
int
pg_platform_put(struct store *st, const struct platform *pl)
{
	struct params	 p = { .n = 0 };
	char		 a[8][PG_LIT_MAX];
	const char	*v[8];
	int		 k;

	if (pl->sealedlen > sizeof(pl->sealed) ||
	    pg_platform_arrays(pl, a, v) == -1)
		return STORE_ERR;
	p_str(&p, pl->name);
	p_num(&p, pl->status);
	p_num(&p, pl->created);
	p_num(&p, pl->rotated);
	p_num(&p, pl->sms_hour);
	p_num(&p, pl->sms_day);
	p_str(&p, pl->shown);
	p_str(&p, pl->origin);
	p_str(&p, v[0]);
	p_str(&p, v[1]);
	p_str(&p, pl->kid);
	p_bytes(&p, pl->sealed, pl->sealedlen);
	for (k = 2; k < 8; k++)
		p_str(&p, v[k]);
	st->plat_state = P_NONE;	/* read ahead: no longer so */
	return pg_write(st, S_PLATFORM_PUT, &p, CMD_EXEC);
}

/* The rows of statement s, platforms (with a window from column
 * PLAT_WIN_COL when win is set; zeroed for none, or one of another slot
 * count, as pg_window_get gives it) handed to fn until it returns 0.
 * Outside a transaction a statement of its own, clean of an earlier
 * failure. */
#define PLAT_WIN_COL	18
static int
pg_platform_rows(struct store *st, enum stmt s, struct params *p, int win,
    int (*fn)(void *, const struct platform *, const struct window *),
    void *arg)
{
	struct platform	*pl;
	struct window	 w;
	char		 key[STORE_KEY_MAX];
	PGresult	*r;
	int		 i, rc = STORE_OK;

	if (!st->intx)
		st->deadlock = st->failed = 0;
	if ((pl = malloc(sizeof(*pl))) == NULL)
		return STORE_ERR;
	if ((r = pg_exec(st, s, p)) == NULL) {
		free(pl);
		return STORE_ERR;
	}
	memset(&w, 0, sizeof(w));
	for (i = 0; i < PQntuples(r); i++) {
		if (pg_row_platform(r, i, pl) == -1) {
			log_err("%s: a row that does not fit its record",
			    __func__);
			st->failed = 1;
			rc = STORE_ERR;
			break;
		}
		if (win && pg_row_window_at(r, i, PLAT_WIN_COL, key,
		    sizeof(key), &w) == -1)
			memset(&w, 0, sizeof(w));
		if (fn(arg, pl, &w) == 0)
			break;
	}
	PQclear(r);
	free(pl);
	return rc != STORE_OK || pg_failed(st) ? STORE_ERR : STORE_OK;
}

struct plat_only {
	int	(*fn)(void *, const struct platform *);
	void	*arg;
};

static int
pg_plat_only(void *arg, const struct platform *pl, const struct window *w)
{
	const struct plat_only	*o = arg;

	(void)w;
	return o->fn(o->arg, pl);
}

/* In name order, up to PLATFORMS_MAX; fn returns 0 to stop. */
int
pg_platforms(struct store *st, int (*fn)(void *, const struct platform *),
    void *arg)
{
	struct params	 p = { .n = 0 };
	struct plat_only o = { fn, arg };

	p_num(&p, PLATFORMS_MAX);
	return pg_platform_rows(st, S_PLATFORMS, &p, 0, pg_plat_only, &o);
}

/* The platforms with their windows (keys pre NAME post), one statement. */
int
pg_platforms_windows(struct store *st, const char *pre, const char *post,
    int (*fn)(void *, const struct platform *, const struct window *),
    void *arg)
{
	struct params	 p = { .n = 0 };

	p_num(&p, PLATFORMS_MAX);
	p_str(&p, pre);
	p_str(&p, post);
	return pg_platform_rows(st, S_PLATFORMS_WINDOWS, &p, 1, fn, arg);
}
