#include "core/sql_session_state.hpp"

#include <algorithm>

namespace awrap::internal {
namespace {

// Whether a ','-joined key names `name`.
bool key_names(std::string_view key, std::string_view name) {
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = key.find(',', start);
    if (end == std::string_view::npos) end = key.size();
    if (key.substr(start, end - start) == name) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

void SqlSessionState::apply(const SessionEffect& effect) {
  using Kind = SessionEffect::Kind;
  switch (effect.kind) {
    case Kind::kSet:
      std::erase_if(settings_, [&](const Setting& s) { return s.key == effect.key; });
      settings_.push_back({effect.key, effect.statement});
      break;
    case Kind::kReset:
      std::erase_if(settings_, [&](const Setting& s) { return s.key == effect.key; });
      std::erase_if(untracked_, [&](const auto& u) { return u.first == effect.key; });
      // A SET of several settings that includes this one still sets it: reset it after.
      if (std::any_of(settings_.begin(), settings_.end(),
                      [&](const Setting& s) { return key_names(s.key, effect.key); }))
        settings_.push_back({effect.key, "RESET " + effect.key});
      break;
    case Kind::kResetAll:
      settings_.clear();
      break;
    case Kind::kDiscardAll:
      settings_.clear();
      untracked_.clear();
      break;
    case Kind::kUntracked:
      if (std::none_of(untracked_.begin(), untracked_.end(),
                       [&](const auto& u) { return u.first == effect.key; }))
        untracked_.emplace_back(effect.key, effect.label);
      break;
  }
}

std::vector<std::string> SqlSessionState::untracked() const {
  std::vector<std::string> out;
  for (const auto& [key, label] : untracked_) out.push_back(label);
  return out;
}

void SqlSessionState::keep_after_replay(const std::vector<bool>& replayed) {
  std::vector<Setting> kept;
  for (std::size_t i = 0; i < settings_.size(); ++i)
    if (i < replayed.size() && replayed[i]) kept.push_back(std::move(settings_[i]));
  settings_ = std::move(kept);
  untracked_.clear();
}

}  // namespace awrap::internal
