// SPDX-License-Identifier: MIT
/*
 * `add` and `recover`: configure, start and serve one device. Without
 * --foreground the command daemonizes (double fork, new session) and returns
 * only once the device is LIVE, printing what `list` prints, or with the
 * daemon's error message and a non-zero status.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "commands.h"
#include "device.h"
#include "log.h"
#include "serve_loop.h"

/* The daemon's last word on the pipe before it lets go of stderr. */
#define READY_MARKER "\001ublk-server-ready "

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* The serve loop's view of `add`: one device. */
static unsigned int one_nr_devices(void *ctx)
{
	(void)ctx;
	return 1;
}

static struct device *one_device(void *ctx, unsigned int i)
{
	(void)i;
	return ctx;
}

/* Stopped from outside (`del`): whoever stopped it deletes it. */
static int one_device_gone(void *ctx, unsigned int i)
{
	struct device *dev = ctx;

	(void)i;
	device_wait(dev);
	device_destroy(dev, 0);
	return 1;
}

static const struct serve_ops add_serve_ops = {
	.nr_devices = one_nr_devices,
	.device = one_device,
	.device_gone = one_device_gone,
	/* SIGHUP: nothing to reload. */
};

#define SAFE_STOP_RETRY_MS	1000

/*
 * SIGTERM never yanks a device in use where the kernel can tell
 * (UBLK_F_SAFE_STOP_DEV, Linux 7.0): TRY_STOP_DEV, and while the device is
 * open (mounted, held by a process) it serves on and the stop is retried
 * every second. 0: stop it now (no SAFE_STOP_DEV, SIGINT, a second
 * SIGTERM); 1: the kernel stopped it; -1: it was stopped from outside
 * meanwhile (device_gone's case).
 */
static int sigterm_safe_stop(struct device *dev, int sfd)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	int r;

	if (!(dev->kernel_features & UBLK_F_SAFE_STOP_DEV))
		return 0;
	if (ctrl_try_stop_dev(&dev->ctrl, dev->dev_id) != -EBUSY)
		return 1;
	log_info("dev %d: SIGTERM: /dev/ublkb%d is in use (mounted or open): stopping it once released (SIGINT or a second SIGTERM stops it now)",
		 dev->dev_id, dev->dev_id);
	for (;;) {
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = dev->done_efd;
		pfd[1].events = POLLIN;
		r = poll(pfd, 2, SAFE_STOP_RETRY_MS);
		if (r < 0 && errno != EINTR)
			return 0;
		if (r > 0 && pfd[1].revents)
			return -1;
		if (r > 0 && pfd[0].revents) {
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGHUP)
				return 0;
			continue;
		}
		if (ctrl_try_stop_dev(&dev->ctrl, dev->dev_id) != -EBUSY)
			return 1;
	}
}

/* Serve until a signal stops us or someone else stops the device. */
static int serve_until_stopped(struct device *dev, int sfd)
{
	int ret = serve_loop(sfd, &add_serve_ops, dev);

	if (ret == SIGTERM && sigterm_safe_stop(dev, sfd) < 0) {
		one_device_gone(dev, 0);
		ret = 0;
	}
	if (ret) {
		if (ret > 0)
			log_info("dev %d: signal %d, stopping", dev->dev_id, ret);
		device_stop(dev);
		device_wait(dev);
		device_destroy(dev, 1);
	}
	close(sfd);
	return 0;
}

static int serve_device(struct cli_args *args, int recover, int detached)
{
	struct device *dev;
	int sfd;

	if (device_configure(&dev, &args->dev))
		return 1;
	if (device_open_target(dev))
		goto err;
	sfd = serve_signals();
	if (sfd < 0) {
		log_error("signalfd: %s", strerror(-sfd));
		goto err;
	}
	if (device_start(dev, recover ? args->dev.dev_id : DEVICE_ADD)) {
		close(sfd);
		goto err;
	}

	if (detached) {
		fprintf(stderr, READY_MARKER "%d\n", dev->dev_id);
		fflush(stderr);
		log_use_syslog(1);
		detach_stdio();
		if (chdir("/"))
			log_warn("chdir /: %s", strerror(errno));
	} else {
		device_print_info(&dev->ctrl, dev->dev_id, stdout);
	}
	return serve_until_stopped(dev, sfd);
err:
	device_destroy(dev, 0);
	return 1;
}

/* The foreground side: relay the daemon's messages until it is ready or dead. */
static int wait_for_daemon(int fd, int *dev_id)
{
	FILE *in = fdopen(fd, "r");
	char line[1024];

	*dev_id = -1;
	if (!in)
		return -1;
	while (fgets(line, sizeof(line), in)) {
		if (!strncmp(line, READY_MARKER, strlen(READY_MARKER))) {
			*dev_id = atoi(line + strlen(READY_MARKER));
			continue;
		}
		fputs(line, stderr);
	}
	fclose(in);
	return *dev_id >= 0 ? 0 : -1;
}

int cmd_add(struct cli_args *args, int recover)
{
	struct ctrl ctrl;
	int pipefd[2], dev_id, ret;
	pid_t pid;

	if (recover && args->dev.dev_id < 0) {
		log_error("recover needs the device id: -n ID");
		return 1;
	}
	if (args->foreground)
		return serve_device(args, recover, 0);

	if (pipe2(pipefd, O_CLOEXEC)) {
		log_error("pipe: %s", strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		setsid();
		pid = fork();
		if (pid)
			_exit(pid < 0 ? 1 : 0);
		/* The daemon: its stderr is the pipe until the device is LIVE. */
		umask(077);
		detach_stdio();
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[1]);
		exit(serve_device(args, recover, 1));
	}
	close(pipefd[1]);
	waitpid(pid, NULL, 0);
	if (wait_for_daemon(pipefd[0], &dev_id))
		return 1;

	ret = ctrl_open(&ctrl);
	if (ret < 0) {
		log_error("cannot open %s: %s", UBLK_CONTROL_PATH, strerror(-ret));
		return 1;
	}
	ret = device_print_info(&ctrl, dev_id, stdout);
	ctrl_close(&ctrl);
	return ret < 0 ? 1 : 0;
}
