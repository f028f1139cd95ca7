// What recording SQL session state costs per statement (src/core/session_sql.hpp): the first look
// run on every successful execute, beside copying the statement text once (a yardstick from the
// same run), and the full reading of a SET.
//
//   BM_SessionFirstLook/select_52_chars    may_change_session on a 52-character SELECT
//   BM_SessionFirstLook/insert_1058_chars  the same on a 1058-character INSERT
//   BM_CopyStatement/...                   std::string of the same text (yardstick)
//   BM_SessionEffects/set_search_path      session_effects("SET search_path TO app, public")
//
// Run: build/release/bench/session_sql_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>

#include "core/session_sql.hpp"

namespace {

using awrap::internal::SqlEngine;

const std::string kSelect = "SELECT id, name, balance FROM accounts WHERE id = $1";
const std::string kInsert =
    "INSERT INTO orders(id, customer, note) VALUES ($1, $2, '" + std::string(1000, 'x') + "')";

void BM_SessionFirstLook(benchmark::State& state, const std::string* sql) {
  for (auto _ : state)
    benchmark::DoNotOptimize(awrap::internal::may_change_session(*sql, SqlEngine::kPostgres));
}
BENCHMARK_CAPTURE(BM_SessionFirstLook, select_52_chars, &kSelect);
BENCHMARK_CAPTURE(BM_SessionFirstLook, insert_1058_chars, &kInsert);

void BM_CopyStatement(benchmark::State& state, const std::string* sql) {
  for (auto _ : state) {
    std::string copy = *sql;
    benchmark::DoNotOptimize(copy.data());
  }
}
BENCHMARK_CAPTURE(BM_CopyStatement, select_52_chars, &kSelect);
BENCHMARK_CAPTURE(BM_CopyStatement, insert_1058_chars, &kInsert);

void BM_SessionEffects(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(
        awrap::internal::session_effects("SET search_path TO app, public", SqlEngine::kPostgres));
}
BENCHMARK(BM_SessionEffects)->Name("BM_SessionEffects/set_search_path");

}  // namespace

BENCHMARK_MAIN();
