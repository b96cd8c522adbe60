/*
 * dlg chat serve's widget: GET /widget.js and /widget.css, the files of
 * cmd/widget/ built into dlg (the Makefile writes cmd/widget/assets.h), for
 * any page to load with a <script> tag: no token, any origin, cached for
 * five minutes and answered 304 when the browser has them already.
 */
#include <string.h>

#include "chat-gateway.h"

struct widget_asset {
	const char *path, *type, *etag, *data;
	size_t len;
};

static const struct widget_asset widget_assets[] = {
#include "widget/assets.h"
};

const struct widget_asset *chat_widget_asset(const char *url)
{
	for (size_t i = 0; i < sizeof(widget_assets) / sizeof(*widget_assets); i++)
		if (!strcmp(url, widget_assets[i].path))
			return &widget_assets[i];
	return NULL;
}

/* If-None-Match is "*" or a list of tags, each maybe W/ (a weak match is enough for a 304). */
static int etag_matches(const char *header, const char *etag)
{
	size_t len = strlen(etag);
	while (header && *header) {
		header += strspn(header, " \t,");
		if (*header == '*')
			return 1;
		if (!strncmp(header, "W/", 2))
			header += 2;
		if (!strncmp(header, etag, len) && strchr(" \t,", header[len]))
			return 1;
		header += strcspn(header, ",");
	}
	return 0;
}

enum MHD_Result chat_get_widget(struct gateway_server *gw, struct MHD_Connection *c, const char *method,
				const char *url, const struct widget_asset *a)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	int fresh = etag_matches(inm, a->etag);
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return chat_refuse(gw, c, method, url, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	r = MHD_create_response_from_buffer(fresh ? 0 : a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	if (!fresh)
		MHD_add_response_header(r, "Content-Type", a->type);
	MHD_add_response_header(r, "ETag", a->etag);
	MHD_add_response_header(r, "Cache-Control", "public, max-age=300");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* a page on any site may load it; it holds nothing of anyone's */
	MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "cross-origin");
	ret = MHD_queue_response(c, fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}
