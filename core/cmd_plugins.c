// SPDX-License-Identifier: MIT
/*
 * `ublk-server plugins`: every .so of the plugin directory with what it
 * declares, so a user sees at once what `-t NAME` / `filters =` can name,
 * and, for a plugin the server would refuse, the line plugin_load() would
 * print (each file goes through the loader itself: trust rule, ABI, API).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "loader.h"
#include "log.h"
#include "plugin_trust.h"

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
	return "unknown";
}

static void list_one(const char *dir, const char *file)
{
	char name[NAME_MAX + 1], why[PATH_MAX + 256], abi[16];
	const char *kind, *model = "-", *desc, *reason;
	struct loaded_plugin *lp;

	snprintf(name, sizeof(name), "%.*s", (int)(strlen(file) - 3), file);
	lp = plugin_probe(name, why, sizeof(why));
	if (!lp) {
		/* "plugins: plugin PATH has ABI version ...": the reason, once. */
		reason = strncmp(why, "plugins: ", 9) ? why : why + 9;
		printf("%-16s %-4s %-6s %-18s %s\n", name, "-", "broken", "-",
		       reason[0] ? reason : "cannot be loaded");
		printf("%-16s %s/%s\n", "", dir, file);
		return;
	}
	if (lp->is_filter) {
		snprintf(abi, sizeof(abi), "%u.%u", lp->fops.abi_major, lp->fops.abi_minor);
		kind = "filter";
	} else {
		snprintf(abi, sizeof(abi), "%u.%u", lp->ops.abi_major, lp->ops.abi_minor);
		kind = plugin_is_simple(lp) ? "simple" : "async";
		if (plugin_is_simple(lp))
			model = model_name(lp->ops.thread_model);
	}
	desc = lp->description ? lp->description : "";
	if (strcmp(lp->name, name)) {
		/* `-t NAME` loads NAME.so: a plugin calling itself otherwise misleads. */
		snprintf(why, sizeof(why), "calls itself '%s'", lp->name);
		kind = "broken";
		model = "-";
		desc = why;
	}
	printf("%-16s %-4s %-6s %-18s %s\n", name, abi, kind, model, desc);
	printf("%-16s %s/%s\n", "", dir, file);
	plugin_put(lp);
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
		list_one(dir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	if (!n)
		printf("(no plugins in %s)\n", dir);
	return 0;
}
