#ifndef CSPAWN_H
#define CSPAWN_H

#include <spawn.h>
#include <sys/types.h>

// glibc calls Swift's Glibc module does not expose (they need _GNU_SOURCE or are macros-in-disguise).

/// prctl(PR_SET_PDEATHSIG, signal): 0 on success.
int cspawn_set_parent_death_signal(int signal);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are reparented to the caller, not to init.
int cspawn_set_child_subreaper(void);

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34): close every descriptor >= from in the child.
int cspawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);

/// posix_spawn_file_actions_addchdir_np (glibc 2.29): the child's working directory.
int cspawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// pipe2(fds, O_CLOEXEC).
int cspawn_pipe_cloexec(int fds[2]);

/// The POSIX_SPAWN_SETSID flag (glibc 2.26).
short cspawn_setsid_flag(void);

#endif
