// awrap::Pool acquire + release, against a plain mutex + deque pool written here as the baseline,
// in one run side by side, uncontended and at 2/8/32 threads. The pooled connections are real
// awrap Connections over an in-process fake driver (no server, no plugins): the figures are the
// pool's own cost, not the network's. Both pools hold 32 connections, so no thread waits for a
// connection: contended runs measure the pools' locks and bookkeeping.
//
//   BM_PoolPair/baseline_mutex_deque   lock, pop_back, unlock; lock, push_back, notify, unlock
//   BM_PoolPair/awrap_pool             Pool::acquire + Lease destructor (checks, reset, counters)
//
// Run: build/release/bench/pool_bench --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true
// Time is wall time per pair per thread; pairs/s (items_per_second) is over all threads.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "awrap/awrap.hpp"
#include "core/connection_impl.hpp"
#include "support/fake_driver.hpp"

namespace {

constexpr std::size_t kConnections = 32;

awrap::Connection open_fake() {
  static auto driver = std::make_shared<awrap::internal::testing::FakeDriver>();
  return awrap::internal::ConnectionAccess::open("host=fake user=app password=pw",
                                                 {{"wrapper_plugins", ""}}, driver);
}

// The baseline: what a hand-written pool does at the least.
class MutexDequePool {
 public:
  explicit MutexDequePool(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      idle_.push_back(std::make_unique<awrap::Connection>(open_fake()));
  }
  std::unique_ptr<awrap::Connection> acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty(); });
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  void release(std::unique_ptr<awrap::Connection> c) {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(c));
    }
    available_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable available_;
  std::deque<std::unique_ptr<awrap::Connection>> idle_;
};

MutexDequePool& baseline() {
  static MutexDequePool pool(kConnections);
  return pool;
}

awrap::Pool& awrap_pool() {
  static awrap::Pool pool = [] {
    awrap::PoolOptions options;
    options.max_size = kConnections;
    options.min_idle = kConnections;
    options.idle_timeout = std::chrono::milliseconds(0);
    options.max_lifetime = std::chrono::milliseconds(0);
    options.validation_idle_threshold = std::chrono::hours(1);
    return awrap::Pool(open_fake, options);
  }();
  return pool;
}

void BM_PoolPair_baseline(benchmark::State& state) {
  auto& pool = baseline();
  for (auto _ : state) {
    auto c = pool.acquire();
    benchmark::DoNotOptimize(c.get());
    pool.release(std::move(c));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_PoolPair_awrap(benchmark::State& state) {
  auto& pool = awrap_pool();
  for (auto _ : state) {
    auto lease = pool.acquire();
    benchmark::DoNotOptimize(&*lease);
  }
  state.SetItemsProcessed(state.iterations());
}

void threads(benchmark::internal::Benchmark* b) {
  for (int t : {1, 2, 8, 32}) b->Threads(t);
  b->UseRealTime();
}

BENCHMARK(BM_PoolPair_baseline)->Name("BM_PoolPair/baseline_mutex_deque")->Apply(threads);
BENCHMARK(BM_PoolPair_awrap)->Name("BM_PoolPair/awrap_pool")->Apply(threads);

}  // namespace

BENCHMARK_MAIN();
