/* The chat spool's directories, opened safely (spool.h). */
#include <fcntl.h>
#include <unistd.h>

#include "base/error.h"
#include "base/fileio.h"
#include "channel/spool.h"

void spool_close(struct spool *sp)
{
	int *fds[] = { &sp->top, &sp->tmp, &sp->new, &sp->cur, &sp->out, &sp->popups };
	for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int spool_open_dir(struct spool *sp, const char *dir, int which)
{
	static const struct { int bit; const char *name; } subdirs[] = {
		{ SPOOL_TMP, "tmp" }, { SPOOL_NEW, "new" }, { SPOOL_CUR, "cur" }, { SPOOL_OUT, "out" },
		{ SPOOL_POPUPS, "popups" },
	};
	int *fds[] = { &sp->tmp, &sp->new, &sp->cur, &sp->out, &sp->popups };
	struct strbuf top = STRBUF_INIT, label = STRBUF_INIT;
	int err = 0;

	sp->top = sp->tmp = sp->new = sp->cur = sp->out = sp->popups = -1;
	if (!dir || !*dir)
		return dlg_error(DLG_EINVALID, "no spool directory is set (--spool DIR)");
	/* "spool/" would follow a link named spool: the slash is not part of its name */
	strbuf_addstr(&top, dir);
	while (top.len > 1 && top.buf[top.len - 1] == '/')
		strbuf_setlen(&top, top.len - 1);
	/* the gateway's spool, made by the gateway: visitors' messages, its account's alone */
	if ((sp->top = dir_open_at(AT_FDCWD, top.buf, !!(which & SPOOL_MAKE_NEW), 0700, top.buf)) < 0)
		err = sp->top;
	for (size_t i = 0; !err && i < sizeof(subdirs) / sizeof(*subdirs); i++) {
		if (!(which & subdirs[i].bit))
			continue;
		strbuf_reset(&label);
		strbuf_addf(&label, "%s/%s", top.buf, subdirs[i].name);
		*fds[i] = dir_open_at(sp->top, subdirs[i].name,
				      subdirs[i].bit != SPOOL_NEW || (which & SPOOL_MAKE_NEW), 0755, label.buf);
		if (*fds[i] < 0)
			err = *fds[i];
	}
	if (err) {
		err = dlg_error(err, "spool directory %s", dlg_error_last());
		spool_close(sp);
	}
	strbuf_release(&top);
	strbuf_release(&label);
	return err;
}


int spool_open(struct spool *sp, const struct channel *ch, int which)
{
	return spool_open_dir(sp, channel_get(ch, "spool"), which);
}
