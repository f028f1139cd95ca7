// An owning MYSQL handle that never speaks on a socket inherited through fork(): in a child
// process the socket is the parent's too, and COM_QUIT would end the parent's session
// (base/process_fork.hpp).
#pragma once

#include <mysql.h>

#include <cstdint>
#include <memory>

#include "base/process_fork.hpp"

namespace awrap::internal::mysql {

struct MysqlHandleCloser {
  MysqlHandleCloser() noexcept : fork_generation_at_connect(fork_generation()) {}
  // True in a fork() child of the process that made the handle.
  bool inherited() const noexcept { return fork_generation() != fork_generation_at_connect; }
  void operator()(MYSQL* handle) const noexcept {
    if (inherited()) detach_inherited_socket(static_cast<int>(mysql_get_socket(handle)));
    mysql_close(handle);
  }
  std::uint64_t fork_generation_at_connect;
};

using MysqlHandle = std::unique_ptr<MYSQL, MysqlHandleCloser>;

}  // namespace awrap::internal::mysql
