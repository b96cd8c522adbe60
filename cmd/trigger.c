#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "channel/channel.h"
#include "cmd.h"
#include "ops/channel.h"
#include "ops/template.h"
#include "ops/trigger.h"
#include "store/id.h"

static const char *const trigger_usage[] = {
	"dlg trigger (--user USER... | --users-from FILE) --channel NAME [--popup]",
	"            (-m TEXT | -F FILE | -t TEMPLATE) [--send] [-q]",
	"dlg trigger --channel NAME --popup --page PATTERN [--until WHEN]",
	"            (-m TEXT | -F FILE) [--send] [-q]",
	"dlg trigger --withdraw ID",
	"",
	"Starts a new dialog with each user: an outgoing message through the",
	"channel NAME, to the user's identity there.  Each trigger is a dialog",
	"of its own; the user's answer joins it.  With --page, a pop-up for",
	"every visitor of the website's pages that match PATTERN.",
	NULL,
};

struct trigger_target {
	char uid[17];
	char *ident;         /* the user's identity on the channel */
	char *text;
};

static int read_users(struct strlist *out, const char *file)
{
	struct strbuf data = STRBUF_INIT;
	int r = strcmp(file, "-") ? strbuf_read_file(&data, file) : strbuf_read_fd(&data, 0);
	if (r < 0)
		return error_msg("cannot read '%s': %s", file, strerror(errno));
	for (char *p = data.buf; *p;) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		/* the first word: `dlg list`-like lines pipe in */
		size_t w = strcspn(p, " \t\r\n");
		if (w && *p != '#')
			strlist_push_nodup(out, xstrndup(p, w < n ? w : n));
		p += n + (nl ? 1 : 0);
	}
	strbuf_release(&data);
	return 0;
}

/* --until: an age from now (7d, 12h), or a date, the last second of a day. */
static int until_parse(time_t *out, const char *when)
{
	time_t now = dlg_now(), start;
	size_t digits = strspn(when, "0123456789");
	if (digits && digits < 10 && when[digits] && strchr("mhdw", when[digits]) && !when[digits + 1]) {
		static const struct { char unit; long seconds; } units[] = {
			{ 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
		};
		long n = strtol(when, NULL, 10);
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
			if (units[i].unit == when[digits])
				*out = now + (time_t)n * units[i].seconds;
		return 0;
	}
	if (time_parse_span(&start, out, when, now) < 0)
		return error_usage("--until: cannot read '%s' (use an age such as 7d, 12h or 2w, or "
				   "YYYY-MM-DD[THH:MM])", when);
	return 0;
}

static int page_popup(struct dlg_ctx *ctx, const char *chan, const char *page, const char *until,
		      const char *m, const char *file, int send_now, int quiet)
{
	struct strbuf text = STRBUF_INIT, chan_name = STRBUF_INIT;
	struct strlist none = STRLIST_INIT;
	struct config c = CONFIG_INIT;
	struct channel ch = { 0 };
	struct dlg_page_popup_opts o = { &ch, page, NULL, 0 };
	char id[17];
	int ret;

	if (until && (ret = until_parse(&o.until, until)))
		return ret;
	if (dlg_channel_find(&chan_name, ctx->store, chan) < 0 || config_load(&c, ctx->store) < 0 ||
	    channel_open(&ch, ctx->store, &c, chan_name.buf) < 0) {
		ret = error_last();
		config_clear(&c);
		strbuf_release(&chan_name);
		return ret;
	}
	if (!(ret = text_from_sources(&text, m, file, "message"))) {
		emoji_expand_in_place(&text);
		o.text = text.buf;
		if (dlg_popup_add(id, ctx->store, &o) < 0)
			ret = error_last();
	}
	if (!ret && !quiet)
		puts(id);
	/* the hub publishes it: dlg send with no dialog to send */
	if (!ret && send_now) {
		fflush(stdout);
		ret = send_dialogs(ctx, &none, 0, quiet);
	}
	channel_close(&ch);
	config_clear(&c);
	strbuf_release(&text);
	strbuf_release(&chan_name);
	return ret;
}

CMD(trigger)
{
	struct strlist users = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT, chan_name = STRBUF_INIT;
	struct config c = CONFIG_INIT;
	struct channel ch = { 0 };
	struct trigger_target *t = NULL;
	struct dlg_trigger_target *targets = NULL;
	struct dlg_trigger_opts trigger = { &ch, NULL, 0, 0 };
	struct strlist ids = STRLIST_INIT;
	size_t n = 0;
	const char *chan = NULL, *m = NULL, *file = NULL, *tmpl = NULL, *users_from = NULL;
	const char *page = NULL, *until = NULL, *withdraw = NULL;
	int ret = 0, send_now = 0, quiet = 0, opened = 0, popup = 0;
	const struct opt opts[] = {
		OPT_COLUMN(25),
		OPT_STRING_LIST('u', "user", &users, "USER", "a user id, address or handle (may repeat)"),
		OPT_STRING(0, "users-from", &users_from, "FILE", "users one per line (- for stdin)"),
		OPT_STRING('c', "channel", &chan, "NAME", "a configured channel (dlg channel list), or\n"
			   "the type of the one channel of that type"),
		OPT_STRING('m', "message", &m, "TEXT", "the message; -F FILE reads it (- for stdin)"),
		OPT_STRING('F', "file", &file, "FILE", NULL),
		OPT_STRING('t', "template", &tmpl, "NAME",
			   "a saved reply, its {{user.*}} and {{operator}} filled in"),
		OPT_FLAG(0, "popup", &popup, "a pop-up on the website (a chat channel)"),
		OPT_STRING(0, "page", &page, "PATTERN", "with --popup: for every visitor of the pages\n"
			   "that match this URL glob"),
		OPT_STRING(0, "until", &until, "WHEN", "with --page: when it ends: 7d, 12h, a date\n"
			   "(30 days from now)"),
		OPT_STRING(0, "withdraw", &withdraw, "ID", "end a page pop-up now"),
		OPT_FLAG('s', "send", &send_now, "deliver now, as dlg send would"),
		OPT_FLAG('q', "quiet", &quiet, "print no dialog ids"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, trigger_usage, 0);
	if (argc >= 0 && (page || until || withdraw)) {
		int given_users = users.nr || users_from;
		strlist_clear(&users);
		if (withdraw) {
			if (argc || chan || page || until || popup || m || file || tmpl || given_users)
				return error_usage("--withdraw ID takes no other option");
			if (!is_full_id(withdraw))
				return error_usage("--withdraw: '%s' is not a pop-up id (16 hex digits)", withdraw);
			return dlg_popup_withdraw(ctx->store, withdraw) < 0 ? error_last() : 0;
		}
		if (!page)
			return error_usage("--until goes with --popup --page");
		if (!popup)
			return error_usage("--page is for a page pop-up: give --popup");
		if (given_users || tmpl)
			return error_usage("a page pop-up is for every visitor of the pages: no --user, "
					   "--users-from or --template");
		if (argc || !chan || !!m + !!file != 1)
			return usage_with_options(trigger_usage, opts, 0);
		return page_popup(ctx, chan, page, until, m, file, send_now, quiet);
	}
	if (argc || !chan || (!users.nr && !users_from) || (!!m + !!file + !!tmpl != 1)) {
		strlist_clear(&users);
		return argc < 0 ? parse_options_exit(argc) : usage_with_options(trigger_usage, opts, 0);
	}
	if ((users_from && (ret = read_users(&users, users_from))))
		goto out;
	/* An empty list from a pipe is nothing to do, as for tag's ids. */
	if (!users.nr) {
		if (!quiet)
			fputs("trigger: no users: nothing to send\n", stderr);
		goto out;
	}
	if (dlg_channel_find(&chan_name, ctx->store, chan) < 0 || config_load(&c, ctx->store) < 0 ||
	    channel_open(&ch, ctx->store, &c, chan_name.buf) < 0) {
		ret = error_last();
		goto out;
	}
	opened = 1;
	if (!tmpl && (ret = text_from_sources(&text, m, file, "message")))
		goto out;
	t = xcalloc(users.nr, sizeof(*t));
	targets = xcalloc(users.nr, sizeof(*targets));
	for (size_t i = 0; i < users.nr && !ret; i++) {
		struct strbuf body = STRBUF_INIT;
		if ((ret = user_from_arg(t[n].uid, ctx, users.items[i])))
			break;
		if (dlg_trigger_ident(&t[n].ident, ctx->store, t[n].uid, ch.type) < 0) {
			ret = error_msg("user %s has no %s identity to write to (see dlg user show)",
					users.items[i], ch.type);
			break;
		}
		if (tmpl && dlg_template_fill(&body, ctx->store, tmpl, NULL, t[n].uid) < 0)
			ret = error_last();
		else if (!tmpl)
			strbuf_addbuf(&body, &text);
		if (!ret) {
			emoji_expand_in_place(&body);
			t[n].text = strbuf_detach(&body, NULL);
		}
		strbuf_release(&body);
		targets[n].user = t[n].uid;
		targets[n].ident = t[n].ident;
		targets[n].text = t[n].text;
		n++;
	}
	/* Every user is checked first: all the dialogs start, or none. */
	if (ret)
		goto out;
	trigger.targets = targets;
	trigger.ntargets = n;
	trigger.popup = popup;
	if (dlg_trigger(&ids, ctx->store, &trigger) < 0) {
		ret = error_last();
		goto out;
	}
	if (!quiet)
		for (size_t i = 0; i < ids.nr; i++)
			puts(ids.items[i]);
	if (send_now) {
		fflush(stdout);
		ret = send_dialogs(ctx, &ids, 0, quiet);
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(t[i].ident);
		free(t[i].text);
	}
	free(t);
	free(targets);
	strlist_clear(&ids);
	if (opened)
		channel_close(&ch);
	config_clear(&c);
	strlist_clear(&users);
	strbuf_release(&text);
	strbuf_release(&chan_name);
	return ret;
}
