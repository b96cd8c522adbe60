/*
 * The website chat's gateway, the parts a test drives without a socket
 * (gateway.h).  Everything here comes from the Internet or from a spool
 * the site's account can write: tokens are checked in constant time before
 * any of their content is believed, spool files are read without
 * following links and up to a limit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "base/time.h"
#include "channel/gateway.h"
#include "mail/charset.h"
#include "mail/mime.h"

/* Longer tokens are not ours: a visitor id, a 20-digit expiry, a MAC, in base64. */
#define TOKEN_MAX 256

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url_encode(struct strbuf *out, const unsigned char *in, size_t len)
{
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;
		if (n > 1)
			v |= (unsigned)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		for (size_t k = 0; k <= n; k++)
			strbuf_addch(out, b64url[(v >> (18 - 6 * k)) & 63]);
	}
}

/* Strict: only the alphabet, no padding, no length that encoding never makes; -1 else. */
static int b64url_decode(unsigned char *out, size_t *outlen, const char *in, size_t len)
{
	unsigned v = 0;
	size_t bits = 0, n = 0;
	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const char *p = in[i] ? strchr(b64url, in[i]) : NULL;
		if (!p)
			return -1;
		v = (v << 6) | (unsigned)(p - b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	if (v) /* leftover bits an encoder leaves zero: another spelling of the same bytes */
		return -1;
	*outlen = n;
	return 0;
}

static void token_mac(unsigned char mac[SHA256_DIGEST_SIZE], const unsigned char *key,
		      const char *payload, size_t len)
{
	struct hmac_sha256_ctx ctx;
	hmac_sha256_set_key(&ctx, GATEWAY_KEY_SIZE, key);
	hmac_sha256_update(&ctx, len, (const uint8_t *)payload);
	hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, mac);
}

void gateway_token_make(struct strbuf *out, const unsigned char *key, const char *visitor, time_t expiry)
{
	struct strbuf raw = STRBUF_INIT;
	unsigned char mac[SHA256_DIGEST_SIZE];
	strbuf_addf(&raw, "%s.%lld", visitor, (long long)expiry);
	token_mac(mac, key, raw.buf, raw.len);
	strbuf_addch(&raw, '.');
	strbuf_add(&raw, mac, sizeof(mac));
	b64url_encode(out, (const unsigned char *)raw.buf, raw.len);
	strbuf_release(&raw);
}

static int visitor_id_valid(const char *s, size_t len)
{
	if (!len || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return 1;
}

int gateway_token_verify(struct strbuf *visitor, const unsigned char *key, const char *token, time_t now)
{
	unsigned char raw[TOKEN_MAX], mac[SHA256_DIGEST_SIZE];
	size_t len = strlen(token), n;
	const char *dot;
	char *end;
	long long expiry;

	strbuf_reset(visitor);
	if (len > TOKEN_MAX || b64url_decode(raw, &n, token, len) < 0 ||
	    n < SHA256_DIGEST_SIZE + 4 || raw[n - SHA256_DIGEST_SIZE - 1] != '.')
		return dlg_error(DLG_EINVALID, "forged token");
	n -= SHA256_DIGEST_SIZE + 1;
	token_mac(mac, key, (const char *)raw, n);
	if (!memeql_sec(mac, raw + n + 1, SHA256_DIGEST_SIZE))
		return dlg_error(DLG_EINVALID, "forged token");
	/* signed by us: the rest is what gateway_token_make() wrote */
	raw[n] = '\0';
	if (!(dot = strchr((const char *)raw, '.')) || !visitor_id_valid((const char *)raw, (size_t)(dot - (const char *)raw)))
		return dlg_error(DLG_EINVALID, "forged token");
	errno = 0;
	expiry = strtoll(dot + 1, &end, 10);
	if (errno || *end || end == dot + 1)
		return dlg_error(DLG_EINVALID, "forged token");
	if (expiry <= (long long)now)
		return dlg_error(DLG_EINVALID, "expired token");
	strbuf_add(visitor, raw, (size_t)(dot - (const char *)raw));
	return 0;
}

void gateway_visitor_id(char out[GATEWAY_VISITOR_ID_LEN + 1])
{
	random_hex(out, GATEWAY_VISITOR_ID_LEN);
	out[GATEWAY_VISITOR_ID_LEN] = '\0';
}

static int key_read(unsigned char *key, int fd, const char *path)
{
	struct stat st;
	ssize_t r;
	if (fstat(fd, &st) < 0)
		return dlg_error(DLG_ERROR, "cannot read '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size != GATEWAY_KEY_SIZE)
		return dlg_error(DLG_EINVALID, "'%s' is not a key of %d bytes", path, GATEWAY_KEY_SIZE);
	if (st.st_mode & 077)
		return dlg_error(DLG_EINVALID, "'%s' is readable by others: chmod 600 it, "
				 "or remove it and restart to make a new key", path);
	if ((r = pread(fd, key, GATEWAY_KEY_SIZE, 0)) != GATEWAY_KEY_SIZE)
		return dlg_error(DLG_ERROR, "cannot read '%s': %s", path, r < 0 ? strerror(errno) : "short read");
	return 0;
}

static int key_create(unsigned char *key, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), err = 0;
	if (fd < 0)
		return errno == EEXIST ? DLG_EEXISTS :
			dlg_error(DLG_ERROR, "cannot create '%s': %s", path, strerror(errno));
	if (getrandom(key, GATEWAY_KEY_SIZE, 0) != GATEWAY_KEY_SIZE)
		err = dlg_error(DLG_ERROR, "no random bytes for '%s': %s", path, strerror(errno));
	else if (write(fd, key, GATEWAY_KEY_SIZE) != GATEWAY_KEY_SIZE || fsync(fd) < 0)
		err = dlg_error(DLG_ERROR, "cannot write '%s': %s", path, strerror(errno));
	close(fd);
	if (err)
		unlink(path);
	return err;
}

static void key_path(struct strbuf *path, const char *dlgdir, const char *channel)
{
	strbuf_addf(path, "%s/secrets/%s.chat-key", dlgdir, channel);
}

int gateway_key_remove(const char *dlgdir, const char *channel)
{
	struct strbuf path = STRBUF_INIT;
	int err;
	key_path(&path, dlgdir, channel);
	err = file_remove(path.buf);
	strbuf_release(&path);
	return err;
}

int gateway_key_load(unsigned char key[GATEWAY_KEY_SIZE], const char *dlgdir, const char *channel)
{
	struct strbuf path = STRBUF_INIT;
	int fd, err;
	strbuf_addf(&path, "%s/secrets", dlgdir);
	if (mkdir(path.buf, 0700) < 0 && errno != EEXIST) {
		err = dlg_error(DLG_ERROR, "cannot create '%s': %s", path.buf, strerror(errno));
		goto out;
	}
	strbuf_reset(&path);
	key_path(&path, dlgdir, channel);
	/* made by the first serve; two starting at once: one makes it, the other reads it */
	for (int tries = 0; tries < 2; tries++) {
		if ((fd = open(path.buf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) >= 0) {
			err = key_read(key, fd, path.buf);
			close(fd);
			goto out;
		}
		if (errno != ENOENT) {
			err = dlg_error(DLG_ERROR, "cannot read '%s': %s", path.buf, strerror(errno));
			goto out;
		}
		if ((err = key_create(key, path.buf)) != DLG_EEXISTS)
			goto out;
	}
	err = dlg_error(DLG_ERROR, "cannot read '%s'", path.buf);
out:
	strbuf_release(&path);
	return err;
}

int gateway_rate_parse(struct gateway_rate *r, const char *key, const char *value, const char *def)
{
	static const struct { const char *unit; double seconds; } units[] = {
		{ "s", 1 }, { "min", 60 }, { "h", 3600 },
	};
	const char *s = value ? value : def, *unit;
	char *end;
	double n, burst = 0;
	size_t ulen;

	r->per_second = r->burst = 0;
	if (!strcmp(s, "off"))
		return 0;
	errno = 0;
	n = strtod(s, &end);
	if (errno || end == s || *end != '/' || !(n >= 1) || n > 1e9 || strspn(s, "0123456789") != (size_t)(end - s))
		goto bad;
	unit = end + 1;
	ulen = strcspn(unit, ",");
	if (unit[ulen] == ',') {
		const char *b = unit + ulen + 1;
		errno = 0;
		burst = strtod(b, &end);
		if (errno || *end || !*b || strspn(b, "0123456789") != strlen(b) || !(burst >= 1) || burst > 1e9)
			goto bad;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
		if (strlen(units[i].unit) == ulen && !strncmp(unit, units[i].unit, ulen)) {
			r->per_second = n / units[i].seconds;
			r->burst = burst ? burst : n / 2 >= 1 ? n / 2 : 1;
			return 0;
		}
bad:
	return dlg_error(DLG_EINVALID, "%s: '%s' is not a rate (N/s, N/min or N/h, then ,BURST if you like, or off)",
			 key, s);
}

int gateway_setting_check(const char *key, const char *value)
{
	struct gateway_rate r;
	const char *dot = strrchr(key, '.'), *name = dot ? dot + 1 : key;
	if (!strcmp(name, "visitor-rate") || !strcmp(name, "address-rate"))
		return gateway_rate_parse(&r, name, value, NULL);
	if (!strcmp(name, "address-connections")) {
		char *end;
		long n;
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || *end || end == value || *value == '+' || *value == '-' || n < 1 || n > 65535)
			return dlg_error(DLG_EINVALID, "%s: '%s' is not a number of connections (1 to 65535)",
					 name, value);
	}
	return 0;
}

size_t gateway_text_chars(const char *text)
{
	size_t n = 0;
	for (; *text; text++)
		n += ((unsigned char)*text & 0xc0) != 0x80;
	return n;
}

static int popup_id_valid(const char *id)
{
	size_t len = strlen(id);
	if (!len || len > GATEWAY_POPUP_ID_MAX)
		return 0;
	for (; *id; id++)
		if ((unsigned char)*id < 0x20 || *id == 0x7f)
			return 0;
	return 1;
}

/* The last name of a path a browser may send (C:\Users\...\a.png). */
static const char *file_base_name(const char *name)
{
	const char *slash = strrchr(name, '/'), *backslash = strrchr(name, '\\');
	if (slash && (!backslash || slash > backslash))
		return slash + 1;
	return backslash ? backslash + 1 : name;
}

static int message_check(const struct gateway_message *m)
{
	int has_text = m->text && *m->text;
	if (!has_text && !m->file_name)
		return dlg_error(DLG_EINVALID, "no text and no file");
	if (has_text && gateway_text_chars(m->text) > GATEWAY_TEXT_MAX)
		return dlg_error(DLG_EINVALID, "the text is longer than %d characters", GATEWAY_TEXT_MAX);
	if (m->file_name && (!*file_base_name(m->file_name) || (!m->file_data && m->file_len)))
		return dlg_error(DLG_EINVALID, "the file has no name");
	if (m->file_name && m->file_len > GATEWAY_FILE_MAX)
		return dlg_error(DLG_EINVALID, "the file is larger than 2 MB");
	if (m->popup && !popup_id_valid(m->popup))
		return dlg_error(DLG_EINVALID, "a pop-up id is 1 to %d characters, no control characters",
				 GATEWAY_POPUP_ID_MAX);
	return 0;
}

static json_t *file_json(const struct gateway_message *m)
{
	struct strbuf b64 = STRBUF_INIT;
	char *type = mime_type_sniff(m->file_data ? m->file_data : "", m->file_len);
	json_t *f;
	base64_encode(&b64, m->file_data ? m->file_data : "", m->file_len);
	f = json_pack("{s:s, s:s, s:s%}", "name", file_base_name(m->file_name), "type", type,
		      "data", b64.buf, b64.len);
	free(type);
	strbuf_release(&b64);
	return f;
}

int gateway_message_write(struct strbuf *id, const struct spool *sp, const struct gateway_message *m)
{
	struct strbuf name = STRBUF_INIT, iso = STRBUF_INIT;
	char rnd[17];
	struct timeval tv;
	json_t *j, *v;
	char *text;
	int err;

	if ((err = message_check(m)) < 0)
		return err;
	random_hex(rnd, 16);
	rnd[16] = '\0';
	strbuf_reset(id);
	strbuf_addf(id, "g-%s", rnd);
	/* new/ is read in name order: the time first, so messages go in as they came */
	gettimeofday(&tv, NULL);
	strbuf_addf(&name, "%lld.%06ld.%s.json", (long long)tv.tv_sec, (long)tv.tv_usec, rnd);
	time_format_iso(&iso, m->date);

	j = json_object();
	json_object_set_new(j, "id", json_string(id->buf));
	json_object_set_new(j, "source", json_string(m->popup ? "popup" : "chat"));
	if (m->popup)
		json_object_set_new(j, "popup", json_string(m->popup));
	v = json_object();
	json_object_set_new(v, "id", json_string(m->visitor));
	if (m->name && *m->name)
		json_object_set_new(v, "name", json_string(m->name));
	if (m->email && *m->email)
		json_object_set_new(v, "email", json_string(m->email));
	json_object_set_new(j, "visitor", v);
	if (m->page && *m->page)
		json_object_set_new(j, "page", json_string(m->page));
	json_object_set_new(j, "text", json_string(m->text ? m->text : ""));
	json_object_set_new(j, "date", json_string(iso.buf));
	if (m->file_name)
		json_object_set_new(j, "attachments", json_pack("[o]", file_json(m)));
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!text)
		err = dlg_error(DLG_EINVALID, "cannot encode the message as JSON");
	else if ((err = file_write_at(sp->tmp, "g.", sp->new, name.buf, text, strlen(text), FILE_NOREPLACE)) < 0)
		err = dlg_error(err, "cannot write new/%s in the spool: %s", name.buf, dlg_error_last());
	free(text);
	strbuf_release(&name);
	strbuf_release(&iso);
	return err;
}
