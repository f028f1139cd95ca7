// ChaosReport's table and JSON.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "support/chaos.hpp"

namespace awrap::internal::testing {
namespace {

const std::vector<std::string>& outcome_columns() {
  static const std::vector<std::string> columns{
      "ok", "FailoverSuccessError", "TransactionResolutionUnknownError", "FailoverFailedError"};
  return columns;
}

int other_outcomes(const std::map<std::string, int>& outcomes) {
  int other = 0;
  for (const auto& [name, count] : outcomes) {
    if (std::find(outcome_columns().begin(), outcome_columns().end(), name) ==
        outcome_columns().end()) {
      other += count;
    }
  }
  return other;
}

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

}  // namespace

std::string ChaosReport::table() const {
  struct Row {
    int count = 0;
    std::map<std::string, int> outcomes;
    double max_call_ms = 0;
    std::vector<double> first_good_write_ms;
  };
  std::map<std::string, Row> rows;
  for (const auto& fault : faults) {
    Row& row = rows[fault.kind];
    ++row.count;
    for (const auto& [name, count] : fault.outcomes) row.outcomes[name] += count;
    row.max_call_ms = std::max(row.max_call_ms, fault.max_call_ms);
    if (fault.first_good_write_ms) row.first_good_write_ms.push_back(*fault.first_good_write_ms);
  }
  std::ostringstream text;
  text << "engine " << options.engine << ", seed " << options.seed << ", " << faults.size()
       << " faults, " << calls << " calls, call bound " << format("%.0f", call_bound_ms) << " ms\n";
  text << "| fault | count | ok | FailoverSuccess | TransactionResolutionUnknown | FailoverFailed "
          "| other | max call ms | first good write ms (median / max) |\n";
  text << "|---|---|---|---|---|---|---|---|---|\n";
  for (auto& [kind, row] : rows) {
    std::sort(row.first_good_write_ms.begin(), row.first_good_write_ms.end());
    std::string first = "-";
    if (!row.first_good_write_ms.empty()) {
      first = format("%.0f", row.first_good_write_ms[row.first_good_write_ms.size() / 2]) + " / " +
              format("%.0f", row.first_good_write_ms.back());
    }
    text << "| " << kind << " | " << row.count;
    for (const auto& column : outcome_columns()) text << " | " << row.outcomes[column];
    text << " | " << other_outcomes(row.outcomes) << " | " << format("%.0f", row.max_call_ms)
         << " | " << first << " |\n";
  }
  text << "audit: " << audit.describe(0) << "; threads " << threads_before << " -> "
       << threads_after << "; " << violations.size() << " violations; "
       << format("%.0f", duration_s) << " s\n";
  return text.str();
}

std::string ChaosReport::describe_violations(std::size_t max) const {
  std::ostringstream text;
  for (std::size_t i = 0; i < violations.size() && i < max; ++i) {
    text << "  " << violations[i] << "\n";
  }
  if (violations.size() > max) text << "  ... " << violations.size() - max << " more\n";
  return text.str();
}

nlohmann::json ChaosReport::to_json() const {
  nlohmann::json json;
  json["engine"] = options.engine;
  json["seed"] = options.seed;
  json["kinds"] = options.kinds;
  json["failover_timeout_sec"] = options.failover_timeout_sec;
  json["call_bound_ms"] = call_bound_ms;
  json["calls"] = calls;
  json["max_call_ms"] = max_call_ms;
  json["outcomes"] = outcomes;
  json["duration_s"] = duration_s;
  json["threads_before"] = threads_before;
  json["threads_after"] = threads_after;
  json["audit"] = {{"acknowledged", audit.acknowledged}, {"not_applied", audit.not_applied},
                   {"unknown", audit.unknown},           {"unknown_present", audit.unknown_present},
                   {"transactions", audit.transactions}, {"findings", audit.findings.size()}};
  json["violations"] = violations;
  json["ok"] = ok();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& fault : faults) {
    nlohmann::json entry{{"index", fault.index},       {"kind", fault.kind},
                         {"node", fault.node},         {"detail", fault.detail},
                         {"outcomes", fault.outcomes}, {"max_call_ms", fault.max_call_ms}};
    entry["first_good_write_ms"] =
        fault.first_good_write_ms ? nlohmann::json(*fault.first_good_write_ms) : nlohmann::json();
    list.push_back(std::move(entry));
  }
  json["faults"] = std::move(list);
  return json;
}

}  // namespace awrap::internal::testing
