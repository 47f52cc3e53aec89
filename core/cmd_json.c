// SPDX-License-Identifier: MIT
/*
 * `list --json` and `features --json`, built with json-c. list adds to what
 * the kernel knows (GET_DEV_INFO, GET_PARAMS, affinity) what only the daemon
 * knows (target, its keys, stanza name), read from the device's stats file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "commands.h"
#include "ctrl.h"
#include "feature_names.h"
#include "log.h"
#include "stats_export.h"

#define MAX_LISTED	1024

static struct json_object *flag_names(__u64 flags)
{
	struct json_object *arr = json_object_new_array();
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		const char *name = feature_name(bit);

		if (flags & (1ULL << bit))
			json_object_array_add(arr, json_object_new_string(name ? name : "unknown"));
	}
	return arr;
}

static const char *data_path_of_flags(__u64 flags)
{
	if (flags & UBLK_F_AUTO_BUF_REG)
		return "auto_zc";
	if (flags & UBLK_F_SUPPORT_ZERO_COPY)
		return "zero_copy";
	if (flags & UBLK_F_USER_COPY)
		return "user_copy";
	if (flags & UBLK_F_NEED_GET_DATA)
		return "get_data";
	return "copy";
}

static const char *recovery_of_flags(__u64 flags)
{
	if (flags & UBLK_F_USER_RECOVERY_FAIL_IO)
		return "fail_io";
	if (flags & UBLK_F_USER_RECOVERY_REISSUE)
		return "reissue";
	return flags & UBLK_F_USER_RECOVERY ? "on" : "none";
}

static struct json_object *affinity_json(struct ctrl *ctrl, int dev_id, int q)
{
	struct json_object *arr;
	cpu_set_t set;
	int cpu;

	if (ctrl_get_queue_affinity(ctrl, dev_id, q, &set) < 0)
		return NULL;
	arr = json_object_new_array();
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			json_object_array_add(arr, json_object_new_int(cpu));
	return arr;
}

static struct json_object *device_json(struct ctrl *ctrl, int dev_id, int *err)
{
	struct ublksrv_ctrl_dev_info info;
	struct stats_snapshot snap;
	struct json_object *o, *queues;
	struct ublk_params p;
	char hex[32];
	int ret, q, have_stats;

	ret = ctrl_get_dev_info(ctrl, dev_id, &info);
	if (ret >= 0)
		ret = ctrl_get_params(ctrl, dev_id, &p);
	if (ret < 0) {
		*err = ret;
		return NULL;
	}
	/* The stats file is the daemon's, if it still names this device's daemon. */
	have_stats = stats_snapshot_read(dev_id, &snap) == 0;

	o = json_object_new_object();
	json_object_object_add(o, "dev_id", json_object_new_int((int)info.dev_id));
	snprintf(hex, sizeof(hex), "/dev/ublkb%d", (int)info.dev_id);
	json_object_object_add(o, "block_device", json_object_new_string(hex));
	snprintf(hex, sizeof(hex), "/dev/ublkc%d", (int)info.dev_id);
	json_object_object_add(o, "char_device", json_object_new_string(hex));
	json_object_object_add(o, "nr_hw_queues", json_object_new_int(info.nr_hw_queues));
	json_object_object_add(o, "queue_depth", json_object_new_int(info.queue_depth));
	json_object_object_add(o, "block_size",
			       json_object_new_int(1 << p.basic.logical_bs_shift));
	json_object_object_add(o, "physical_block_size",
			       json_object_new_int(1 << p.basic.physical_bs_shift));
	json_object_object_add(o, "dev_capacity", json_object_new_uint64(p.basic.dev_sectors));
	json_object_object_add(o, "size_bytes",
			       json_object_new_uint64((uint64_t)p.basic.dev_sectors << 9));
	json_object_object_add(o, "max_rq_size", json_object_new_int64(info.max_io_buf_bytes));
	json_object_object_add(o, "daemon_pid", json_object_new_int(info.ublksrv_pid));
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)info.flags);
	json_object_object_add(o, "flags", json_object_new_string(hex));
	json_object_object_add(o, "flag_names", flag_names(info.flags));
	json_object_object_add(o, "state", json_object_new_string(ctrl_state_name(info.state)));
	/* Who added it: for an unprivileged device, the user its nodes belong to. */
	json_object_object_add(o, "owner_uid", json_object_new_int64(info.owner_uid));
	json_object_object_add(o, "owner_gid", json_object_new_int64(info.owner_gid));
	json_object_object_add(o, "data_path", json_object_new_string(
		have_stats ? snap.hdr.data_path : data_path_of_flags(info.flags)));
	json_object_object_add(o, "data_path_reason", have_stats ?
			       json_object_new_string(snap.hdr.data_path_why) : NULL);
	json_object_object_add(o, "recovery", json_object_new_string(recovery_of_flags(info.flags)));
	if (have_stats) {
		json_object_object_add(o, "target", json_object_new_string(snap.hdr.target));
		json_object_object_add(o, "name", snap.hdr.name[0] ?
				       json_object_new_string(snap.hdr.name) : NULL);
		json_object_object_add(o, "layers", stats_layers_json(snap.hdr.layers));
		json_object_object_add(o, "config", stats_config_json(snap.hdr.config));
		json_object_object_add(o, "stats_pid", json_object_new_int(snap.hdr.pid));
		json_object_object_add(o, "recoveries", json_object_new_uint64(snap.hdr.recoveries));
		stats_snapshot_free(&snap);
	} else {
		/* Not served by a ublk-server of this run dir (or from before). */
		json_object_object_add(o, "target", NULL);
		json_object_object_add(o, "name", NULL);
		json_object_object_add(o, "config", NULL);
	}
	queues = json_object_new_array();
	for (q = 0; q < info.nr_hw_queues; q++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "queue", json_object_new_int(q));
		json_object_object_add(e, "affinity", affinity_json(ctrl, dev_id, q));
		json_object_array_add(queues, e);
	}
	json_object_object_add(o, "queues", queues);
	return o;
}

int cmd_list_json(struct cli_args *args)
{
	struct json_object *root, *arr;
	int ids[MAX_LISTED], n, i, err = 0, ret = 0;
	struct ctrl ctrl;

	ret = ctrl_open(&ctrl);
	if (ret < 0) {
		log_error("cannot open %s: %s", UBLK_CONTROL_PATH, strerror(-ret));
		return 1;
	}
	root = json_object_new_object();
	arr = json_object_new_array();
	if (args->dev_id >= 0) {
		struct json_object *d = device_json(&ctrl, args->dev_id, &err);

		if (!d) {
			log_error("device %d: %s", args->dev_id,
				  err == -ENODEV ? "no such device" : strerror(-err));
			ret = 1;
		} else {
			json_object_array_add(arr, d);
		}
	} else {
		n = list_device_ids(ids, MAX_LISTED);
		for (i = 0; i < n; i++) {
			struct json_object *d = device_json(&ctrl, ids[i], &err);

			/* A device deleted meanwhile is simply not listed. */
			if (d)
				json_object_array_add(arr, d);
		}
	}
	ctrl_close(&ctrl);
	json_object_object_add(root, "devices", arr);
	if (!ret)
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return ret;
}

int cmd_features_json(void)
{
	struct json_object *root, *arr;
	struct ctrl ctrl;
	__u64 features;
	unsigned int bit;
	char hex[32];
	int ret;

	ret = ctrl_open(&ctrl);
	if (ret < 0) {
		log_error("cannot open %s: %s", UBLK_CONTROL_PATH, strerror(-ret));
		return 1;
	}
	ret = ctrl_get_features(&ctrl, &features);
	ctrl_close(&ctrl);
	if (ret < 0) {
		log_error("GET_FEATURES: %s", strerror(-ret));
		return 1;
	}
	root = json_object_new_object();
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)features);
	json_object_object_add(root, "features", json_object_new_string(hex));
	json_object_object_add(root, "value", json_object_new_uint64(features));
	arr = json_object_new_array();
	for (bit = 0; bit < 64; bit++) {
		const char *name = feature_name(bit);
		struct json_object *e;

		if (!(features & (1ULL << bit)))
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "name", json_object_new_string(name ? name : "unknown"));
		json_object_object_add(e, "bit", json_object_new_int((int)bit));
		snprintf(hex, sizeof(hex), "0x%llx", 1ULL << bit);
		json_object_object_add(e, "value", json_object_new_string(hex));
		if (name && feature_kernel(bit))
			json_object_object_add(e, "since", json_object_new_string(feature_kernel(bit)));
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "flags", arr);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return 0;
}
