#include "awrap/connection.hpp"

#include "base/logging.hpp"
#include "core/connection_impl.hpp"

namespace awrap {

// The public API implemented with awrap's internals.
using namespace internal;

Connection ConnectionAccess::open(std::string_view conninfo, const PropertyMap& properties,
                                  std::shared_ptr<TargetDriver> driver, ConnectionEvents events) {
  auto impl = std::make_unique<internal::ConnectionImpl>(parse_conninfo(conninfo), properties,
                                                         std::move(driver), std::move(events));
  impl->open();
  return Connection(std::move(impl));
}

Connection Connection::open(std::string_view conninfo, const PropertyMap& properties) {
  return open(conninfo, properties, ConnectionEvents{});
}

Connection Connection::open(std::string_view conninfo, const PropertyMap& properties,
                            ConnectionEvents events) {
  ConnInfo info = parse_conninfo(conninfo);
  // Validate every property before anything else, so a bad value is reported as such even when
  // the engine's driver is missing.
  PropertyMap merged = info.options;
  for (const auto& [k, v] : properties) merged[k] = v;
  (void)Properties::parse(merged);
  auto driver = make_builtin_driver(info.engine);
  auto impl = std::make_unique<internal::ConnectionImpl>(std::move(info), properties,
                                                         std::move(driver), std::move(events));
  impl->open();
  return Connection(std::move(impl));
}

Connection::Connection(std::unique_ptr<internal::ConnectionImpl> impl) : impl_(std::move(impl)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

internal::ConnectionImpl& Connection::impl() const {
  if (!impl_) throw ConnectionClosedError("use of a moved-from Connection", "08003");
  if (impl_->inherited_from_parent()) {
    throw ConnectionClosedError(
        "this Connection was opened by the parent process before fork(): its sessions belong to "
        "the parent, so a child process must open its own Connections (closing this one sends "
        "nothing to the server)",
        "08003");
  }
  return *impl_;
}

Result Connection::execute(std::string_view sql) {
  return execute(sql, std::span<const Param>());
}

Result Connection::execute(std::string_view sql, std::span<const Param> params) {
  Call call{Method::kExecute, sql, {}, params, false, IsolationLevel::kDefault};
  return Result(impl().run(call));
}

PreparedStatement Connection::prepare(std::string_view sql) {
  std::string name = impl().prepare(sql);
  return PreparedStatement(std::string(sql), std::move(name));
}

Result Connection::execute(const PreparedStatement& statement, std::span<const Param> params) {
  return Result(impl().execute_prepared(statement, params));
}

void Connection::deallocate(const PreparedStatement& statement) {
  impl().deallocate(statement);
}

namespace {
Call simple_call(Method method, bool flag = false,
                 IsolationLevel level = IsolationLevel::kDefault) {
  return Call{method, {}, {}, {}, flag, level};
}
}  // namespace

void Connection::begin() {
  Call call = simple_call(Method::kBegin);
  impl().run(call);
}
void Connection::commit() {
  Call call = simple_call(Method::kCommit);
  impl().run(call);
}
void Connection::rollback() {
  Call call = simple_call(Method::kRollback);
  impl().run(call);
}
void Connection::set_autocommit(bool on) {
  Call call = simple_call(Method::kSetAutocommit, on);
  impl().run(call);
}
bool Connection::autocommit() const {
  return impl().autocommit();
}
void Connection::set_read_only(bool on) {
  Call call = simple_call(Method::kSetReadOnly, on);
  impl().run(call);
}
bool Connection::read_only() const {
  return impl().read_only();
}
void Connection::set_isolation_level(IsolationLevel level) {
  Call call = simple_call(Method::kSetIsolationLevel, false, level);
  impl().run(call);
}
IsolationLevel Connection::isolation_level() const {
  return impl().isolation_level();
}
TransactionStatus Connection::transaction_status() const {
  return impl().transaction_status();
}

void Connection::cancel() {
  // In a fork() child a cancel request would stop the parent's statement.
  if (impl_ && !impl_->inherited_from_parent()) impl_->cancel();
}

void Connection::close() noexcept {
  if (impl_) impl_->close();
}

bool Connection::is_closed() const noexcept {
  return !impl_ || impl_->is_closed() || impl_->inherited_from_parent();
}

HostInfo Connection::current_host() const {
  return impl().current_host();
}

std::string_view Connection::engine() const {
  return impl().driver().engine();
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  connection_.begin();
}

Transaction::~Transaction() {
  // Closed (after FailoverFailedError, or by the application): the server ended the transaction
  // with the session, and a rollback would only raise ConnectionClosedError.
  if (done_ || connection_.is_closed()) return;
  try {
    connection_.rollback();
  } catch (const std::exception& e) {
    // The connection may be gone (then the server rolled the transaction back itself).
    AWRAP_LOG(kDebug) << "rollback in ~Transaction failed: " << e.what();
  }
}

void Transaction::commit() {
  done_ = true;
  connection_.commit();
}

void Transaction::rollback() {
  done_ = true;
  connection_.rollback();
}

}  // namespace awrap
