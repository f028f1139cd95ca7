// fork() awareness. A child process inherits copies of awrap's sockets but none of its threads:
// a session opened by the parent must not be used, or even closed with a goodbye message, by the
// child (that would end the parent's session), and process-wide services must start their
// threads again in the child. See docs/architecture.md ("fork()").
#pragma once

#include <cstdint>

namespace awrap {

// Changes in the child of every fork() (a pthread_atfork child handler) and never otherwise:
// an object that records it when made can tell whether it belongs to this process. Lock-free.
std::uint64_t fork_generation() noexcept;

// Makes `fd`, a socket this process inherited, refer to a fresh unconnected socket instead, so a
// driver's close sends nothing and the parent's connection is untouched (shutdown() would end
// it for both processes). The descriptor number stays valid until the driver closes it.
void detach_inherited_socket(int fd) noexcept;

}  // namespace awrap
