// SPDX-License-Identifier: MIT
/* del, list, features, update_size, quiesce: one control command or a few. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "daemon_state.h"
#include "ctrl.h"
#include "device.h"
#include "feature_names.h"
#include "log.h"
#include "process.h"
#include "run_dir.h"
#include "stats.h"
#include "stats_read.h"

#define MAX_LISTED		1024
#define DAEMON_EXIT_WAIT_MS	10000

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int scan_ids(const char *dir, const char *prefix, int *ids, int max)
{
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < max) {
		char *end;
		long id;

		if (strncmp(de->d_name, prefix, plen))
			continue;
		id = strtol(de->d_name + plen, &end, 10);
		if (end != de->d_name + plen && !*end && id >= 0)
			ids[n++] = (int)id;
	}
	closedir(d);
	return n;
}

int list_device_ids(int *ids, int max)
{
	int n = scan_ids("/sys/class/ublk-char", "ublkc", ids, max);

	if (n < 0)
		n = scan_ids("/dev", "ublkc", ids, max);
	if (n < 0)
		return 0;
	qsort(ids, (size_t)n, sizeof(*ids), cmp_int);
	return n;
}

static int open_ctrl_or_complain(struct ctrl *ctrl)
{
	int ret = ctrl_open(ctrl);

	if (ret == -ENOENT)
		log_error("%s does not exist: load the ublk_drv kernel module", UBLK_CONTROL_PATH);
	else if (ret < 0)
		log_error("cannot open %s: %s", UBLK_CONTROL_PATH, strerror(-ret));
	return ret;
}


/* Does any remaining device still name this daemon? (daemon mode serves many) */
static int pid_serves_other_devices(struct ctrl *ctrl, pid_t pid)
{
	struct ublksrv_ctrl_dev_info info;
	int ids[MAX_LISTED], n, i;

	n = list_device_ids(ids, MAX_LISTED);
	for (i = 0; i < n; i++)
		if (ctrl_get_dev_info(ctrl, ids[i], &info) >= 0 && info.ublksrv_pid == pid)
			return 1;
	return 0;
}

/* A dead daemon of a recoverable device leaves its statistics behind. */
static void remove_stats_file(int dev_id)
{
	char path[512];

	stats_path(dev_id, path, sizeof(path));
	unlink(path);
}

static int del_one(struct ctrl *ctrl, int dev_id)
{
	struct ublksrv_ctrl_dev_info info;
	int ret, waited = 0;
	pid_t pid;

	ret = ctrl_get_dev_info(ctrl, dev_id, &info);
	if (ret < 0) {
		log_error("device %d: %s", dev_id, ret == -ENODEV ? "no such device" : strerror(-ret));
		return -1;
	}
	pid = info.ublksrv_pid;
	ret = ctrl_stop_dev(ctrl, dev_id);
	if (ret < 0 && ret != -ENODEV)
		log_warn("device %d: stop: %s", dev_id, strerror(-ret));
	/* Returns once the daemon has let go of /dev/ublkcN. */
	ret = ctrl_del_dev(ctrl, dev_id);
	if (ret < 0 && ret != -ENODEV) {
		log_error("device %d: delete: %s", dev_id, strerror(-ret));
		return -1;
	}
	remove_stats_file(dev_id);
	/* A config-file daemon serves on (a reload may add devices): never wait for it. */
	if (pid <= 0 || pid == getpid() || pid_serves_other_devices(ctrl, pid) ||
	    pid_is_config_daemon(pid))
		return 0;
	while (process_is_running(pid) && waited < DAEMON_EXIT_WAIT_MS) {
		usleep(20 * 1000);
		waited += 20;
	}
	if (process_is_running(pid))
		log_warn("device %d: daemon %d still running", dev_id, (int)pid);
	return 0;
}

int cmd_del(struct cli_args *args)
{
	int ids[MAX_LISTED], n, i, ret = 0;
	struct ctrl ctrl;

	if (args->dev_id < 0 && !args->all) {
		log_error("del needs -n ID or -a");
		return 1;
	}
	if (open_ctrl_or_complain(&ctrl) < 0)
		return 1;
	if (args->dev_id >= 0) {
		ret = del_one(&ctrl, args->dev_id);
	} else {
		n = list_device_ids(ids, MAX_LISTED);
		for (i = 0; i < n; i++)
			if (del_one(&ctrl, ids[i]))
				ret = -1;
	}
	ctrl_close(&ctrl);
	return ret ? 1 : 0;
}

static void format_cpus(const cpu_set_t *set, char *buf, size_t len)
{
	size_t done = 0;
	int cpu;

	buf[0] = '\0';
	for (cpu = 0; cpu < CPU_SETSIZE && done < len; cpu++)
		if (CPU_ISSET(cpu, set))
			done += (size_t)snprintf(buf + done, len - done, "%d ", cpu);
}

/* The data path its daemon chose and why, when served from this run dir. */
static void print_data_path(int dev_id, FILE *out)
{
	struct stats_snapshot snap;

	if (stats_snapshot_read(dev_id, &snap) < 0)
		return;
	fprintf(out, "\tdata path %s (%s)\n", snap.hdr.data_path, snap.hdr.data_path_why);
	stats_snapshot_free(&snap);
}

int device_print_info(struct ctrl *ctrl, int dev_id, FILE *out)
{
	struct ublksrv_ctrl_dev_info info;
	struct ublk_params p;
	char cpus[512];
	cpu_set_t set;
	int ret, q;

	ret = ctrl_get_dev_info(ctrl, dev_id, &info);
	if (ret < 0)
		return ret;
	ret = ctrl_get_params(ctrl, dev_id, &p);
	if (ret < 0)
		return ret;

	fprintf(out, "dev id %d: nr_hw_queues %d queue_depth %d block size %d dev_capacity %llu\n",
		(int)info.dev_id, info.nr_hw_queues, info.queue_depth,
		1 << p.basic.logical_bs_shift, (unsigned long long)p.basic.dev_sectors);
	fprintf(out, "\tmax rq size %u daemon pid %d flags 0x%llx state %s\n",
		info.max_io_buf_bytes, info.ublksrv_pid, (unsigned long long)info.flags,
		ctrl_state_name(info.state));
	for (q = 0; q < info.nr_hw_queues; q++) {
		if (ctrl_get_queue_affinity(ctrl, dev_id, q, &set) < 0)
			continue;
		format_cpus(&set, cpus, sizeof(cpus));
		fprintf(out, "\tqueue %u: affinity(%s)\n", q, cpus);
	}
	print_data_path(dev_id, out);
	fflush(out);
	return 0;
}

int cmd_list(struct cli_args *args)
{
	int ids[MAX_LISTED], n, i, ret = 0;
	struct ctrl ctrl;

	if (args->json)
		return cmd_list_json(args);
	if (open_ctrl_or_complain(&ctrl) < 0)
		return 1;
	if (args->dev_id >= 0) {
		ret = device_print_info(&ctrl, args->dev_id, stdout);
		if (ret < 0)
			log_error("device %d: %s", args->dev_id,
				  ret == -ENODEV ? "no such device" : strerror(-ret));
	} else {
		n = list_device_ids(ids, MAX_LISTED);
		for (i = 0; i < n; i++)
			device_print_info(&ctrl, ids[i], stdout);
	}
	ctrl_close(&ctrl);
	return ret < 0 ? 1 : 0;
}

int cmd_features(struct cli_args *args)
{
	struct ctrl ctrl;
	__u64 features;
	unsigned int bit;
	int ret;

	if (args->json)
		return cmd_features_json();
	if (open_ctrl_or_complain(&ctrl) < 0)
		return 1;
	ret = ctrl_get_features(&ctrl, &features);
	ctrl_close(&ctrl);
	if (ret < 0) {
		log_error("GET_FEATURES: %s", strerror(-ret));
		return 1;
	}
	printf("ublk_drv features: 0x%llx\n", (unsigned long long)features);
	for (bit = 0; bit < 64; bit++) {
		const char *name = feature_name(bit);

		if (!(features & (1ULL << bit)))
			continue;
		printf("\t%-22s: 0x%llx\n", name ? name : "unknown", 1ULL << bit);
	}
	return 0;
}

int cmd_update_size(struct cli_args *args)
{
	unsigned int bit = feature_bit(UBLK_F_UPDATE_SIZE);
	struct ublk_params p;
	struct ctrl ctrl;
	__u64 features;
	int ret;

	if (args->dev_id < 0 || !args->have_size) {
		log_error("update_size needs -n ID and -s BYTES");
		return 1;
	}
	if (open_ctrl_or_complain(&ctrl) < 0)
		return 1;
	ret = ctrl_get_params(&ctrl, args->dev_id, &p);
	if (ret < 0) {
		log_error("device %d: %s", args->dev_id,
			  ret == -ENODEV ? "no such device" : strerror(-ret));
		goto out;
	}
	if (!args->size || args->size & ((1ULL << p.basic.logical_bs_shift) - 1)) {
		log_error("-s: %llu is not a positive multiple of the block size %u",
			  (unsigned long long)args->size, 1U << p.basic.logical_bs_shift);
		ret = -EINVAL;
		goto out;
	}
	ret = ctrl_get_features(&ctrl, &features);
	if (ret < 0 || !(features & UBLK_F_UPDATE_SIZE)) {
		log_error("update_size needs the ublk feature %s (Linux %s or newer); this kernel lacks it",
			  feature_name(bit), feature_kernel(bit));
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = ctrl_update_size(&ctrl, args->dev_id, args->size >> 9);
	if (ret < 0)
		log_error("device %d: update_size: %s", args->dev_id, strerror(-ret));
out:
	ctrl_close(&ctrl);
	return ret < 0 ? 1 : 0;
}

#define QUIESCE_TIMEOUT_MS	10000

/* QUIESCE_DEV needs the kernel feature and a device added with it (recovery). */
static int quiesce_supported(struct ctrl *ctrl, int dev_id)
{
	unsigned int bit = feature_bit(UBLK_F_QUIESCE);
	struct ublksrv_ctrl_dev_info info;
	__u64 features;
	int ret;

	if (ctrl_get_features(ctrl, &features) < 0 || !(features & UBLK_F_QUIESCE)) {
		log_error("quiesce needs the ublk feature %s (Linux %s or newer); this kernel lacks it",
			  feature_name(bit), feature_kernel(bit));
		return -EOPNOTSUPP;
	}
	ret = ctrl_get_dev_info(ctrl, dev_id, &info);
	if (ret < 0) {
		log_error("device %d: %s", dev_id, ret == -ENODEV ? "no such device" : strerror(-ret));
		return ret;
	}
	if (!(info.flags & UBLK_F_QUIESCE)) {
		log_error("device %d: quiesce needs a device added with recovery (-r 1, -i 1 or -e 1)",
			  dev_id);
		return -EOPNOTSUPP;
	}
	return 0;
}

int cmd_quiesce(struct cli_args *args)
{
	struct ctrl ctrl;
	int ret;

	if (args->dev_id < 0) {
		log_error("quiesce needs -n ID");
		return 1;
	}
	if (open_ctrl_or_complain(&ctrl) < 0)
		return 1;
	ret = quiesce_supported(&ctrl, args->dev_id);
	if (!ret) {
		ret = ctrl_quiesce_dev(&ctrl, args->dev_id, QUIESCE_TIMEOUT_MS);
		if (ret < 0)
			log_error("device %d: quiesce: %s%s", args->dev_id, strerror(-ret),
				  ret == -EBUSY ? " (its IO did not drain in time)" : "");
	}
	ctrl_close(&ctrl);
	return ret < 0 ? 1 : 0;
}
