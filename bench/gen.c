/*
 * bench/gen: writes a synthetic support mailbox for `make bench`.
 *
 *   gen [--shape real|small] DIALOGS OUTDIR [SEED]
 *   gen --shape one-line MESSAGES MAILDIR [SEED]
 *
 * real (the default) and small write mbox files, one per channel, into
 * OUTDIR.  Dialogs get 1-20 messages (skewed towards few, as real support
 * is), customers write in Russian or English, replies carry In-Reply-To and
 * References, a few customers have several dialogs.
 *
 * real: messages shaped like real mail (shape_* tables below): sizes drawn
 * from a measured corpus, a long tail, text with an HTML alternative in a
 * share, follow-ups quoting the previous message with "> ", a share with
 * a base64 attachment (a small image or PDF).
 * small: the 560-byte one-part messages the bench used before, byte for
 * byte, kept as a second column.
 * one-line: the import's worst case, a Maildir (new/) of MESSAGES one-line
 * messages, each from a new customer, so each makes a user and a dialog.
 *
 * Deterministic for a given seed.  For the search rows, every message of
 * real and small names its own order number, BENCH_ORDER_BASE + dialog * 20
 * + message (a term in one message, and in the next one's quote), and most
 * messages (all but one in five) end with the shop's name, "Shopwise" (a
 * term in most).  Neither draws on the random numbers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const char *pick(const char *const *list, size_t n)
{
	return list[rnd() % n];
}
#define PICK(a) pick(a, sizeof(a) / sizeof(*(a)))
#define COUNT(a) (sizeof(a) / sizeof(*(a)))

#define BENCH_ORDER_BASE 70000000L /* bench/run.sh searches for one of these */
#define START_TIME 1764547200L /* 2025-12-01: dates fall within a year of it */

/*
 * The shape of real mail, measured once on notmuch's test corpus
 * (../shared/corpora/email/notmuch: 320 messages, most of them lkml, parsed
 * with Python's email module): whole-message sizes in bytes at every 5th
 * percentile, then the 99th and the largest; 4 of 320 have a
 * multipart/alternative (text and HTML); 24 of 320 have an attachment,
 * whose decoded sizes are below.  Half of them quote earlier mail with ">".
 * The corpus's attachments are signatures, patches and small files, so the
 * attachments here are images and PDFs of those sizes: screenshots of
 * 100 KB would be incompressible bytes the corpus does not have.
 */
static const int shape_size_pct[] = { 189, 394, 852, 1196, 1481, 2194, 2412, 2645, 2809, 3012,
	3172, 3296, 3661, 3887, 4096, 4296, 4666, 5015, 6194, 8481 /* 95% */, 11596 /* 99% */, 29904 };
static const int shape_alternative_per_mille = 4 * 1000 / 320;
static const int shape_attachment_per_mille = 24 * 1000 / 320;
static const int shape_attachment_size[] = { 23, 76, 198, 227, 227, 250, 794, 832, 832, 832, 832, 832, 833,
	1051, 1340, 1417, 1769, 1821, 1865, 1910, 1929, 3751, 3929, 4241, 5368 };

static const char *const first_ru[] = { "Иван", "Мария", "Ольга", "Сергей", "Анна", "Дмитрий", "Елена", "Павел" };
static const char *const last_ru[] = { "Петров", "Смирнова", "Кузнецов", "Иванова", "Соколов", "Попова" };
static const char *const first_en[] = { "James", "Emily", "Oliver", "Sophia", "Daniel", "Grace", "Liam", "Chloe" };
static const char *const last_en[] = { "Carter", "O'Brien", "Smith", "Nguyen", "Walker", "Lopez" };
static const char *const subj_ru[] = { "Где мой заказ?", "Возврат товара", "Деньги списали дважды",
	"Не приходит код подтверждения", "Смена адреса доставки", "Вопрос по акции" };
static const char *const subj_en[] = { "Where is my order?", "Refund request", "Charged twice",
	"Promo code not working", "Change delivery address", "Invoice copy needed" };
static const char *const body_ru[] = {
	"Здравствуйте! Заказ оформлен неделю назад, но трек-номер до сих пор не работает.",
	"Добрый день. Пришёл не тот товар, хочу оформить возврат. Что для этого нужно?",
	"С карты списали оплату два раза, верните, пожалуйста, лишнее.",
	"Спасибо за ответ! Подскажите ещё, когда ждать курьера?",
	"Приложил фото упаковки, коробка была повреждена при доставке." };
static const char *const body_en[] = {
	"Hello, I placed an order last week and the tracking number still shows nothing.",
	"Hi, the item arrived damaged. How do I get a replacement or a refund?",
	"My card was charged twice for the same order, please refund one of them.",
	"Thanks for the quick answer! When should I expect the courier?",
	"Could you send a copy of the invoice with our VAT number on it?" };
static const char *const channels[] = { "email", "email", "email", "chat", "telegram", "vk", "facebook", "popup" };

/* Words for the rest of a real-shaped message: enough of them that zlib
   finds about what it finds in real prose, not one sentence repeated. */
static const char *const words_en[] = { "order", "delivery", "parcel", "courier", "refund", "payment", "card",
	"account", "address", "package", "item", "size", "colour", "box", "week", "yesterday", "today", "tomorrow",
	"morning", "evening", "store", "website", "app", "code", "message", "email", "phone", "number", "time",
	"please", "still", "already", "again", "never", "only", "also", "maybe", "really", "quite", "very",
	"arrived", "ordered", "paid", "waited", "checked", "called", "tried", "wrote", "received", "returned",
	"opened", "cancelled", "changed", "confirmed", "missing", "broken", "wrong", "late", "new", "old",
	"second", "first", "last", "other", "same", "whole", "small", "large", "the", "the", "a", "a", "and",
	"and", "but", "so", "because", "when", "if", "that", "this", "it", "my", "your", "our", "we", "I", "you",
	"is", "was", "were", "have", "had", "has", "did", "not", "could", "would", "should", "can", "will", "to",
	"to", "of", "of", "in", "on", "for", "with", "at", "by", "after", "before", "about", "from", "since",
	"until", "instead", "replacement", "discount", "voucher", "invoice", "receipt", "warranty", "manager",
	"support", "team", "status", "tracking", "weekend", "Monday", "Friday", "office", "warehouse", "shop" };
static const char *const starters_en[] = { "I", "We", "The", "My", "It", "This", "Yesterday", "Also", "But",
	"Please", "When", "After", "Your", "Since", "Then" };
static const char *const words_ru[] = { "заказ", "заказа", "доставка", "доставки", "посылка", "курьер",
	"курьера", "возврат", "деньги", "оплата", "карта", "карты", "адрес", "товар", "товара", "размер",
	"цвет", "коробка", "неделю", "вчера", "сегодня", "завтра", "утром", "вечером", "магазин", "сайт",
	"приложение", "код", "письмо", "телефон", "номер", "время", "пожалуйста", "всё", "ещё", "уже",
	"снова", "никогда", "только", "тоже", "может", "очень", "пришёл", "пришла", "заказал", "оплатил",
	"ждал", "проверил", "звонил", "пытался", "написал", "получил", "вернул", "открыл", "отменили",
	"изменили", "подтвердили", "нет", "сломан", "не", "не", "тот", "поздно", "новый", "старый", "второй",
	"первый", "последний", "другой", "тот", "же", "весь", "маленький", "большой", "и", "и", "но", "а",
	"потому", "что", "когда", "если", "это", "мой", "ваш", "наш", "мы", "я", "вы", "был", "была", "было",
	"есть", "можно", "нужно", "надо", "в", "в", "на", "на", "с", "по", "для", "из", "до", "после",
	"после", "о", "от", "замена", "скидка", "купон", "счёт", "чек", "гарантия", "менеджер", "поддержка",
	"статус", "трек", "выходные", "понедельник", "пятницу", "склад", "пункт", "выдачи" };
static const char *const starters_ru[] = { "Я", "Мы", "Вчера", "Сегодня", "Также", "Но", "Пожалуйста",
	"Когда", "После", "Ваш", "Мой", "Потом", "Курьер", "Заказ", "Оплата" };

/* Few messages are common, long threads rare: 1-20, mean about 4. */
static int thread_length(void)
{
	int n = 1;
	while (n < 20 && rnd() % 100 < 72)
		n++;
	return n;
}

/* A growing buffer; the generator stops on the first failed allocation. */
struct buf {
	char *s;
	size_t len, alloc;
};

static void buf_grow(struct buf *b, size_t more)
{
	if (b->len + more + 1 <= b->alloc)
		return;
	b->alloc = (b->len + more + 1) * 2;
	if (!(b->s = realloc(b->s, b->alloc))) {
		perror("gen");
		exit(1);
	}
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A size from the measured percentiles, straight lines between them. */
static long draw_message_size(void)
{
	size_t steps = COUNT(shape_size_pct) - 1;
	double u = (double)(rnd() % 1000000) / 1000000.0, lo_q, hi_q, f;
	size_t i;
	/* percentiles 0, 5, ..., 95, then 99 and 100 */
	for (i = 0; i < steps; i++) {
		lo_q = i < 20 ? i * 0.05 : 0.99;
		hi_q = i + 1 < 20 ? (i + 1) * 0.05 : i + 1 == 20 ? 0.99 : 1.0;
		if (u < hi_q || i + 1 == steps)
			break;
	}
	f = (u - lo_q) / (hi_q - lo_q);
	return shape_size_pct[i] + (long)(f * (shape_size_pct[i + 1] - shape_size_pct[i]));
}

/* Sentences of pool words, wrapped at 72 bytes, until about `want` bytes. */
static void add_prose(struct buf *b, int ru, long want)
{
	size_t start = b->len, col = 0;
	while ((long)(b->len - start) < want) {
		int n = 5 + (int)(rnd() % 12);
		for (int w = 0; w < n; w++) {
			const char *word = w ? (ru ? PICK(words_ru) : PICK(words_en)) : (ru ? PICK(starters_ru) : PICK(starters_en));
			size_t len = strlen(word);
			if (col && col + len + 2 > 72) {
				buf_adds(b, "\n");
				col = 0;
			} else if (col) {
				buf_adds(b, " ");
				col++;
			}
			buf_add(b, word, len);
			col += len;
		}
		buf_adds(b, rnd() % 6 ? "." : "?");
		col++;
		if (rnd() % 5 == 0) {
			buf_adds(b, "\n\n");
			col = 0;
		}
	}
	if (col)
		buf_adds(b, "\n");
}

/* The previous message's text, each line behind "> ", whole lines up to
   `room` bytes, under a line saying who wrote it. */
static void add_quote(struct buf *b, const struct buf *prev, int ru, const char *date, const char *fn,
	const char *ln, long room)
{
	const char *p = prev->s, *end = prev->s + prev->len;
	size_t start = b->len;
	if (ru)
		buf_addf(b, "\n%s, %s %s написал(а):\n", date, fn, ln);
	else
		buf_addf(b, "\nOn %s, %s %s wrote:\n", date, fn, ln);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if ((long)(b->len - start + len + 3) > room)
			break;
		buf_adds(b, *p == '>' ? ">" : len ? "> " : ">");
		buf_add(b, p, len);
		buf_adds(b, "\n");
		p += len + 1;
	}
}

static void add_html(struct buf *b, const struct buf *text)
{
	int quoting = 0;
	buf_adds(b, "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>\n"
		    "<body><div dir=\"ltr\">\n");
	for (size_t i = 0; i < text->len;) {
		const char *line = text->s + i, *nl = memchr(line, '\n', text->len - i);
		size_t len = nl ? (size_t)(nl - line) : text->len - i;
		int quoted = len && *line == '>';
		if (quoted != quoting) {
			buf_adds(b, quoted ? "<blockquote style=\"margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex\">\n"
					   : "</blockquote>\n");
			quoting = quoted;
		}
		for (size_t k = quoted ? 1 : 0; k < len; k++) {
			switch (line[k]) {
			case '<': buf_adds(b, "&lt;"); break;
			case '>': buf_adds(b, "&gt;"); break;
			case '&': buf_adds(b, "&amp;"); break;
			default: buf_add(b, line + k, 1);
			}
		}
		buf_adds(b, len ? "<br>\n" : "<div><br></div>\n");
		i += len + 1;
	}
	if (quoting)
		buf_adds(b, "</blockquote>\n");
	buf_adds(b, "</div></body></html>\n");
}

static void add_base64(struct buf *b, const unsigned char *data, size_t n)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int col = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)data[i] << 16 | (i + 1 < n ? (unsigned)data[i + 1] << 8 : 0) | (i + 2 < n ? data[i + 2] : 0);
		char q[4] = { digits[v >> 18 & 63], digits[v >> 12 & 63], i + 1 < n ? digits[v >> 6 & 63] : '=',
			i + 2 < n ? digits[v & 63] : '=' };
		buf_add(b, q, 4);
		if ((col += 4) == 76) {
			buf_adds(b, "\n");
			col = 0;
		}
	}
	if (col)
		buf_adds(b, "\n");
}

/* An image or a PDF: its format's magic, then bytes as incompressible as
   the compressed data real ones carry. */
static void add_attachment(struct buf *b, const char *boundary, long d, int m)
{
	static const struct {
		const char *type, *name, *magic;
		size_t magic_len;
	} kinds[] = {
		{ "image/png", "screenshot-%ld-%d.png", "\x89PNG\r\n\x1a\n", 8 },
		{ "image/jpeg", "IMG_%ld%d.jpg", "\xff\xd8\xff\xe0\0\x10JFIF", 10 },
		{ "application/pdf", "invoice-%ld-%d.pdf", "%PDF-1.4\n", 9 },
	};
	int k = (int)(rnd() % COUNT(kinds));
	size_t n = (size_t)shape_attachment_size[rnd() % COUNT(shape_attachment_size)];
	unsigned char *data;
	if (n < kinds[k].magic_len + 16)
		n = kinds[k].magic_len + 16;
	if (!(data = malloc(n))) {
		perror("gen");
		exit(1);
	}
	memcpy(data, kinds[k].magic, kinds[k].magic_len);
	for (size_t i = kinds[k].magic_len; i < n; i++)
		data[i] = (unsigned char)(rnd() >> 24);
	buf_addf(b, "--%s\nContent-Type: %s; name=\"", boundary, kinds[k].type);
	buf_addf(b, kinds[k].name, d, m);
	buf_adds(b, "\"\nContent-Disposition: attachment; filename=\"");
	buf_addf(b, kinds[k].name, d, m);
	buf_adds(b, "\"\nContent-Transfer-Encoding: base64\n\n");
	add_base64(b, data, n);
	free(data);
}

struct dialog {
	long d, user;
	int ch, ru, n;
	const char *subject, *fn, *ln;
	long t;
};

static struct dialog draw_dialog(long d, long users)
{
	struct dialog g = { .d = d };
	g.ch = (int)(rnd() % 8);
	g.ru = rnd() % 2;
	g.n = thread_length();
	g.user = (long)(rnd() % (uint64_t)users);
	g.subject = g.ru ? PICK(subj_ru) : PICK(subj_en);
	g.fn = g.ru ? PICK(first_ru) : PICK(first_en);
	g.ln = g.ru ? PICK(last_ru) : PICK(last_en);
	g.t = START_TIME + (long)(rnd() % (365L * 86400));
	if (!strcmp(channels[g.ch], "email") && g.ch)
		g.ch = 0;
	return g;
}

static void format_date(char *out, size_t size, long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

static void put_headers(FILE *f, const struct dialog *g, int m, const char *date)
{
	fprintf(f, "From user%ld@example.com %s\n", g->user, date);
	fprintf(f, "From: %s %s <user%ld@%s.example.com>\n", g->fn, g->ln, g->user, channels[g->ch]);
	fprintf(f, "To: support@shop.example\nSubject: %s%s\nDate: %s\n", m ? "Re: " : "", g->subject, date);
	fprintf(f, "Message-ID: <d%ld.m%d@gen.example>\n", g->d, m);
	if (m) {
		fprintf(f, "In-Reply-To: <d%ld.m%d@gen.example>\nReferences:", g->d, m - 1);
		for (int k = 0; k < m; k++)
			fprintf(f, " <d%ld.m%d@gen.example>", g->d, k);
		fputc('\n', f);
	}
	fputs("MIME-Version: 1.0\n", f);
}

/* The bench's first messages: one text part, about 560 bytes. */
static void put_small_dialog(FILE *f, struct dialog *g)
{
	for (int m = 0; m < g->n; m++) {
		char date[64];
		format_date(date, sizeof(date), g->t);
		put_headers(f, g, m, date);
		fprintf(f, "Content-Type: text/plain; charset=utf-8\n"
			   "Content-Transfer-Encoding: 8bit\n\n%s\n%s %ld.\n\n%s\n%s %s\n",
			g->ru ? PICK(body_ru) : PICK(body_en), g->ru ? "Номер заказа" : "Order number",
			BENCH_ORDER_BASE + g->d * 20 + m, g->ru ? "С уважением," : "Best regards,", g->fn, g->ln);
		fputs((g->d + m) % 5 ? "Sent via Shopwise\n\n" : "\n", f);
		g->t += 600 + (long)(rnd() % 86400);
	}
}

/* Roughly what put_headers writes, for the size budget. */
#define HEADER_BYTES 330
/* and the order number and the signature under the text */
#define SIGNATURE_BYTES 90

static void put_real_dialog(FILE *f, struct dialog *g)
{
	struct buf text = { 0 }, quote = { 0 }, prev = { 0 }, part = { 0 };
	char prev_date[64] = "";
	for (int m = 0; m < g->n; m++) {
		char date[64], boundary[64], alt_boundary[64];
		long size = draw_message_size(), budget;
		int alternative = (int)(rnd() % 1000) < shape_alternative_per_mille;
		int attachment = (int)(rnd() % 1000) < shape_attachment_per_mille;
		format_date(date, sizeof(date), g->t);
		budget = size - HEADER_BYTES - 48L * m;
		if (alternative)
			budget = budget * 2 / 5; /* the HTML takes the rest */
		if (attachment)
			budget -= 1400;
		if (budget < 120)
			budget = 120;

		quote.len = 0;
		if (m)
			add_quote(&quote, &prev, g->ru, prev_date, g->fn, g->ln, (budget - SIGNATURE_BYTES) * 2 / 3);
		text.len = 0;
		buf_adds(&text, g->ru ? PICK(body_ru) : PICK(body_en));
		buf_adds(&text, "\n");
		if (budget - SIGNATURE_BYTES - (long)quote.len - (long)text.len > 0) {
			buf_adds(&text, "\n");
			add_prose(&text, g->ru, budget - SIGNATURE_BYTES - (long)quote.len - (long)text.len);
		}
		buf_addf(&text, "\n%s %ld.\n\n%s\n%s %s\n", g->ru ? "Номер заказа" : "Order number",
			BENCH_ORDER_BASE + g->d * 20 + m, g->ru ? "С уважением," : "Best regards,", g->fn, g->ln);
		buf_adds(&text, (g->d + m) % 5 ? "Sent via Shopwise\n" : "");
		buf_add(&text, quote.s, quote.len);

		put_headers(f, g, m, date);
		snprintf(boundary, sizeof(boundary), "=_gen_d%ld_m%d_mixed", g->d, m);
		snprintf(alt_boundary, sizeof(alt_boundary), "=_gen_d%ld_m%d_alt", g->d, m);
		part.len = 0;
		if (attachment)
			buf_addf(&part, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
					"This is a multi-part message in MIME format.\n\n--%s\n", boundary, boundary);
		if (alternative) {
			buf_addf(&part, "Content-Type: multipart/alternative; boundary=\"%s\"\n\n--%s\n", alt_boundary, alt_boundary);
			buf_adds(&part, "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n");
			buf_add(&part, text.s, text.len);
			buf_addf(&part, "\n--%s\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n", alt_boundary);
			add_html(&part, &text);
			buf_addf(&part, "\n--%s--\n", alt_boundary);
		} else {
			buf_adds(&part, "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n");
			buf_add(&part, text.s, text.len);
		}
		if (attachment) {
			buf_adds(&part, "\n");
			add_attachment(&part, boundary, g->d, m);
			buf_addf(&part, "--%s--\n", boundary);
		}
		buf_adds(&part, "\n");
		fwrite(part.s, 1, part.len, f);

		prev.len = 0;
		buf_add(&prev, text.s, text.len);
		memcpy(prev_date, date, sizeof(date));
		g->t += 600 + (long)(rnd() % 86400);
	}
	free(text.s);
	free(quote.s);
	free(prev.s);
	free(part.s);
}

static int write_mboxes(long dialogs, const char *outdir, int real)
{
	FILE *out[8] = { 0 };
	char path[4096];
	long users = dialogs * 4 / 5 + 1; /* some users come back with another question */
	int rc = 0;
	for (long d = 0; d < dialogs; d++) {
		struct dialog g = draw_dialog(d, users);
		if (!out[g.ch]) {
			snprintf(path, sizeof(path), "%s/%s.mbox", outdir, channels[g.ch]);
			if (!(out[g.ch] = fopen(path, "w"))) {
				perror(path);
				return 1;
			}
		}
		if (real)
			put_real_dialog(out[g.ch], &g);
		else
			put_small_dialog(out[g.ch], &g);
	}
	for (int i = 0; i < 8; i++)
		if (out[i] && fclose(out[i]) != 0)
			rc = 1;
	return rc;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0777) && errno != EEXIST) {
		perror(path);
		return -1;
	}
	return 0;
}

/* The worst case for an import: every message a new customer with a new
   question, one line each, delivered into MAILDIR/new. */
static int write_one_line_maildir(long messages, const char *maildir)
{
	char path[4096];
	if (make_dir(maildir))
		return 1;
	for (const char *sub = "cur\0new\0tmp\0"; *sub; sub += strlen(sub) + 1) {
		snprintf(path, sizeof(path), "%s/%s", maildir, sub);
		if (make_dir(path))
			return 1;
	}
	for (long i = 0; i < messages; i++) {
		int ru = rnd() % 2;
		const char *fn = ru ? PICK(first_ru) : PICK(first_en), *ln = ru ? PICK(last_ru) : PICK(last_en);
		long t = START_TIME + i * 30;
		char date[64];
		FILE *f;
		format_date(date, sizeof(date), t);
		snprintf(path, sizeof(path), "%s/new/%ld.M%ldP1Q1.gen", maildir, t, i);
		if (!(f = fopen(path, "w"))) {
			perror(path);
			return 1;
		}
		fprintf(f, "From: %s %s <customer%ld@example.com>\nTo: support@shop.example\n"
			   "Subject: %s\nDate: %s\nMessage-ID: <one%ld@gen.example>\n"
			   "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
			   "Content-Transfer-Encoding: 8bit\n\n%s %ld?\n",
			fn, ln, i, ru ? PICK(subj_ru) : PICK(subj_en), date, i,
			ru ? "Где мой заказ" : "Where is my order", BENCH_ORDER_BASE + i);
		if (fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: gen [--shape real|small] DIALOGS OUTDIR [SEED]\n"
			"       gen --shape one-line MESSAGES MAILDIR [SEED]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *shape = "real";
	char *end;
	long count;
	if (argc > 2 && !strcmp(argv[1], "--shape")) {
		shape = argv[2];
		argv += 2;
		argc -= 2;
	} else if (argc > 1 && !strncmp(argv[1], "--shape=", 8)) {
		shape = argv[1] + 8;
		argv++;
		argc--;
	}
	if (argc < 3 || argc > 4)
		return usage();
	count = strtol(argv[1], &end, 10);
	if (*end || count < 0)
		return usage();
	if (argc > 3)
		rng_state ^= strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ULL;
	if (!strcmp(shape, "real"))
		return write_mboxes(count, argv[2], 1);
	if (!strcmp(shape, "small"))
		return write_mboxes(count, argv[2], 0);
	if (!strcmp(shape, "one-line"))
		return write_one_line_maildir(count, argv[2]);
	fprintf(stderr, "gen: unknown shape '%s'\n", shape);
	return 2;
}
