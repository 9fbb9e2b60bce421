// What fleetd asks the kernel about a unix socket another program listens on: does anyone
// listen there, and how many connections wait in its accept queue (sock_diag, unix_diag). A
// client cannot tell from its own end whether the server accepted it or left it queued: a QEMU
// chardev serving another client leaves every later connect queued, and the queue is how
// fleetd tells "busy" from "no answer".
#define _GNU_SOURCE
#include "CLinuxSupport.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

int fleet_unix_probe(const char *path) {
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof address.sun_path) return ENAMETOOLONG;
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    int result = connect(fd, (struct sockaddr *)&address, sizeof address) == 0 ? 0 : errno;
    close(fd);
    return result;
}

// The kernel reports the file's device in its internal encoding (major << 20 | minor).
static dev_t kernel_dev_to_user(uint32_t dev) { return makedev(dev >> 20, dev & 0xfffff); }

static int send_dump_request(int fd) {
    struct {
        struct nlmsghdr header;
        struct unix_diag_req request;
    } message;
    memset(&message, 0, sizeof message);
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.request.sdiag_family = AF_UNIX;
    message.request.udiag_states = 1 << TCP_LISTEN;
    message.request.udiag_show = UDIAG_SHOW_VFS | UDIAG_SHOW_RQLEN;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    return sendto(fd, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0 ? -1 : 0;
}

// One listener's record: its accept-queue length if its file is (inode, device), else -1.
static long queue_if_match(struct nlmsghdr *header, ino_t inode, dev_t device) {
    struct unix_diag_msg *diag = NLMSG_DATA(header);
    int remaining = header->nlmsg_len - NLMSG_LENGTH(sizeof *diag);
    int matched = 0;
    long queued = -1;
    for (struct rtattr *attribute = (struct rtattr *)(diag + 1); RTA_OK(attribute, remaining);
         attribute = RTA_NEXT(attribute, remaining)) {
        if (attribute->rta_type == UNIX_DIAG_VFS) {
            struct unix_diag_vfs *vfs = RTA_DATA(attribute);
            matched = vfs->udiag_vfs_ino == inode && kernel_dev_to_user(vfs->udiag_vfs_dev) == device;
        } else if (attribute->rta_type == UNIX_DIAG_RQLEN) {
            // For a listener, rqueue counts the connections not yet accepted.
            queued = ((struct unix_diag_rqlen *)RTA_DATA(attribute))->udiag_rqueue;
        }
    }
    return matched ? queued : -1;
}

long fleet_unix_accept_queue(const char *path) {
    struct stat info;
    if (stat(path, &info) != 0) return -1;
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return -1;
    if (send_dump_request(fd) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    long found = -1;
    char buffer[32768];
    for (;;) {
        ssize_t length = recv(fd, buffer, sizeof buffer, 0);
        if (length < 0 && errno == EINTR) continue;
        if (length <= 0) break;
        int done = 0;
        for (struct nlmsghdr *header = (struct nlmsghdr *)buffer; NLMSG_OK(header, (size_t)length);
             header = NLMSG_NEXT(header, length)) {
            if (header->nlmsg_type == NLMSG_DONE || header->nlmsg_type == NLMSG_ERROR) { done = 1; break; }
            if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY || found >= 0) continue;
            found = queue_if_match(header, info.st_ino, info.st_dev);
        }
        if (done) break;
    }
    close(fd);
    if (found < 0) errno = ENOENT;
    return found;
}
