/* SPDX-License-Identifier: MIT */
#ifndef UBLK_SERVER_PROCESS_H
#define UBLK_SERVER_PROCESS_H

#include <sys/types.h>

/*
 * A process that runs and is not on its way out: a daemon that was
 * SIGKILLed is a zombie, exiting (PF_EXITING) or gone, and serves nothing.
 */
int process_is_running(pid_t pid);

#endif
