/*
 * Channel settings, secrets and cursors.  Settings are versioned with the
 * store; secrets and cursors belong to this clone only.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/redact.h"
#include "channel/channel.h"

int channel_type_valid(const char *type)
{
	for (int i = 0; channel_types[i]; i++)
		if (!strcmp(type, channel_types[i]))
			return 1;
	return 0;
}

int channel_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (!n || n > 32 || !isalnum((unsigned char)name[0]))
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

static void setting_key(struct strbuf *out, const char *name, const char *key)
{
	strbuf_addf(out, "channel.%s.%s", name, key);
}

const char *channel_get(const struct channel *ch, const char *key)
{
	struct strbuf k = STRBUF_INIT;
	const char *v;
	setting_key(&k, ch->name, key);
	v = config_get(ch->config, k.buf);
	strbuf_release(&k);
	return v && *v ? v : NULL;
}

void channel_names(struct strlist *out, const struct config *c)
{
	for (size_t i = 0; i < c->keys.nr; i++) {
		const char *k = c->keys.items[i], *dot;
		size_t n;
		if (strncmp(k, "channel.", 8) || !(dot = strrchr(k + 8, '.')) || strcmp(dot, ".type"))
			continue;
		n = (size_t)(dot - (k + 8));
		char *name = xstrndup(k + 8, n);
		if (!strlist_has(out, name))
			strlist_push_nodup(out, name);
		else
			free(name);
	}
	strlist_sort(out);
}

static void secret_path(struct strbuf *out, struct dlg_store *s, const char *name)
{
	strbuf_addf(out, "%s/secrets/%s", s->dlgdir, name);
}

/* $DLG_SECRET_SHOP_TG for the channel shop-tg: CI and services keep secrets in the environment. */
static void secret_env_name(struct strbuf *out, const char *name)
{
	strbuf_addstr(out, "DLG_SECRET_");
	for (const char *p = name; *p; p++)
		strbuf_addch(out, *p == '-' ? '_' : toupper((unsigned char)*p));
}

static const char *secret_from_env(const char *name)
{
	struct strbuf var = STRBUF_INIT;
	const char *v;
	secret_env_name(&var, name);
	v = getenv(var.buf);
	strbuf_release(&var);
	return v && *v ? v : NULL;
}

int config_value_check(const char *key, const char *value)
{
	const char *kind = url_secret_kind(value);
	struct strbuf name = STRBUF_INIT, var = STRBUF_INIT;
	int err;
	if (!kind)
		return 0;
	if (!strncmp(key, "channel.", 8))
		strbuf_add(&name, key + 8, strcspn(key + 8, "."));
	else
		strbuf_addstr(&name, "NAME");
	secret_env_name(&var, name.buf);
	/* dlg_error redacts the value it quotes */
	err = dlg_error(DLG_EINVALID,
			"'%s' holds %s, and the config is versioned: secrets go to "
			"'dlg channel add %s --password-file FILE' (or --token-file FILE), "
			"which keeps them in .git/dlg/secrets/%s, or to $%s",
			value, kind, name.buf, name.buf, var.buf);
	strbuf_release(&name);
	strbuf_release(&var);
	return err;
}

void secret_protect_process(void)
{
	static int done;
	struct rlimit none = { 0, 0 };
	if (done)
		return;
	done = 1;
	/* No core file, and no ptrace or /proc/PID/mem for other processes of
	   the same user: either would hand out what the process holds. */
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int secret_read_fd(struct strbuf *out, int fd)
{
	size_t cap;
	/* One buffer that never moves: a growing strbuf would leave copies of
	   the secret in freed memory. */
	strbuf_grow(out, SECRET_MAX + 1);
	cap = out->alloc - out->len - 1;
	for (;;) {
		ssize_t n = read(fd, out->buf + out->len, cap - out->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		strbuf_setlen(out, out->len + (size_t)n);
		if (out->len >= cap) {
			errno = EFBIG;
			return -1;
		}
	}
	strbuf_trim(out);
	return 0;
}

int channel_open(struct channel *ch, struct dlg_store *s, struct config *c, const char *name)
{
	struct strbuf k = STRBUF_INIT, path = STRBUF_INIT;
	const char *type, *env;
	int fd;

	memset(ch, 0, sizeof(*ch));
	strbuf_init(&ch->secret, 0);
	setting_key(&k, name, "type");
	type = config_get(c, k.buf);
	strbuf_release(&k);
	if (!type)
		return dlg_error(DLG_ENOTFOUND, "no channel '%s' (see dlg channel list)", name);
	ch->name = xstrdup(name);
	ch->type = xstrdup(type);
	ch->config = c;
	ch->store = s;
	secret_path(&path, s, name);
	if ((env = secret_from_env(name))) {
		secret_protect_process();
		strbuf_addstr(&ch->secret, env);
	} else if ((fd = open(path.buf, O_RDONLY | O_CLOEXEC)) >= 0) {
		secret_protect_process();
		if (secret_read_fd(&ch->secret, fd) < 0)
			strbuf_reset(&ch->secret);
		close(fd);
	}
	strbuf_release(&path);
	ch->has_secret = ch->secret.len > 0;
	if (ch->has_secret)
		redact_secret_add(ch->secret.buf);
	return 0;
}

void channel_close(struct channel *ch)
{
	free(ch->name);
	free(ch->type);
	/* the secret does not linger in freed memory, nor in errors after this */
	redact_secret_remove(ch->secret.buf);
	strbuf_release_secret(&ch->secret);
	memset(ch, 0, sizeof(*ch));
}

int channel_secret(const char **out, const struct channel *ch)
{
	if (!ch->has_secret) {
		struct strbuf var = STRBUF_INIT;
		int err;
		secret_env_name(&var, ch->name);
		err = dlg_error(DLG_EINVALID,
				"channel %s has no secret: give it with 'dlg channel add %s --token-file FILE' "
				"(or --password-file), or set $%s", ch->name, ch->name, var.buf);
		strbuf_release(&var);
		return err;
	}
	*out = ch->secret.buf;
	return 0;
}

static int write_private(const char *dir, const char *path, const char *tmpname, const char *data, size_t len)
{
	int fd;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return dlg_error(DLG_ERROR, "cannot create '%s': %s", dir, strerror(errno));
	/* 0600 from the start: the secret is never readable by others, not even briefly. */
	fd = open(tmpname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return dlg_error(DLG_ERROR, "cannot write '%s': %s", tmpname, strerror(errno));
	if (fchmod(fd, 0600) < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
		int saved = errno;
		close(fd);
		unlink(tmpname);
		return dlg_error(DLG_ERROR, "cannot write '%s': %s", tmpname, strerror(saved));
	}
	if (close(fd) < 0 || rename(tmpname, path) < 0) {
		int saved = errno;
		unlink(tmpname);
		return dlg_error(DLG_ERROR, "cannot write '%s': %s", path, strerror(saved));
	}
	return 0;
}

static int write_local(struct dlg_store *s, const char *sub, const char *name, const char *data, size_t len)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, tmp = STRBUF_INIT;
	int err;
	strbuf_addf(&dir, "%s/%s", s->dlgdir, sub);
	strbuf_addf(&path, "%s/%s", dir.buf, name);
	strbuf_addf(&tmp, "%s/.%s.%ld", dir.buf, name, (long)getpid());
	err = write_private(dir.buf, path.buf, tmp.buf, data, len);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&tmp);
	return err;
}

int channel_secret_write(struct dlg_store *s, const char *name, const char *data, size_t len)
{
	return write_local(s, "secrets", name, data, len);
}

int channel_secret_remove(struct dlg_store *s, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	int err;
	secret_path(&path, s, name);
	err = file_remove(path.buf);
	strbuf_release(&path);
	return err;
}

int channel_cursor_read(struct strbuf *out, struct dlg_store *s, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	int err = 0;
	strbuf_addf(&path, "%s/cursors/%s", s->dlgdir, name);
	if (strbuf_read_file(out, path.buf) < 0)
		err = errno == ENOENT ? DLG_ENOTFOUND :
		      dlg_error(DLG_ERROR, "cannot read '%s': %s", path.buf, strerror(errno));
	strbuf_trim(out);
	strbuf_release(&path);
	return err;
}

int channel_cursor_write(struct dlg_store *s, const char *name, const char *value)
{
	struct strbuf data = STRBUF_INIT;
	int err;
	strbuf_addf(&data, "%s\n", value);
	err = write_local(s, "cursors", name, data.buf, data.len);
	strbuf_release(&data);
	return err;
}

long channel_timeout_ms(const struct channel *ch)
{
	const char *v = channel_get(ch, "timeout");
	char *end;
	double secs = v ? strtod(v, &end) : 0;
	if (!v || *end || secs <= 0 || secs > 3600)
		return 30000;
	return (long)(secs * 1000);
}

int channel_api_open(struct channel_api *api, struct channel *ch, const char *default_base)
{
	api->ch = ch;
	api->base = channel_get(ch, "api-url");
	if (!api->base)
		api->base = default_base;
	api->timeout_ms = channel_timeout_ms(ch);
	return channel_secret(&api->token, ch);
}
