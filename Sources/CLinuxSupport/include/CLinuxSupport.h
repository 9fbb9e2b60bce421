// Linux calls Swift cannot make directly: variadic ioctl(), functions the Glibc module hides
// behind _GNU_SOURCE (pipe2, signalfd, POSIX_SPAWN_SETSID, ptsname_r) and the `environ` global.
// Only prototypes with plain C types live here, so this header never redefines a system type
// differently from Swift's Glibc module; the implementations are in shim.c.
#ifndef FLEET_CLINUXSUPPORT_H
#define FLEET_CLINUXSUPPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/// pipe2(O_CLOEXEC): both ends closed on exec, so children inherit only what they are given.
int fleet_pipe_cloexec(int fds[2]);

/// posix_spawn flag for a child in its own session (glibc 2.26+).
short fleet_posix_spawn_setsid(void);

/// The process environment (`environ` is ambiguous between Glibc and this module).
char **fleet_environ(void);

/// The process's argc and argv as glibc handed them to the program's constructors. The Swift
/// runtime reads its arguments from /proc/self/cmdline, which is empty where /proc is not
/// mounted (a chroot, early boot): an agent must not silently drop its flags there.
int fleet_process_argc(void);
char **fleet_process_argv(void);

/// A non-blocking, close-on-exec signalfd for the signals in `mask`.
int fleet_signalfd(const sigset_t *mask);

/// Size of one record read from a signalfd.
int fleet_signalfd_record_size(void);

/// Large buffers (file reads, exec output: megabytes each) go straight to mmap and back to the
/// kernel when freed. glibc otherwise raises its mmap threshold after the first such free and
/// keeps later ones in the heap, so the agent's RSS would stay at its high-water mark.
void fleet_tune_malloc(void);

int fleet_ioctl_freeze(int fd);

int fleet_ioctl_thaw(int fd);

/// FITRIM over the whole filesystem; on success *trimmed holds the bytes discarded.
int fleet_ioctl_fitrim(int fd, uint64_t minimum, uint64_t *trimmed);

/// SIOCGIFHWADDR: the link-layer address of an interface (6 bytes for Ethernet).
int fleet_get_hwaddr(int sock, const char *ifname, unsigned char out[6]);

/// A new pseudo terminal: returns the master descriptor and writes the slave's path to `name`
/// (used by tests that run the agent on a serial line).
int fleet_open_pty(char *name, size_t size);

/// An inotify descriptor (blocking, close-on-exec) watching `directory` for entries created,
/// deleted or moved in or out, and for the directory itself going away. Returns the inotify
/// descriptor, or -1 with errno set; `*watch` receives the watch descriptor.
int fleet_inotify_watch_directory(const char *directory, int *watch);

/// Ends a watch; a reader blocked on the descriptor then receives IN_IGNORED and wakes up.
int fleet_inotify_unwatch(int fd, int watch);

/// Bits of inotify_event.mask that fleetd distinguishes.
unsigned int fleet_in_created(void);   /* IN_CREATE | IN_MOVED_TO */
unsigned int fleet_in_deleted(void);   /* IN_DELETE | IN_MOVED_FROM */
unsigned int fleet_in_gone(void);      /* IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_Q_OVERFLOW */
unsigned int fleet_in_ignored(void);   /* IN_IGNORED: the watch has ended */

/// Connects to the unix socket at `path` without blocking and hangs up at once, sending nothing:
/// 0 when something listens there (EAGAIN when its accept queue is full), else the errno.
int fleet_unix_probe(const char *path);

/// How many connections wait, not yet accepted, on the listening unix socket bound at `path`
/// (sock_diag); -1 with errno set when no listener is bound there or the kernel cannot say.
long fleet_unix_accept_queue(const char *path);

#endif
