#ifndef DLG_SEARCH_TOKEN_H
#define DLG_SEARCH_TOKEN_H

#include <stddef.h>

#include "base/strbuf.h"

/*
 * The words of the search index (store-format.md, "The search index"):
 * text split at every character that is neither a letter nor a digit,
 * folded to lower case (Latin, Greek and Cyrillic; Ё and ё are е), and
 * stemmed with Snowball (russian for Cyrillic words, english for Latin
 * ones), so "заказом" and "заказа" are both "заказ".  A run of letters and
 * digits joined by - _ . / that holds a digit ("PO-2291", "10482",
 * "2026-11-24") is one token, lowercased and never stemmed: ids match
 * exactly.  In the index its runs of letters and of digits come at the
 * same place as well, so "2291" finds "PO-2291"; a query keeps the whole.
 */
struct search_tokenizer;

struct search_tokenizer *search_tokenizer_new(void);
void search_tokenizer_free(struct search_tokenizer *t);

enum { SEARCH_TOKEN_COLOCATED = 1 };
/* Called for each token: its bytes, and where it came from in the text. */
typedef int search_token_fn(void *payload, int flags, const char *token, size_t len,
			    size_t start, size_t end);
/* Tokens of text for the index (query 0) or for a query (1); stops at and
   returns the first nonzero value fn returns. */
int search_tokenize(struct search_tokenizer *t, const char *text, size_t len, int query,
		    search_token_fn *fn, void *payload);
/* The tokens as a space-separated string ("/" before a colocated one), for tests. */
void search_tokens_string(struct strbuf *out, struct search_tokenizer *t, const char *text, int query);

#endif
