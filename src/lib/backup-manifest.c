/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The backup's manifest: the archive's first entry (backup.h). Pure: fuzzed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "validate.h"

/* A value of the manifest: printable ASCII, as a template's source is. */
static int copy_text(const char *key, const char *v, size_t n, char *out, size_t size,
                     unsigned line, struct wirt_error *err)
{
	if (n >= size)
		return wirt_error_plain(err, EINVAL, "manifest line %u: %s is too long", line, key);
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return wirt_error_plain(err, EINVAL, "manifest line %u: %s is not text",
			                        line, key);
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int parse_line(const char *key, size_t klen, const char *v, size_t vlen,
                      struct wirt_backup_manifest *m, unsigned line, struct wirt_error *err)
{
	char buf[64];
	int r;

#define KEY(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (KEY("format")) {
		uint64_t f;

		r = copy_text("format", v, vlen, buf, sizeof(buf), line, err);
		if (r == 0 && wirt_uint_parse(buf, 1, 1000, &f, err) < 0)
			r = wirt_error_prefix(err, "manifest line %u", line);
		if (r == 0 && f != WIRT_BACKUP_FORMAT)
			r = wirt_error_plain(
			        err, EPROTONOSUPPORT,
			        "backup format %u is not known here (this wirt reads %u)",
			        (unsigned)f, WIRT_BACKUP_FORMAT);
		if (r == 0)
			m->format = (unsigned)f;
		return r;
	}
	if (KEY("name") || KEY("template")) {
		char *out = KEY("name") ? m->name : m->template_name;

		r = copy_text(KEY("name") ? "name" : "template", v, vlen, out, WIRT_NAME_MAX + 1,
		              line, err);
		if (r == 0 &&
		    wirt_name_validate(KEY("name") ? "vServer" : "template", out, err) < 0)
			r = wirt_error_prefix(err, "manifest line %u", line);
		return r;
	}
	if (KEY("template_source"))
		return copy_text("template_source", v, vlen, m->template_source,
		                 sizeof(m->template_source), line, err);
	if (KEY("template_created"))
		return copy_text("template_created", v, vlen, m->template_created,
		                 sizeof(m->template_created), line, err);
	if (KEY("template_included")) {
		if (vlen == 3 && memcmp(v, "yes", 3) == 0)
			m->has_template = true;
		else if (vlen == 2 && memcmp(v, "no", 2) == 0)
			m->has_template = false;
		else
			return wirt_error_plain(err, EINVAL,
			                        "manifest line %u: template_included is yes or no",
			                        line);
		return 0;
	}
#undef KEY
	{
		char k[WIRT_ESCAPE_MAX], e[WIRT_ESCAPE_MAX];

		snprintf(k, sizeof(k), "%.*s", (int)(klen < sizeof(k) ? klen : sizeof(k) - 1), key);
		return wirt_error_plain(err, EINVAL, "manifest line %u: unknown key '%s'", line,
		                        wirt_str_escape(k, e, sizeof(e)));
	}
}

int wirt_backup_manifest_parse(const char *text, size_t len, struct wirt_backup_manifest *m,
                               struct wirt_error *err)
{
	const char *p = text, *end = text + len;
	char seen[16][24];
	unsigned line = 0, n_seen = 0;
	int r;

	memset(m, 0, sizeof(*m));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *eq;

		line++;
		if (eol == p || *p == '#') {
			p = eol + 1;
			continue;
		}
		eq = memchr(p, '=', (size_t)(eol - p));
		if (!eq)
			return wirt_error_plain(err, EINVAL, "manifest line %u: no '='", line);
		/* a key twice is a damaged or crafted manifest, not a choice between values */
		if ((size_t)(eq - p) < sizeof(seen[0])) {
			for (unsigned i = 0; i < n_seen; i++)
				if (strlen(seen[i]) == (size_t)(eq - p) &&
				    memcmp(seen[i], p, (size_t)(eq - p)) == 0)
					return wirt_error_plain(
						err, EINVAL, "manifest line %u: '%s' again", line,
						wirt_str_escape(seen[i], (char[WIRT_ESCAPE_MAX]){ 0 },
								WIRT_ESCAPE_MAX));
			if (n_seen < 16) {
				memcpy(seen[n_seen], p, (size_t)(eq - p));
				seen[n_seen++][eq - p] = '\0';
			}
		}
		r = parse_line(p, (size_t)(eq - p), eq + 1, (size_t)(eol - eq - 1), m, line, err);
		if (r < 0)
			return r;
		p = eol + 1;
	}
	if (!m->format)
		return wirt_error_plain(err, EINVAL, "manifest: no format");
	if (!m->name[0] || !m->template_name[0])
		return wirt_error_plain(err, EINVAL, "manifest: no %s",
		                        m->name[0] ? "template" : "name");
	return 0;
}

int wirt_backup_manifest_format(const struct wirt_backup_manifest *m, char *buf, size_t size)
{
	int n = snprintf(buf, size,
	                 "format=%u\nname=%s\ntemplate=%s\ntemplate_source=%s\n"
	                 "template_created=%s\ntemplate_included=%s\n",
	                 m->format, m->name, m->template_name, m->template_source,
	                 m->template_created, m->has_template ? "yes" : "no");

	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}
