#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel/channel.h"
#include "channel/gateway.h"
#include "cmd.h"
#include "ops/channel.h"

static const char *const channel_usage[] = {
	"dlg channel add NAME --type TYPE [options]",
	"dlg channel list [--json]",
	"dlg channel rm NAME",
	"",
	"TYPE is email, telegram, vk, facebook or chat.  Options:",
	NULL,
};

/* The library's table of settings, under the names the options below use. */
static const struct dlg_channel_setting *const settings = dlg_channel_settings;
#define NSETTINGS DLG_CHANNEL_NSETTINGS

static int read_secret(struct strbuf *out, const char *file)
{
	int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0, r;
	secret_protect_process();
	if (fd < 0)
		return error_msg("cannot read '%s': %s", file, strerror(errno));
	r = secret_read_fd(out, fd);
	if (fd)
		close(fd);
	if (r < 0)
		return error_msg("cannot read '%s': %s", file,
				 errno == EFBIG ? "longer than a secret may be (4 KB)" : strerror(errno));
	if (!out->len)
		return error_msg("'%s' is empty", file);
	if (memchr(out->buf, '\n', out->len))
		return error_msg("'%s' holds more than one line", file);
	return 0;
}

/* What channel add's options say.  cmd_channel() holds them and their
   table: every usage message of dlg channel lists channel add's options. */
struct channel_add_args {
	struct dlg_channel_spec job;    /* the type and the settings */
	const char *secret_file, *secret_opt;
};

/* --api-url, --group-id...: the setting of the option's name */
static int setting_opt(const struct opt *o, const char *arg)
{
	struct channel_add_args *a = o->value;
	for (size_t i = 0; i < NSETTINGS; i++)
		if (!strcmp(settings[i].key, o->long_name))
			a->job.values[i] = arg;
	return 0;
}

static int secret_file_opt(const struct opt *o, const char *arg)
{
	struct channel_add_args *a = o->value;
	a->secret_file = arg;
	a->secret_opt = !strcmp(o->long_name, "token-file") ? "--token-file" : "--password-file";
	return 0;
}

static int channel_add(struct dlg_ctx *ctx, int argc, char **argv, const struct opt *opts,
		       struct channel_add_args *add)
{
	struct dlg_channel_spec job;
	struct strbuf secret = STRBUF_INIT;
	const char *secret_file, *secret_opt;
	int ret = 0;

	argc = parse_options(argc, argv, opts, channel_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc != 1 || !add->job.type)
		return usage_with_options(channel_usage, opts, 0);
	job = add->job;
	secret_file = add->secret_file;
	secret_opt = add->secret_opt;
	job.name = argv[0];
	/* before the secret is read: a mistyped command does not ask for it */
	if (dlg_channel_check(&job) < 0)
		return error_usage_last();
	if (secret_file) {
		if (!strcmp(job.type, "chat"))
			return error_usage("%s does not apply to chat channels", secret_opt);
		if (!strcmp(job.type, "email") != !strcmp(secret_opt, "--password-file"))
			return error_usage("%s channels take %s", job.type,
					   !strcmp(job.type, "email") ? "--password-file" : "--token-file");
		if ((ret = read_secret(&secret, secret_file)))
			goto out;
		job.secret = secret.buf;
		job.secret_len = secret.len;
	}
	if (dlg_channel_add(ctx->store, &job) < 0)
		ret = error_last();
out:
	strbuf_release_secret(&secret);
	return ret;
}

static int channel_list(struct dlg_ctx *ctx, int json)
{
	struct config c = CONFIG_INIT;
	struct strlist names = STRLIST_INIT;
	if (config_load(&c, ctx->store) < 0)
		return error_last();
	channel_names(&names, &c);
	for (size_t i = 0; i < names.nr; i++) {
		struct channel ch;
		if (channel_open(&ch, ctx->store, &c, names.items[i]) < 0)
			continue;
		if (json) {
			json_t *o = json_object(), *set = json_object();
			json_object_set_new(o, "name", jstr(ch.name));
			json_object_set_new(o, "type", jstr(ch.type));
			for (size_t k = 0; k < NSETTINGS; k++)
				if (channel_get(&ch, settings[k].key))
					json_object_set_new(set, settings[k].key, jstr(channel_get(&ch, settings[k].key)));
			json_object_set_new(o, "settings", set);
			json_object_set_new(o, "secret", json_boolean(ch.has_secret));
			json_print_line(o);
			json_decref(o);
		} else {
			struct strbuf line = STRBUF_INIT;
			strbuf_addf(&line, "%-16s %-9s", ch.name, ch.type);
			for (size_t k = 0; k < NSETTINGS; k++)
				if (channel_get(&ch, settings[k].key))
					strbuf_addf(&line, " %s=%s", settings[k].key, channel_get(&ch, settings[k].key));
			if (strcmp(ch.type, "chat"))
				strbuf_addstr(&line, ch.has_secret ? " (secret set)" : " (no secret)");
			print_safe(stdout, line.buf, 0);
			putchar('\n');
			strbuf_release(&line);
		}
		channel_close(&ch);
	}
	strlist_clear(&names);
	config_clear(&c);
	return 0;
}

CMD(channel)
{
	struct channel_add_args add = { { 0 }, NULL, NULL };
	const struct opt add_opts[] = {
		OPT_COLUMN(24),
		OPT_STRING(0, "type", &add.job.type, "TYPE", NULL),
		OPT_CALLBACK(0, "api-url", &add, "URL", "the API's base URL (telegram, vk, facebook)",
			     setting_opt),
		OPT_CALLBACK(0, "token-file", &add, "FILE", "the bot or page token (- for stdin)",
			     secret_file_opt),
		OPT_CALLBACK(0, "password-file", &add, "FILE", "the mailbox password (email; - for stdin)",
			     secret_file_opt),
		OPT_CALLBACK(0, "group-id", &add, "N", "the VK community (vk)", setting_opt),
		OPT_CALLBACK(0, "page-id", &add, "N", "the Facebook page (facebook)", setting_opt),
		OPT_CALLBACK(0, "imap", &add, "URL", "imap:// or imaps:// URL with the mailbox (email)",
			     setting_opt),
		OPT_CALLBACK(0, "smtp", &add, "URL", "smtp:// or smtps:// URL (email)", setting_opt),
		OPT_CALLBACK(0, "user", &add, "NAME", "the IMAP and SMTP login (email)", setting_opt),
		OPT_CALLBACK(0, "address", &add, "ADDR", "our From address (email)", setting_opt),
		OPT_CALLBACK(0, "spool", &add, "DIR", "the website's spool directory (chat)", setting_opt),
		OPT_CALLBACK(0, "timeout", &add, "SECONDS", "how long one network call may take (default 30)",
			     setting_opt),
		OPT_CALLBACK(0, "visitor-rate", &add, "RATE", "messages per visitor (chat; " GATEWAY_VISITOR_RATE ")",
			     setting_opt),
		OPT_CALLBACK(0, "address-rate", &add, "RATE", "requests per client address (chat; "
			     GATEWAY_ADDRESS_RATE ")", setting_opt),
		OPT_CALLBACK(0, "address-connections", &add, "N", "connections per client address (chat)",
			     setting_opt),
		OPT_TEXT("Settings are versioned in the store; secrets stay in .git/dlg/secrets/"),
		OPT_TEXT("(mode 0600), or come from $DLG_SECRET_NAME at run time.  A URL with a"),
		OPT_TEXT("password or a token in it is refused."),
		OPT_END(),
	};
	/* channel list takes [--json] (once), channel rm no option: all else is an argument */
	int json = 0;
	const struct opt list_opts[] = { OPT_COUNTER(0, "json", &json, NULL), OPT_END() };
	static const struct opt rm_opts[] = { OPT_END() };
	const char *sub;

	/* --help anywhere: the dispatcher opened no store for it */
	argc = parse_options(argc, argv, add_opts, channel_usage, PARSE_OPT_SUBCOMMAND);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!argc)
		return usage_with_options(channel_usage, add_opts, 0);
	sub = argv[0];
	if (!strcmp(sub, "add"))
		return channel_add(ctx, argc, argv, add_opts, &add);
	if (!strcmp(sub, "list")) {
		argc = parse_options(argc, argv, list_opts, channel_usage, PARSE_OPT_KEEP_UNKNOWN);
		if (argc < 0)
			return parse_options_exit(argc);
		if (argc || json > 1)
			return usage_with_options(channel_usage, add_opts, 0);
		return channel_list(ctx, json);
	}
	if (!strcmp(sub, "rm")) {
		argc = parse_options(argc, argv, rm_opts, channel_usage, PARSE_OPT_KEEP_UNKNOWN);
		if (argc < 0)
			return parse_options_exit(argc);
		if (argc != 1)
			return usage_with_options(channel_usage, add_opts, 0);
		return dlg_channel_remove(ctx->store, argv[0]) < 0 ? error_last() : 0;
	}
	error_msg("unknown subcommand '%s'", sub);
	return 2;
}
