// SPDX-License-Identifier: MIT
/*
 * The plugin ABI contract: layouts, and what the loader accepts or refuses
 * (the test plugins in tests/plugins break it on purpose).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "host_services.h"
#include "loader.h"
#include "ublk_abi.h"
#include "unit.h"

/* Fields third-party plugins rely on never move within ABI 1. */
_Static_assert(offsetof(struct ublk_plugin, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(struct ublk_plugin, abi_major) == 4, "abi_major offset");
_Static_assert(offsetof(struct ublk_request, struct_size) == 0, "request size first");
_Static_assert(offsetof(struct ublk_host, struct_size) == 0, "host size first");
_Static_assert(offsetof(struct ublk_device_params, struct_size) == 0, "params size first");

static char dir[4096];

static struct loaded_plugin *load_from(const char *subdir, const char *name)
{
	snprintf(dir, sizeof(dir), "%s/%s", getenv("abs_top_builddir"), subdir);
	plugin_set_dir(dir);
	return plugin_load(name, "test");
}

int main(void)
{
	struct loaded_plugin *p;

	if (!getenv("abs_top_builddir")) {
		fprintf(stderr, "abs_top_builddir not set\n");
		return 99;
	}

	p = load_from("plugins/.libs", "null");
	CHECK(p && !strcmp(p->ops.name, "null") && p->ops.queue_io && p->ops.create);
	CHECK(p && (p->ops.caps & UBLK_CAP_NO_DATA));
	plugin_put(p);

	/* A plugin from a newer 1.x: accepted, unknown tail ignored. */
	p = load_from("tests/plugins/.libs", "future_abi");
	CHECK(p != NULL);
	CHECK(p && !strcmp(p->ops.name, "future_abi") && p->ops.abi_minor == UBLK_PLUGIN_ABI_MINOR + 7);
	plugin_put(p);

	/* A different major version, a missing callback, a missing file: refused. */
	CHECK(load_from("tests/plugins/.libs", "bad_abi") == NULL);
	CHECK(load_from("tests/plugins/.libs", "no_queue_io") == NULL);
	CHECK(load_from("tests/plugins/.libs", "does_not_exist") == NULL);

	/* The host table a plugin receives describes itself. */
	CHECK(host_services.struct_size == sizeof(struct ublk_host));
	CHECK(host_services.abi_major == UBLK_PLUGIN_ABI_MAJOR);
	return UNIT_RESULT();
}
