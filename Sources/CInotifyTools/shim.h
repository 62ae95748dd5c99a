#ifndef RI_INOTIFYTOOLS_SHIM_H
#define RI_INOTIFYTOOLS_SHIM_H

#include <sys/inotify.h>
#include <sys/vfs.h>
#include <inotifytools/inotifytools.h>
#include <inotifytools/inotify.h>

// Macros Swift does not import as constants of the right type.
static inline unsigned int ri_in_close_write(void) { return IN_CLOSE_WRITE; }
static inline unsigned int ri_in_modify(void) { return IN_MODIFY; }
static inline unsigned int ri_in_moved_to(void) { return IN_MOVED_TO; }
static inline unsigned int ri_in_moved_from(void) { return IN_MOVED_FROM; }
static inline unsigned int ri_in_create(void) { return IN_CREATE; }
static inline unsigned int ri_in_delete(void) { return IN_DELETE; }
static inline unsigned int ri_in_delete_self(void) { return IN_DELETE_SELF; }
static inline unsigned int ri_in_move_self(void) { return IN_MOVE_SELF; }
static inline unsigned int ri_in_isdir(void) { return IN_ISDIR; }
static inline unsigned int ri_in_q_overflow(void) { return IN_Q_OVERFLOW; }
static inline unsigned int ri_in_ignored(void) { return IN_IGNORED; }

// The filesystem type of `path` (statfs f_type), so the watcher can tell network mounts from local disks.
// Returns 0 and sets *magic, or -1 with errno set.
static inline int ri_fs_magic(const char *path, unsigned long *magic) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    *magic = (unsigned long)info.f_type;
    return 0;
}

#endif
