/*
 * bench/gen: writes a synthetic but realistic support mailbox as mbox files,
 * one per channel, for `make bench`.
 *
 *   gen DIALOGS OUTDIR [SEED]
 *
 * Dialogs get 1-20 messages (skewed towards few, as real support is),
 * customers write in Russian or English, replies carry In-Reply-To and
 * References, a few customers have several dialogs.  Deterministic for a
 * given seed.
 *
 * For the search rows, every message names its own order number,
 * BENCH_ORDER_BASE + dialog * 20 + message (a term in exactly one message),
 * and most messages (all but one in five) end with the shop's name,
 * "Shopwise" (a term in most).  Neither draws on the random numbers, so the
 * rest of the mail is what it was without them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define BENCH_ORDER_BASE 70000000L /* bench/run.sh searches for one of these */

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

/* Few messages are common, long threads rare: 1-20, mean about 4. */
static int thread_length(void)
{
	int n = 1;
	while (n < 20 && rnd() % 100 < 72)
		n++;
	return n;
}

int main(int argc, char **argv)
{
	long dialogs, users;
	FILE *out[8] = { 0 };
	char path[4096];
	if (argc < 3) {
		fprintf(stderr, "usage: gen DIALOGS OUTDIR [SEED]\n");
		return 2;
	}
	dialogs = atol(argv[1]);
	if (argc > 3)
		rng_state ^= strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ULL;
	users = dialogs * 4 / 5 + 1; /* some users come back with another question */
	for (long d = 0; d < dialogs; d++) {
		int ch = (int)(rnd() % 8), ru = rnd() % 2, n = thread_length();
		long user = (long)(rnd() % (uint64_t)users);
		const char *subject = ru ? PICK(subj_ru) : PICK(subj_en);
		const char *fn = ru ? PICK(first_ru) : PICK(first_en), *ln = ru ? PICK(last_ru) : PICK(last_en);
		long t = 1764547200L + (long)(rnd() % (365L * 86400)); /* within a year from 2025-12-01 */
		FILE *f;
		if (!strcmp(channels[ch], "email") && ch)
			ch = 0;
		if (!out[ch]) {
			snprintf(path, sizeof(path), "%s/%s.mbox", argv[2], channels[ch]);
			if (!(out[ch] = fopen(path, "w"))) {
				perror(path);
				return 1;
			}
		}
		f = out[ch];
		for (int m = 0; m < n; m++) {
			char date[64];
			time_t tt = (time_t)t;
			struct tm tm;
			gmtime_r(&tt, &tm);
			strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
			fprintf(f, "From user%ld@example.com %s\n", user, date);
			fprintf(f, "From: %s %s <user%ld@%s.example.com>\n", fn, ln, user, channels[ch]);
			fprintf(f, "To: support@shop.example\nSubject: %s%s\nDate: %s\n",
				m ? "Re: " : "", subject, date);
			fprintf(f, "Message-ID: <d%ld.m%d@gen.example>\n", d, m);
			if (m) {
				fprintf(f, "In-Reply-To: <d%ld.m%d@gen.example>\nReferences:", d, m - 1);
				for (int k = 0; k < m; k++)
					fprintf(f, " <d%ld.m%d@gen.example>", d, k);
				fputc('\n', f);
			}
			fprintf(f, "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
				   "Content-Transfer-Encoding: 8bit\n\n%s\n%s %ld.\n\n%s\n%s %s\n",
				ru ? PICK(body_ru) : PICK(body_en), ru ? "Номер заказа" : "Order number",
				BENCH_ORDER_BASE + d * 20 + m, ru ? "С уважением," : "Best regards,", fn, ln);
			fputs((d + m) % 5 ? "Sent via Shopwise\n\n" : "\n", f);
			t += 600 + (long)(rnd() % 86400);
		}
	}
	for (int i = 0; i < 8; i++)
		if (out[i] && fclose(out[i]) != 0)
			return 1;
	return 0;
}
