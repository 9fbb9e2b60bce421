// Linux calls Swift cannot reach directly: variadic ioctl() and syscall(), and headers the
// Glibc module does not export (signalfd, fs ioctls). Each wrapper is one call, nothing more.
#ifndef FLEET_CLINUXSUPPORT_H
#define FLEET_CLINUXSUPPORT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <spawn.h>

#include <errno.h>
#include <linux/fs.h>
#include <malloc.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

/// pipe2(O_CLOEXEC): both ends closed on exec, so children inherit only what they are given.
static inline int fleet_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

/// posix_spawn flag for a child in its own session (glibc 2.26+).
static inline short fleet_posix_spawn_setsid(void) { return POSIX_SPAWN_SETSID; }

/// The process environment (the `environ` global is ambiguous between Glibc and this module).
static inline char **fleet_environ(void) { extern char **environ; return environ; }

static inline int fleet_signalfd(const sigset_t *mask) {
    return signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

/// Size of one record read from a signalfd.
static inline int fleet_signalfd_record_size(void) { return (int)sizeof(struct signalfd_siginfo); }

/// Large buffers (file reads, exec output: megabytes each) go straight to mmap and back to the
/// kernel when freed. glibc otherwise raises its mmap threshold after the first such free and
/// keeps later ones in the heap, so the agent's RSS would stay at its high-water mark.
static inline void fleet_tune_malloc(void) {
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_TRIM_THRESHOLD, 512 * 1024);
}

static inline int fleet_ioctl_freeze(int fd) { return ioctl(fd, FIFREEZE, 0); }

static inline int fleet_ioctl_thaw(int fd) { return ioctl(fd, FITHAW, 0); }

/// FITRIM over the whole filesystem; on success *trimmed holds the bytes discarded.
static inline int fleet_ioctl_fitrim(int fd, uint64_t minimum, uint64_t *trimmed) {
    struct fstrim_range range = { .start = 0, .len = (uint64_t)-1, .minlen = minimum };
    int rc = ioctl(fd, FITRIM, &range);
    if (rc == 0) *trimmed = range.len;
    return rc;
}

/// SIOCGIFHWADDR: the link-layer address of an interface (6 bytes for Ethernet).
static inline int fleet_get_hwaddr(int sock, const char *ifname, unsigned char out[6]) {
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, ifname, IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFHWADDR, &request) < 0) return -1;
    memcpy(out, request.ifr_hwaddr.sa_data, 6);
    return 0;
}

/// A new pseudo terminal: returns the master descriptor and writes the slave's path to `name`
/// (used by tests that run the agent on a serial line).
static inline int fleet_open_pty(char *name, size_t size) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) return -1;
    if (grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, name, size) != 0) {
        close(master);
        return -1;
    }
    return master;
}

#endif
