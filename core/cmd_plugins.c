// SPDX-License-Identifier: MIT
/*
 * `ublk-server plugins`: every .so of the plugin directory with what it
 * declares, so a user sees at once what `-t NAME` / `filters =` can name and
 * why a plugin would be refused. Each file goes through the same trust rule
 * as a load (nothing untrusted is dlopen()ed as root).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "loader.h"
#include "log.h"
#include "plugin_trust.h"

struct probe {
	char name[PLUGIN_NAME_MAX + 1];
	char abi[16];
	const char *kind;		/* async, simple, filter, broken */
	const char *model;
	char desc[256];
	char why[PATH_MAX + 128];	/* broken: the reason */
};

static const char *model_name(uint32_t m)
{
	switch (m) {
	case UBLK_THREAD_MODEL_SERIALIZE_ALL:
		return "serialize_all";
	case UBLK_THREAD_MODEL_SERIALIZE_REQUESTS:
		return "serialize_requests";
	case UBLK_THREAD_MODEL_PARALLEL:
		return "parallel";
	}
	return NULL;
}

/* Truncating copy: a plugin's strings are only shown. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* The target's own checks: required callbacks, one API, a known thread model. */
static void probe_target(struct probe *pr, const struct ublk_plugin *raw)
{
	struct ublk_plugin p;
	int simple;

	memset(&p, 0, sizeof(p));
	if (raw->struct_size < UBLK_FIELD_END(struct ublk_plugin, close)) {
		snprintf(pr->why, sizeof(pr->why), "struct ublk_plugin is %u bytes, smaller than ABI 1.0",
			 raw->struct_size);
		return;
	}
	memcpy(&p, raw, raw->struct_size < sizeof(p) ? raw->struct_size : sizeof(p));
	copy_str(pr->name, sizeof(pr->name), p.name);
	copy_str(pr->desc, sizeof(pr->desc), p.description);
	simple = p.pread || p.pwrite;
	if (!p.name || !*p.name)
		snprintf(pr->why, sizeof(pr->why), "has no name");
	else if (!p.create || !p.config || !p.open || !p.close)
		snprintf(pr->why, sizeof(pr->why), "lacks a required callback (create, config, open, close)");
	else if (p.queue_io && simple)
		snprintf(pr->why, sizeof(pr->why), "gives both queue_io and the simple API (pread/pwrite)");
	else if (!p.queue_io && !simple)
		snprintf(pr->why, sizeof(pr->why), "gives neither queue_io nor the simple API (pread/pwrite)");
	else if (simple && (!p.pread || !p.pwrite))
		snprintf(pr->why, sizeof(pr->why), "gives %s but not %s", p.pread ? "pread" : "pwrite",
			 p.pread ? "pwrite" : "pread");
	else if (simple && !model_name(p.thread_model))
		snprintf(pr->why, sizeof(pr->why), "unknown thread_model %u", p.thread_model);
	if (pr->why[0])
		return;
	pr->kind = simple ? "simple" : "async";
	pr->model = simple ? model_name(p.thread_model) : "-";
}

static void probe_filter(struct probe *pr, const struct ublk_filter *raw)
{
	struct ublk_filter f;

	memset(&f, 0, sizeof(f));
	if (raw->struct_size < UBLK_FIELD_END(struct ublk_filter, close)) {
		snprintf(pr->why, sizeof(pr->why), "struct ublk_filter is %u bytes, too small",
			 raw->struct_size);
		return;
	}
	memcpy(&f, raw, raw->struct_size < sizeof(f) ? raw->struct_size : sizeof(f));
	copy_str(pr->name, sizeof(pr->name), f.name);
	copy_str(pr->desc, sizeof(pr->desc), f.description);
	if (!f.name || !*f.name)
		snprintf(pr->why, sizeof(pr->why), "has no name");
	else if (!f.create || !f.config || !f.open || !f.queue_io || !f.close || !f.config_keys)
		snprintf(pr->why, sizeof(pr->why),
			 "lacks a required filter member (create, config, open, queue_io, close, config_keys)");
	else {
		pr->kind = "filter";
		pr->model = "-";
	}
}

static void probe_file(const char *dir, const char *file, struct probe *pr)
{
	const struct ublk_plugin *p = NULL;
	const struct ublk_filter *f = NULL;
	ublk_plugin_entry_fn pentry;
	ublk_filter_entry_fn fentry;
	char path[PATH_MAX], base[NAME_MAX + 1];
	uint16_t major, minor;
	void *dl;

	memset(pr, 0, sizeof(*pr));
	pr->kind = "broken";
	pr->model = "-";
	strcpy(pr->abi, "-");
	snprintf(base, sizeof(base), "%.*s", (int)(strlen(file) - 3), file);
	copy_str(pr->name, sizeof(pr->name), base);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!plugin_name_valid(base)) {
		snprintf(pr->why, sizeof(pr->why), "name is not [A-Za-z0-9_-]+");
		return;
	}
	if (plugin_trust_check(path, geteuid(), pr->why, sizeof(pr->why)))
		return;
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		copy_str(pr->why, sizeof(pr->why), dlerror());
		return;
	}
	pentry = (ublk_plugin_entry_fn)dlsym(dl, UBLK_PLUGIN_ENTRY_SYMBOL);
	fentry = (ublk_filter_entry_fn)dlsym(dl, UBLK_FILTER_ENTRY_SYMBOL);
	if (pentry)
		p = pentry(&host_services);
	else if (fentry)
		f = fentry(&host_services);
	if (!pentry && !fentry) {
		snprintf(pr->why, sizeof(pr->why), "not a ublk-server plugin (no %s or %s symbol)",
			 UBLK_PLUGIN_ENTRY_SYMBOL, UBLK_FILTER_ENTRY_SYMBOL);
		goto out;
	}
	if (!p && !f) {
		snprintf(pr->why, sizeof(pr->why), "refused to register");
		goto out;
	}
	major = p ? p->abi_major : f->abi_major;
	minor = p ? p->abi_minor : f->abi_minor;
	snprintf(pr->abi, sizeof(pr->abi), "%u.%u", major, minor);
	if (major != UBLK_PLUGIN_ABI_MAJOR) {
		snprintf(pr->why, sizeof(pr->why), "ABI version %u.%u, this server needs %u.x",
			 major, minor, UBLK_PLUGIN_ABI_MAJOR);
		goto out;
	}
	if (p)
		probe_target(pr, p);
	else
		probe_filter(pr, f);
	/* `-t NAME` finds NAME.so: a plugin calling itself otherwise is a trap. */
	if (!pr->why[0] && strcmp(base, pr->name)) {
		snprintf(pr->why, sizeof(pr->why), "calls itself '%s'", pr->name);
		copy_str(pr->name, sizeof(pr->name), base);
	}
out:
	if (pr->why[0])
		pr->kind = "broken";
	dlclose(dl);
}

static int is_so(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 3 && !strcmp(d->d_name + n - 3, ".so");
}

int cmd_plugins(void)
{
	const char *dir = plugin_get_dir();
	struct dirent **list;
	char why[PATH_MAX + 128];
	int n, i;

	if (plugin_trust_check(dir, geteuid(), why, sizeof(why))) {
		log_error("cannot use plugin directory: %s", why);
		return 1;
	}
	n = scandir(dir, &list, is_so, alphasort);
	if (n < 0) {
		log_error("cannot read plugin directory %s: %m", dir);
		return 1;
	}
	printf("%-16s %-4s %-6s %-18s %s\n", "NAME", "ABI", "KIND", "THREAD MODEL",
	       "DESCRIPTION / PATH");
	for (i = 0; i < n; i++) {
		struct probe pr;

		probe_file(dir, list[i]->d_name, &pr);
		printf("%-16s %-4s %-6s %-18s %s\n", pr.name, pr.abi, pr.kind, pr.model,
		       pr.why[0] ? pr.why : pr.desc);
		printf("%-16s %s/%s\n", "", dir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	if (!n)
		printf("(no plugins in %s)\n", dir);
	return 0;
}
