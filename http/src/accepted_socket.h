// Finding the socket cpp-httplib has just accepted. Its listener hands the task queue only a closure
// (the socket is captured inside), so on the listener thread, right after accept(), the queue looks for
// the one socket on the server's port that is neither listening nor already watched. A watched socket
// is known by its inode, not its number: the guard holds a dup of each, so a number closed and reused
// at once by a new connection is a new inode. Everything here is POSIX plus /proc/self/fd.
#pragma once

#include <sys/types.h>

#include <set>

namespace leakscope::http {

// The local port of a bound socket; -1 if it has none.
int local_port(int fd);
// The accepted (non-listening) socket on local `port` whose inode is not in `watched`, with its inode;
// -1 when there is none. Of several (which only a second thread accepting on the port could cause),
// the newest socket, as the kernel numbers their inodes in order.
int find_accepted_socket(int port, const std::set<ino_t>& watched, ino_t& inode);

}  // namespace leakscope::http
