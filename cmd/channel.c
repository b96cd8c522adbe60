#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel/channel.h"
#include "cmd.h"
#include "ops/channel.h"

static const char channel_usage[] =
	"usage: dlg channel add NAME --type TYPE [options]\n"
	"       dlg channel list [--json]\n"
	"       dlg channel rm NAME\n"
	"TYPE is email, telegram, vk, facebook or chat.  Options:\n"
	"  --api-url URL         the API's base URL (telegram, vk, facebook)\n"
	"  --token-file FILE     the bot or page token (- for stdin)\n"
	"  --password-file FILE  the mailbox password (email; - for stdin)\n"
	"  --group-id N          the VK community (vk)\n"
	"  --page-id N           the Facebook page (facebook)\n"
	"  --imap URL            imap:// or imaps:// URL with the mailbox (email)\n"
	"  --smtp URL            smtp:// or smtps:// URL (email)\n"
	"  --user NAME           the IMAP and SMTP login (email)\n"
	"  --address ADDR        our From address (email)\n"
	"  --spool DIR           the website's spool directory (chat)\n"
	"  --timeout SECONDS     how long one network call may take (default 30)\n"
	"Settings are versioned in the store; secrets stay in .git/dlg/secrets/\n"
	"(mode 0600), or come from $DLG_SECRET_NAME at run time.  A URL with a\n"
	"password or a token in it is refused.\n";

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

static int channel_add(struct dlg_ctx *ctx, int argc, char **argv)
{
	enum { OPT_TYPE = 256, OPT_TOKEN, OPT_PASSWORD, OPT_SETTING };
	struct option opts[NSETTINGS + 5] = {
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "token-file", required_argument, NULL, OPT_TOKEN },
		{ "password-file", required_argument, NULL, OPT_PASSWORD },
		{ "help", no_argument, NULL, 'h' },
	};
	struct dlg_channel_spec job = { 0 };
	struct strbuf secret = STRBUF_INIT;
	const char *secret_file = NULL, *secret_opt = NULL;
	int c, idx, ret = 0;

	for (size_t i = 0; i < NSETTINGS; i++)
		opts[4 + i] = (struct option){ settings[i].key, required_argument, NULL, OPT_SETTING + (int)i };
	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		if (c == OPT_TYPE) {
			job.type = optarg;
		} else if (c == OPT_TOKEN || c == OPT_PASSWORD) {
			secret_file = optarg;
			secret_opt = c == OPT_TOKEN ? "--token-file" : "--password-file";
		} else if (c >= OPT_SETTING && c < OPT_SETTING + (int)NSETTINGS) {
			job.values[c - OPT_SETTING] = optarg;
		} else {
			return usage(channel_usage, c == 'h');
		}
	}
	if (argc - optind != 1 || !job.type)
		return usage(channel_usage, 0);
	job.name = argv[optind];
	/* before the secret is read: a mistyped command does not ask for it */
	if (dlg_channel_check(&job) < 0)
		return error_last();
	if (secret_file) {
		if (!strcmp(job.type, "chat"))
			return error_msg("%s does not apply to chat channels", secret_opt);
		if (!strcmp(job.type, "email") != !strcmp(secret_opt, "--password-file"))
			return error_msg("%s channels take %s", job.type,
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
	const char *sub = argc > 1 ? argv[1] : NULL;
	/* --help anywhere: the dispatcher opened no store for it */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(channel_usage, 1);
	if (!sub)
		return usage(channel_usage, 0);
	if (!strcmp(sub, "add"))
		return channel_add(ctx, argc - 1, argv + 1);
	if (!strcmp(sub, "list")) {
		int json = argc == 3 && !strcmp(argv[2], "--json");
		if (argc > 3 || (argc == 3 && !json))
			return usage(channel_usage, 0);
		return channel_list(ctx, json);
	}
	if (!strcmp(sub, "rm")) {
		if (argc != 3)
			return usage(channel_usage, 0);
		return dlg_channel_remove(ctx->store, argv[2]) < 0 ? error_last() : 0;
	}
	error_msg("unknown subcommand '%s'", sub);
	return 2;
}
