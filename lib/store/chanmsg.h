#ifndef DLG_STORE_CHANMSG_H
#define DLG_STORE_CHANMSG_H

#include <time.h>

#include "base/strbuf.h"

/* The channel types, NULL-terminated: also the identity kinds of user cards. */
extern const char *const channel_types[];

/* An attachment of a channel message. */
struct chan_file {
	char *name;          /* as the customer's side named it; sanitized when written out */
	char *type;          /* MIME type */
	struct strbuf data;
};

/*
 * One message from a chat-like channel (Telegram, VK, Facebook, the
 * website's chat and pop-ups).  It is stored as an RFC 5322 file like mail,
 * so Maildir readers show it too: From "Name <kind-ID@KIND.invalid>", the
 * text as text/plain, attachments as parts.
 */
struct chan_msg {
	char *kind;          /* the dialog's channel as lists show it: telegram, vk, facebook, chat, popup */
	char *route;         /* the configured channel it came through; answers go back there */
	char *user;          /* the customer's id on the channel */
	char *ident;         /* identity kind for the user card (telegram, vk, facebook, chat) */
	char *conversation;  /* where answers go: chat id, peer id, PSID, visitor id */
	char *id;            /* unique among this kind's messages */
	char *name;          /* display name, may be NULL */
	char *username;      /* handle, may be NULL */
	char *email;         /* an address the customer gave (chat), may be NULL */
	char *page;          /* chat: the page the visitor was on */
	char *popup;         /* pop-up: its name */
	char *text;          /* may be empty when there are files */
	time_t date;
	struct chan_file *files;
	size_t nfiles, alloc;
};
void chan_msg_clear(struct chan_msg *m);
struct chan_file *chan_msg_add_file(struct chan_msg *m, const char *name, const char *type);

/* Adds a line to the text saying what is missing ("[photo.jpg could not be
   downloaded: ...]"), rather than the message going missing. */
void chan_msg_note(struct chan_msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The address a channel user stands under in From: and To: (tg-ID@telegram.invalid;
   for email the address itself). */
void chan_address(struct strbuf *out, const char *kind, const char *user);

/* The subject a new dialog gets: the first line of the text, cut. */
void chan_msg_subject(struct strbuf *out, const struct chan_msg *m);
/* The message as stored: RFC 5322 with X-Dlg headers (see store-format.md). */
/* Fails only when the boundary of a message with files cannot be hashed. */
int chan_msg_format(struct strbuf *out, const struct chan_msg *m, const char *user_id);

/* The JSON shape of the chat spool and `dlg import --json` (dlg-channel(1)). */
int chan_msg_from_json(struct chan_msg *m, const char *json, size_t len, const char *route);

#endif
