// SPDX-License-Identifier: MIT
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev_config.h"
#include "io_loop.h"
#include "log.h"
#include "parse.h"
#include "loader.h"

static char *plugin_dir;
static struct loaded_plugin *loaded;
static __thread char last_error[512];

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

const char *plugin_error(const char *fallback)
{
	return last_error[0] ? last_error : fallback;
}

void plugin_clear_error(void)
{
	last_error[0] = '\0';
}

static void host_vlog(int level, const char *fmt, va_list ap)
{
	log_vmsg(level, fmt, ap);
}

static void host_verror(const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
}

static int host_parse_bool(const char *str, int *value)
{
	return parse_bool(str, value);
}

const struct ublk_host host_services = {
	.struct_size = sizeof(struct ublk_host),
	.abi_major = UBLK_PLUGIN_ABI_MAJOR,
	.abi_minor = UBLK_PLUGIN_ABI_MINOR,
	.vlog = host_vlog,
	.verror = host_verror,
	.get_sqe = io_get_target_sqe,
	.complete = io_complete,
	.parse_size = parse_size,
	.parse_bool = host_parse_bool,
	.parse_uint = parse_uint,
};

/* The smallest plugin struct we accept: everything ABI 1.0 defined. */
#define PLUGIN_MIN_SIZE UBLK_FIELD_END(struct ublk_plugin, close)

static int plugin_check(const struct ublk_plugin *p, const char *path,
			const char *origin)
{
	static const struct {
		size_t offset;
		const char *name;
	} required[] = {
		{ offsetof(struct ublk_plugin, create), "create" },
		{ offsetof(struct ublk_plugin, config), "config" },
		{ offsetof(struct ublk_plugin, open), "open" },
		{ offsetof(struct ublk_plugin, queue_io), "queue_io" },
		{ offsetof(struct ublk_plugin, close), "close" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		void *fn;

		memcpy(&fn, (const char *)p + required[i].offset, sizeof(fn));
		if (!fn) {
			log_error("%s: plugin %s lacks the required callback '%s'",
				  origin, path, required[i].name);
			return -1;
		}
	}
	if (!p->name || !*p->name) {
		log_error("%s: plugin %s has no name", origin, path);
		return -1;
	}
	return 0;
}

struct loaded_plugin *plugin_load(const char *name, const char *origin)
{
	const struct ublk_plugin *p;
	struct loaded_plugin *lp;
	ublk_plugin_entry_fn entry;
	char path[PATH_MAX];
	void *dl;

	for (lp = loaded; lp; lp = lp->next) {
		if (!strcmp(lp->ops.name, name)) {
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
	entry = (ublk_plugin_entry_fn)dlsym(dl, UBLK_PLUGIN_ENTRY_SYMBOL);
	if (!entry) {
		log_error("%s: %s is not a ublk-server plugin (no %s symbol)",
			  origin, path, UBLK_PLUGIN_ENTRY_SYMBOL);
		goto err_close;
	}
	p = entry(&host_services);
	if (!p) {
		log_error("%s: plugin %s refused to register", origin, path);
		goto err_close;
	}
	if (p->abi_major != UBLK_PLUGIN_ABI_MAJOR) {
		log_error("%s: plugin %s has ABI version %u.%u, this server needs %u.x",
			  origin, path, p->abi_major, p->abi_minor, UBLK_PLUGIN_ABI_MAJOR);
		goto err_close;
	}
	if (p->struct_size < PLUGIN_MIN_SIZE) {
		log_error("%s: plugin %s struct is %u bytes, smaller than ABI %u.0 (%zu)",
			  origin, path, p->struct_size, UBLK_PLUGIN_ABI_MAJOR,
			  (size_t)PLUGIN_MIN_SIZE);
		goto err_close;
	}

	lp = calloc(1, sizeof(*lp));
	if (!lp)
		goto err_close;
	/* A newer plugin's extra fields are ignored; an older one's missing fields are zero. */
	memcpy(&lp->ops, p, p->struct_size < sizeof(lp->ops) ? p->struct_size : sizeof(lp->ops));
	if (plugin_check(&lp->ops, path, origin)) {
		free(lp);
		goto err_close;
	}
	if (strcmp(lp->ops.name, name))
		log_warn("%s: plugin %s calls itself '%s'", origin, path, lp->ops.name);
	lp->path = strdup(path);
	lp->dl = dl;
	lp->refs = 1;
	lp->next = loaded;
	loaded = lp;
	return lp;

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
