/* SPDX-License-Identifier: MIT */
/*
 * Plugin discovery and loading: NAME.so from the plugin directory, its ABI
 * checked, its callbacks copied into a host-sized struct. A .so is a target
 * (ublk_plugin_entry) or a filter (ublk_filter_entry); layers.c stacks them.
 */
#ifndef UBLK_SERVER_LOADER_H
#define UBLK_SERVER_LOADER_H

#include <ublk/plugin.h>

#include "layer_error.h"

struct loaded_plugin {
	int is_filter;			/* which of ops / fops is filled */
	struct ublk_plugin ops;		/* a target: zero-filled beyond the plugin's size */
	struct ublk_filter fops;	/* a filter: likewise */
	const char *name;		/* ops.name or fops.name */
	const char *description;
	const char *config_help;
	char *path;
	void *dl;
	unsigned int refs;
	struct loaded_plugin *next;
};

/* --plugin-dir, else $UBLK_PLUGIN_DIR, else the compiled-in directory. */
void plugin_set_dir(const char *dir);
const char *plugin_get_dir(void);

/*
 * Load (or reuse) NAME.so, a target or a filter (see is_filter); origin
 * prefixes the error message. A target gives either queue_io or the simple
 * API (pread + pwrite), never both. NULL after printing one line naming the
 * path and the reason.
 */
struct loaded_plugin *plugin_load(const char *name, const char *origin);
/* A plugin's simple (blocking) API: pread/pwrite instead of queue_io. */
static inline int plugin_is_simple(const struct loaded_plugin *p)
{
	return !p->is_filter && !p->ops.queue_io;
}
void plugin_put(struct loaded_plugin *p);


#endif
