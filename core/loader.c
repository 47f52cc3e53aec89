// SPDX-License-Identifier: MIT
/*
 * Loading a target or filter .so: found in the plugin directory, handed the
 * host's service table (host_services.c), its ABI and callbacks checked, its
 * struct copied at the host's size.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_services.h"
#include "loader.h"
#include "log.h"

static char *plugin_dir;
static struct loaded_plugin *loaded;

void plugin_set_dir(const char *dir)
{
	free(plugin_dir);
	plugin_dir = dir ? strdup(dir) : NULL;
}

const char *plugin_get_dir(void)
{
	const char *env = getenv("UBLK_PLUGIN_DIR");

	if (plugin_dir)
		return plugin_dir;
	if (env && *env)
		return env;
	return PLUGIN_DIR;
}

/* The smallest plugin struct we accept: everything ABI 1.0 defined. */
#define PLUGIN_MIN_SIZE UBLK_FIELD_END(struct ublk_plugin, close)
/* Filters came with 1.1: all of its 1.1 struct. */
#define FILTER_MIN_SIZE UBLK_FIELD_END(struct ublk_filter, close)

struct required_cb {
	size_t offset;
	const char *name;
};

static int check_required(const void *ops, const struct required_cb *req, unsigned int n,
			  const char *path, const char *origin)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *fn;

		memcpy(&fn, (const char *)ops + req[i].offset, sizeof(fn));
		if (!fn) {
			log_error("%s: plugin %s lacks the required callback '%s'",
				  origin, path, req[i].name);
			return -1;
		}
	}
	return 0;
}

static int plugin_check(const struct ublk_plugin *p, const char *path,
			const char *origin)
{
	static const struct required_cb required[] = {
		{ offsetof(struct ublk_plugin, create), "create" },
		{ offsetof(struct ublk_plugin, config), "config" },
		{ offsetof(struct ublk_plugin, open), "open" },
		{ offsetof(struct ublk_plugin, close), "close" },
	};
	int simple = p->pread || p->pwrite;

	if (check_required(p, required, sizeof(required) / sizeof(required[0]), path, origin))
		return -1;
	/* One API or the other: the async queue_io, or the simple pread + pwrite. */
	if (p->queue_io && simple) {
		log_error("%s: plugin %s gives both queue_io and pread/pwrite: give one API, not both",
			  origin, path);
		return -1;
	}
	if (!p->queue_io && !simple) {
		log_error("%s: plugin %s lacks the required callback 'queue_io' (or pread and pwrite for the simple API)",
			  origin, path);
		return -1;
	}
	if (simple && (!p->pread || !p->pwrite)) {
		log_error("%s: plugin %s lacks the required callback '%s' of the simple API",
			  origin, path, p->pread ? "pwrite" : "pread");
		return -1;
	}
	if (!p->name || !*p->name) {
		log_error("%s: plugin %s has no name", origin, path);
		return -1;
	}
	return 0;
}

static int filter_check(const struct ublk_filter *f, const char *path, const char *origin)
{
	static const struct required_cb required[] = {
		{ offsetof(struct ublk_filter, create), "create" },
		{ offsetof(struct ublk_filter, config), "config" },
		{ offsetof(struct ublk_filter, open), "open" },
		{ offsetof(struct ublk_filter, queue_io), "queue_io" },
		{ offsetof(struct ublk_filter, close), "close" },
	};

	if (check_required(f, required, sizeof(required) / sizeof(required[0]), path, origin))
		return -1;
	if (!f->name || !*f->name) {
		log_error("%s: filter %s has no name", origin, path);
		return -1;
	}
	/* Without it the host cannot route bare keys nor tell stacks apart. */
	if (!f->config_keys) {
		log_error("%s: filter %s has no config_keys list (required for filters)",
			  origin, path);
		return -1;
	}
	return 0;
}

/* Copy what both sides know: a newer .so's tail is ignored, an older one's is zero. */
static int take_plugin(struct loaded_plugin *lp, const struct ublk_plugin *p,
		       const char *path, const char *origin)
{
	if (p->abi_major != UBLK_PLUGIN_ABI_MAJOR) {
		log_error("%s: plugin %s has ABI version %u.%u, this server needs %u.x",
			  origin, path, p->abi_major, p->abi_minor, UBLK_PLUGIN_ABI_MAJOR);
		return -1;
	}
	if (p->struct_size < PLUGIN_MIN_SIZE) {
		log_error("%s: plugin %s struct is %u bytes, smaller than ABI %u.0 (%zu)",
			  origin, path, p->struct_size, UBLK_PLUGIN_ABI_MAJOR,
			  (size_t)PLUGIN_MIN_SIZE);
		return -1;
	}
	memcpy(&lp->ops, p, p->struct_size < sizeof(lp->ops) ? p->struct_size : sizeof(lp->ops));
	if (plugin_check(&lp->ops, path, origin))
		return -1;
	lp->name = lp->ops.name;
	lp->description = lp->ops.description;
	lp->config_help = lp->ops.config_help;
	return 0;
}

static int take_filter(struct loaded_plugin *lp, const struct ublk_filter *f,
		       const char *path, const char *origin)
{
	if (f->abi_major != UBLK_PLUGIN_ABI_MAJOR) {
		log_error("%s: filter %s has ABI version %u.%u, this server needs %u.x",
			  origin, path, f->abi_major, f->abi_minor, UBLK_PLUGIN_ABI_MAJOR);
		return -1;
	}
	if (f->struct_size < FILTER_MIN_SIZE) {
		log_error("%s: filter %s struct is %u bytes, smaller than ABI %u.1 (%zu)",
			  origin, path, f->struct_size, UBLK_PLUGIN_ABI_MAJOR,
			  (size_t)FILTER_MIN_SIZE);
		return -1;
	}
	memcpy(&lp->fops, f, f->struct_size < sizeof(lp->fops) ? f->struct_size : sizeof(lp->fops));
	if (filter_check(&lp->fops, path, origin))
		return -1;
	lp->is_filter = 1;
	lp->name = lp->fops.name;
	lp->description = lp->fops.description;
	lp->config_help = lp->fops.config_help;
	return 0;
}

struct loaded_plugin *plugin_load(const char *name, const char *origin)
{
	struct loaded_plugin *lp;
	ublk_plugin_entry_fn entry;
	ublk_filter_entry_fn fentry;
	char path[PATH_MAX];
	void *dl;

	for (lp = loaded; lp; lp = lp->next) {
		if (!strcmp(lp->name, name)) {
			lp->refs++;
			return lp;
		}
	}

	snprintf(path, sizeof(path), "%s/%s.so", plugin_get_dir(), name);
	if (access(path, F_OK)) {
		log_error("%s: unknown target '%s': %s not found", origin, name, path);
		return NULL;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		log_error("%s: cannot load %s: %s", origin, path, dlerror());
		return NULL;
	}
	lp = calloc(1, sizeof(*lp));
	if (!lp)
		goto err_close;
	entry = (ublk_plugin_entry_fn)dlsym(dl, UBLK_PLUGIN_ENTRY_SYMBOL);
	fentry = (ublk_filter_entry_fn)dlsym(dl, UBLK_FILTER_ENTRY_SYMBOL);
	if (entry) {
		const struct ublk_plugin *p = entry(&host_services);

		if (!p) {
			log_error("%s: plugin %s refused to register", origin, path);
			goto err_free;
		}
		if (take_plugin(lp, p, path, origin))
			goto err_free;
	} else if (fentry) {
		const struct ublk_filter *f = fentry(&host_services);

		if (!f) {
			log_error("%s: filter %s refused to register", origin, path);
			goto err_free;
		}
		if (take_filter(lp, f, path, origin))
			goto err_free;
	} else {
		log_error("%s: %s is not a ublk-server plugin (no %s symbol)",
			  origin, path, UBLK_PLUGIN_ENTRY_SYMBOL);
		goto err_free;
	}
	if (strcmp(lp->name, name))
		log_warn("%s: plugin %s calls itself '%s'", origin, path, lp->name);
	lp->path = strdup(path);
	lp->dl = dl;
	lp->refs = 1;
	lp->next = loaded;
	loaded = lp;
	return lp;

err_free:
	free(lp);
err_close:
	dlclose(dl);
	return NULL;
}

void plugin_put(struct loaded_plugin *p)
{
	struct loaded_plugin **pp;

	if (!p || --p->refs)
		return;
	for (pp = &loaded; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	dlclose(p->dl);
	free(p->path);
	free(p);
}
