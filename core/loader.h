/* SPDX-License-Identifier: MIT */
/*
 * Plugin discovery and loading: NAME.so from the plugin directory, its ABI
 * checked, its callbacks copied into a host-sized struct.
 */
#ifndef UBLK_SERVER_LOADER_H
#define UBLK_SERVER_LOADER_H

#include <ublk/plugin.h>

struct loaded_plugin {
	struct ublk_plugin ops;		/* zero-filled beyond the plugin's size */
	char *path;
	void *dl;
	unsigned int refs;
	struct loaded_plugin *next;
};

/* --plugin-dir, else $UBLK_PLUGIN_DIR, else the compiled-in directory. */
void plugin_set_dir(const char *dir);
const char *plugin_get_dir(void);

/*
 * Load (or reuse) plugin NAME; origin prefixes the error message.
 * NULL after printing one line naming the path and the reason.
 */
struct loaded_plugin *plugin_load(const char *name, const char *origin);
void plugin_put(struct loaded_plugin *p);

/* The last ublk_error() of a plugin on this thread, or a generic text. */
const char *plugin_error(const char *fallback);
void plugin_clear_error(void);

extern const struct ublk_host host_services;

#endif
