#include "plugin/srw/role_verifier.hpp"

#include <algorithm>
#include <thread>

#include "awrap/errors.hpp"

namespace awrap::internal::plugin::srw {

VerifiedConnection connect_with_role(HostRole wanted, std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds interval,
                                     const RoleVerifySteps& steps) {
  VerifiedConnection out;
  const Clock::time_point deadline = steps.now() + timeout;
  while (true) {
    ++out.attempts;
    std::unique_ptr<TargetConnection> candidate;
    try {
      candidate = steps.connect(deadline);
      const bool writer = steps.is_writer(*candidate, deadline);
      if (writer == (wanted == HostRole::kWriter)) {
        out.connection = std::move(candidate);
        return out;
      }
      out.last_problem = candidate->host().endpoint() + " is " +
                         (writer ? "the writer, not a reader" : "a reader, not the writer");
      out.wrong_role = out.last_problem;
      ++out.wrong_role_attempts;
    } catch (const AuthError&) {
      if (candidate) candidate->close();
      throw;
    } catch (const ConfigError&) {
      if (candidate) candidate->close();
      throw;
    } catch (const Error& e) {
      out.last_problem = e.what();
    }
    if (candidate) candidate->close();
    const Clock::time_point now = steps.now();
    if (now >= deadline) return out;
    const Clock::time_point resume = std::min(deadline, now + interval);
    if (steps.sleep_until)
      steps.sleep_until(resume);
    else
      std::this_thread::sleep_until(resume);
    if (steps.now() >= deadline) return out;
  }
}

}  // namespace awrap::internal::plugin::srw
