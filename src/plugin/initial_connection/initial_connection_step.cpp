#include "plugin/initial_connection/initial_connection_step.hpp"

#include <utility>

#include "plugin/reader_choice.hpp"

namespace awrap::internal {

namespace {

InitialConnectionStep step_of(InitialConnectionStep::Action action, HostInfo move_to = {},
                              InitialConnectionSituation::TimePoint retry_at = {}) {
  InitialConnectionStep step;
  step.action = action;
  step.move_to = std::move(move_to);
  step.retry_at = retry_at;
  return step;
}

}  // namespace

InitialConnectionStep next_initial_connection_step(const InitialConnectionSituation& situation,
                                                   HostSelector& reader_selector) {
  using Action = InitialConnectionStep::Action;
  const bool want_writer = situation.wanted == EndpointRole::kWriter;
  if (situation.reached_writer == want_writer) return step_of(Action::kAccept);
  const Topology* topology = situation.topology;
  // No readers at all: the writer serves reads, as Aurora's reader endpoint does.
  if (!want_writer && topology && topology->readers().empty()) return step_of(Action::kKeepWriter);
  if (topology && !situation.move_failed) {
    std::optional<HostInfo> target;
    if (want_writer) {
      target = topology->writer();
    } else {
      // The hosts carry their availability already (the situation's contract).
      auto readers =
          readers_with_availability(*topology, [](const HostInfo& h) { return h.availability; });
      target = choose_reader(std::move(readers), reader_selector);
    }
    if (target && !target->same_endpoint(situation.reached)) return step_of(Action::kMove, *target);
  }
  if (situation.now + situation.retry_interval > situation.deadline)
    return step_of(want_writer ? Action::kGiveUp : Action::kKeepWriter);
  return step_of(Action::kRetry, {}, situation.now + situation.retry_interval);
}

const char* to_string(InitialConnectionStep::Action action) noexcept {
  switch (action) {
    case InitialConnectionStep::Action::kAccept:
      return "accept";
    case InitialConnectionStep::Action::kKeepWriter:
      return "keep_writer";
    case InitialConnectionStep::Action::kMove:
      return "move";
    case InitialConnectionStep::Action::kRetry:
      return "retry";
    case InitialConnectionStep::Action::kGiveUp:
      return "give_up";
  }
  return "?";
}

}  // namespace awrap::internal
