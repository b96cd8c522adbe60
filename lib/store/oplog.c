#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "base/time.h"
#include "store/oplog.h"

void field_encode(struct strbuf *out, const char *s)
{
	if (!*s) {
		strbuf_addstr(out, "%00"); /* keeps the field count; decodes to "" */
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '%' || c == 0x7f)
			strbuf_addf(out, "%%%02X", c);
		else
			strbuf_addch(out, c);
	}
}

void field_decode(struct strbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 &&
		    hex_value(s[i + 2]) >= 0) {
			int c = hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]);
			if (c)
				strbuf_addch(out, c);
			i += 2;
		} else {
			strbuf_addch(out, s[i]);
		}
	}
}

static int op_parse(struct op *op, const char *line, size_t len)
{
	char *fields[4 + OP_MAXARGS];
	int nf = 0;
	size_t i = 0;
	char *end;

	memset(op, 0, sizeof(*op));
	while (i < len && nf < 4 + OP_MAXARGS) {
		size_t j = i;
		struct strbuf f = STRBUF_INIT;
		while (j < len && line[j] != ' ')
			j++;
		field_decode(&f, line + i, j - i);
		fields[nf++] = strbuf_detach(&f, NULL);
		i = j + 1;
	}
	if (nf < 4 || i < len)
		goto bad;
	/* digits only (strtoul would take "-1" as the largest clock), and no
	   larger than OPLOG_LAMPORT_MAX, so that max + 1 never wraps to 0 */
	if (fields[0][0] < '0' || fields[0][0] > '9' || strlen(fields[0]) > 19)
		goto bad;
	op->lamport = strtoul(fields[0], &end, 10);
	if (*end || op->lamport > OPLOG_LAMPORT_MAX)
		goto bad;
	free(fields[0]);
	op->time = fields[1];
	op->actor = fields[2];
	op->verb = fields[3];
	op->nargs = nf - 4;
	for (int k = 0; k < op->nargs; k++)
		op->args[k] = fields[4 + k];
	op->line = xstrndup(line, len);
	return 0;
bad:
	for (int k = 0; k < nf; k++)
		free(fields[k]);
	memset(op, 0, sizeof(*op));
	return -1;
}

static void op_clear(struct op *op)
{
	free(op->time);
	free(op->actor);
	free(op->verb);
	for (int k = 0; k < op->nargs; k++)
		free(op->args[k]);
	free(op->line);
}

static void oplog_push(struct oplog *log, struct op *op)
{
	ALLOC_GROW(log->ops, log->nr + 1, log->alloc);
	log->ops[log->nr++] = *op;
	if (op->lamport > log->max_lamport)
		log->max_lamport = op->lamport;
}

static int op_cmp(const void *pa, const void *pb);

/* Replays read the operations in the log order, whatever order the file
   has: a file from another clone need not be sorted. */
void oplog_parse(struct oplog *log, const char *buf, size_t len)
{
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
		struct op op;
		if (n && !op_parse(&op, buf + i, n))
			oplog_push(log, &op);
		else if (n) {
			/* Keep a line we cannot read (a newer format?) rather than lose it. */
			memset(&op, 0, sizeof(op));
			op.line = xstrndup(buf + i, n);
			op.time = xstrdup("");
			op.actor = xstrdup("");
			op.verb = xstrdup("");
			oplog_push(log, &op);
		}
		i += n + 1;
	}
	if (log->nr > 1)
		qsort(log->ops, log->nr, sizeof(*log->ops), op_cmp);
}

void oplog_add_at(struct oplog *log, const char *time, const char *actor, const char *verb,
		  const char *a1, const char *a2)
{
	struct strbuf line = STRBUF_INIT;
	struct op op;
	strbuf_addf(&line, "%lu ", log->max_lamport < OPLOG_LAMPORT_MAX ? log->max_lamport + 1 : OPLOG_LAMPORT_MAX);
	field_encode(&line, time);
	strbuf_addch(&line, ' ');
	field_encode(&line, actor);
	strbuf_addch(&line, ' ');
	field_encode(&line, verb);
	if (a1) {
		strbuf_addch(&line, ' ');
		field_encode(&line, a1);
	}
	if (a1 && a2) {
		strbuf_addch(&line, ' ');
		field_encode(&line, a2);
	}
	if (!op_parse(&op, line.buf, line.len))
		oplog_push(log, &op);
	strbuf_release(&line);
}

void oplog_add(struct oplog *log, time_t t, const char *actor, const char *verb,
	       const char *a1, const char *a2)
{
	struct strbuf ts = STRBUF_INIT;
	time_format_iso(&ts, t);
	oplog_add_at(log, ts.buf, actor, verb, a1, a2);
	strbuf_release(&ts);
}

static int op_cmp(const void *pa, const void *pb)
{
	const struct op *a = pa, *b = pb;
	int c;
	if (a->lamport != b->lamport)
		return a->lamport < b->lamport ? -1 : 1;
	if ((c = strcmp(a->time, b->time)))
		return c;
	if ((c = strcmp(a->actor, b->actor)))
		return c;
	return strcmp(a->line, b->line);
}

void oplog_format(struct strbuf *out, struct oplog *log)
{
	size_t w = 0;
	if (log->nr > 1)
		qsort(log->ops, log->nr, sizeof(*log->ops), op_cmp);
	for (size_t i = 0; i < log->nr; i++) {
		if (w && !strcmp(log->ops[w - 1].line, log->ops[i].line)) {
			op_clear(&log->ops[i]);
			continue;
		}
		log->ops[w++] = log->ops[i];
	}
	log->nr = w;
	for (size_t i = 0; i < log->nr; i++) {
		strbuf_addstr(out, log->ops[i].line);
		strbuf_addch(out, '\n');
	}
}

void oplog_clear(struct oplog *log)
{
	for (size_t i = 0; i < log->nr; i++)
		op_clear(&log->ops[i]);
	free(log->ops);
	memset(log, 0, sizeof(*log));
}

void oplog_union(struct strbuf *out, const char *a, size_t alen, const char *b, size_t blen)
{
	struct oplog log = OPLOG_INIT;
	oplog_parse(&log, a, alen);
	oplog_parse(&log, b, blen);
	oplog_format(out, &log);
	oplog_clear(&log);
}
