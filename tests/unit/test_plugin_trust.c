// SPDX-License-Identifier: MIT
/* Plugin names and the root-only ownership / permission rule. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_trust.h"
#include "unit.h"

static void test_names(void)
{
	char long_name[PLUGIN_NAME_MAX + 2];

	CHECK(plugin_name_valid("null"));
	CHECK(plugin_name_valid("fault_inject"));
	CHECK(plugin_name_valid("my-plugin2"));
	CHECK(!plugin_name_valid(""));
	CHECK(!plugin_name_valid(NULL));
	CHECK(!plugin_name_valid("../null"));
	CHECK(!plugin_name_valid("a/b"));
	CHECK(!plugin_name_valid("."));
	CHECK(!plugin_name_valid("null.so"));
	CHECK(!plugin_name_valid("nu ll"));
	CHECK(!plugin_name_valid("null\n"));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK(!plugin_name_valid(long_name));
	long_name[PLUGIN_NAME_MAX] = '\0';
	CHECK(plugin_name_valid(long_name));
}

static void test_trust(void)
{
	char dir[] = "/tmp/ublk-trust-XXXXXX";
	char file[64], why[256];
	struct stat st;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(file, sizeof(file), "%s/x.so", dir);
	fclose(fopen(file, "w"));
	CHECK(!stat(file, &st));

	/* Not root: nothing is checked. */
	CHECK(!plugin_trust_check(file, 1000, why, sizeof(why)));
	CHECK(plugin_trust_check("/nonexistent/x.so", 0, why, sizeof(why)) == -1);

	if (st.st_uid == 0) {
		chmod(dir, 0755);
		chmod(file, 0755);
		CHECK(!plugin_trust_check(dir, 0, why, sizeof(why)));
		CHECK(!plugin_trust_check(file, 0, why, sizeof(why)));
		chmod(file, 0775);
		CHECK(plugin_trust_check(file, 0, why, sizeof(why)) == -1);
		CHECK(strstr(why, "writable by group") && strstr(why, file));
		chmod(dir, 01777);
		CHECK(plugin_trust_check(dir, 0, why, sizeof(why)) == -1);
		CHECK(strstr(why, "writable by others") && strstr(why, dir));
		chmod(file, 0755);
		if (!chown(file, 65534, 0)) {
			CHECK(plugin_trust_check(file, 0, why, sizeof(why)) == -1);
			CHECK(strstr(why, "owned by uid 65534, not root"));
		}
	} else {
		/* Built by a user: root must not trust these files. */
		CHECK(plugin_trust_check(file, 0, why, sizeof(why)) == -1);
		CHECK(strstr(why, "not root") != NULL);
	}
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	test_names();
	test_trust();
	return UNIT_RESULT();
}
