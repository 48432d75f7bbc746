// Finding the socket cpp-httplib has just accepted. Its listener hands the task queue only a closure
// (the socket is captured inside), so on the listener thread, right after accept(), the queue looks for
// the one socket on the server's port that is neither listening nor already watched. A watched socket
// is known by its inode, not its number: the guard holds a dup of each, so a number closed and reused
// at once by a new connection is a new inode. Everything here is POSIX plus /proc/self/fd.
//
// Cost: the kernel gives a new socket the lowest free number, so a connection mostly takes the number
// one closed before it left, or one near it; the numbers around the previous find are looked at first
// (a few syscalls), and the whole /proc/self/fd (about 1.8 us per descriptor) only when none of them is
// the socket. http/bench/accept_cost_bench.cpp measures both.
#pragma once

#include <sys/types.h>

#include <set>

namespace leakscope::http {

// The local port of a bound socket; -1 if it has none.
int local_port(int fd);
// The accepted (non-listening) socket on local `port` whose inode is not in `watched`, with its inode;
// -1 when there is none. The descriptors within kNearby of `hint` (the number of the previous find;
// -1: none) are tried first, nearest first; else every descriptor is, and of several (which only a
// second thread accepting on the port could cause) the newest socket wins, as the kernel numbers their
// inodes in order.
constexpr int kNearby = 32;
int find_accepted_socket(int port, const std::set<ino_t>& watched, int hint, ino_t& inode);

}  // namespace leakscope::http
