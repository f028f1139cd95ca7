// connect_timeout bounds name resolution too (issue 12, item 13): libpq and Connector/C resolve a
// host name synchronously with the resolver's own timeouts, so a DNS server that does not answer
// used to stretch every connect (and every failover) by seconds. Real resolver, real silence: a
// child process gets a mount namespace of its own in which /etc/resolv.conf names a UDP socket
// on 127.0.0.253:53 that the child opens and never answers from, or answers only once (a name
// with two addresses: nothing listens on the first, the lab_single server on the second).
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct DnsEngine {
  const char* name;
  const char* url;  // names a host only the silent DNS server could answer for
};

const DnsEngine kPostgres{
    "pg", "host=db.awrap-silent-dns.test port=5432 user=awrap password=x dbname=awrap"};
const DnsEngine kMariaDb{"mariadb", "mysql://awrap:x@db.awrap-silent-dns.test:3306/awrap"};

void PrintTo(const DnsEngine* engine, std::ostream* out) {
  *out << engine->name;
}

// Names db.awrap-two.test: 127.0.0.252 (nothing listens there) and the lab_single server.
struct TwoAddressEngine : DnsEngine {
  const char* by_address;    // the same server, by its address
  const char* sessions_sql;  // how many sessions the lab user has on it
};
const TwoAddressEngine kPostgresTwo{
    {"pg", "host=db.awrap-two.test port=5432 user=awrap password=awrap-lab-password dbname=awrap"},
    "host=127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap",
    "SELECT count(*) FROM pg_stat_activity WHERE usename = 'awrap'"};
const TwoAddressEngine kMariaDbTwo{
    {"mariadb", "mysql://awrap:awrap-lab-password@db.awrap-two.test:3306/awrap"},
    "mysql://awrap:awrap-lab-password@127.0.0.41:3306/awrap",
    "SELECT count(*) FROM information_schema.processlist WHERE user = 'awrap'"};

void PrintTo(const TwoAddressEngine* engine, std::ostream* out) {
  *out << engine->name;
}

// The child's exit codes.
enum : int { kBounded = 0, kTookTooLong = 1, kWrongOutcome = 2, kNoNamespace = 3 };

// In the child: a resolver that asks a server which never answers, within 3 s per try.
bool silence_the_resolver() {
  if (::unshare(CLONE_NEWNS) != 0) return false;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
  const std::string conf = "/tmp/awrap-silent-dns-" + std::to_string(::getpid()) + ".conf";
  std::ofstream(conf) << "nameserver 127.0.0.253\noptions timeout:3 attempts:1\n";
  if (::mount(conf.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) return false;
  ::unlink(conf.c_str());  // the bind mount keeps it for this namespace
  const int silent = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(53);
  ::inet_pton(AF_INET, "127.0.0.253", &address.sin_addr);
  return silent >= 0 && ::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

// The answer to one DNS query (`query`, `length` bytes): its question, and for an A query the
// two addresses of the name; empty when the query cannot be read.
std::vector<unsigned char> answer_once(const unsigned char* query, std::size_t length,
                                       const unsigned char (&pg)[4],
                                       const unsigned char (&maria)[4]) {
  if (length < 12) return {};
  std::size_t at = 12;
  while (at < length && query[at] != 0) at += query[at] + 1u;  // the name's labels
  if (at + 5 > length) return {};
  const bool a_query = query[at + 1] == 0 && query[at + 2] == 1;
  // One name, so the test tells the engines apart by port only: both records are sent, the
  // server on the engine's port answers. Nothing listens on 127.0.0.252.
  std::vector<unsigned char> reply(query, query + at + 5);
  reply[2] = 0x81;             // a response, recursion desired
  reply[3] = 0x80;             // recursion available, no error
  reply[7] = a_query ? 3 : 0;  // answers
  reply[9] = reply[11] = 0;    // no authority or additional records
  const unsigned char none[4] = {127, 0, 0, 252};
  for (const unsigned char* address : {none, pg, maria}) {
    if (!a_query) break;
    const unsigned char record[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4};
    reply.insert(reply.end(), std::begin(record), std::end(record));
    reply.insert(reply.end(), address, address + 4);
  }
  return reply;
}

// In the child: a resolver whose server answers the first query of each type (one lookup asks for
// A and AAAA records) and then never again.
bool answer_the_first_lookup_only() {
  if (!silence_the_resolver()) return false;
  const int server = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(53);
  ::inet_pton(AF_INET, "127.0.0.254", &address.sin_addr);
  if (server < 0 || ::bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return false;
  std::ofstream("/etc/resolv.conf") << "nameserver 127.0.0.254\noptions timeout:3 attempts:1\n";
  std::thread([server] {
    const unsigned char pg[4] = {127, 0, 0, 40}, maria[4] = {127, 0, 0, 41};
    bool answered[2] = {false, false};  // A, any other type
    unsigned char query[512];
    while (true) {
      sockaddr_in from{};
      socklen_t from_length = sizeof from;
      const ssize_t n = ::recvfrom(server, query, sizeof query, 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n <= 0) continue;
      const auto reply = answer_once(query, static_cast<std::size_t>(n), pg, maria);
      if (reply.empty()) continue;
      bool& done = answered[reply[7] == 0 ? 1 : 0];
      if (done) continue;  // silent from now on
      done = true;
      ::sendto(server, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from),
               from_length);
    }
  }).detach();
  return true;
}

// Runs `body` in a child with `set_up` applied; the child's exit code, or a failure.
template <typename SetUp, typename Body>
int run_in_child(SetUp set_up, Body body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (!set_up()) std::_Exit(kNoNamespace);
    const int outcome = body();
    std::fflush(nullptr);
    std::_Exit(outcome);
  }
  int status = 0;
  const auto deadline = Clock::now() + 60s;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(10ms);  // polls the child; its time is what is measured
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class SlowDns : public ::testing::TestWithParam<const DnsEngine*> {};

TEST_P(SlowDns, ConnectTimeoutBoundsNameResolution) {
  const int outcome = run_in_child(silence_the_resolver, [this]() -> int {
    const auto started = Clock::now();
    try {
      Connection::open(GetParam()->url, {{"connect_timeout", "1"}, {"wrapper_plugins", ""}});
    } catch (const AuthError&) {
    } catch (const ConnectError& e) {
      const double took = std::chrono::duration<double>(Clock::now() - started).count();
      std::printf("[ dns ] %s: ConnectError after %.2f s: %s\n", GetParam()->name, took, e.what());
      return took < 2.0 ? kBounded : kTookTooLong;
    } catch (const std::exception& e) {
      std::printf("[ dns ] %s: %s\n", GetParam()->name, e.what());
    }
    return kWrongOutcome;
  });
  switch (outcome) {
    case kBounded:
      break;
    case kTookTooLong:
      FAIL() << "the connect outlived connect_timeout (1 s) while the name was being resolved";
    case kNoNamespace:
      FAIL() << "could not make a mount namespace with a silent resolver (needs root)";
    case -1:
      FAIL() << "the child did not finish within 60 s";
    default:
      FAIL() << "the connect did not end in ConnectError";
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, SlowDns, ::testing::Values(&kPostgres, &kMariaDb),
                         [](const auto& engine) { return std::string(engine.param->name); });

// A name with several addresses is resolved once, within the deadline, and its addresses are
// tried in turn: the driver never resolves it again. Before: Connector/C was given the name, asked
// the (by then silent) server again and failed after the resolver's 3 s.
class OnceAnsweringDns : public ::testing::TestWithParam<const TwoAddressEngine*> {};

TEST_P(OnceAnsweringDns, EveryAddressIsTriedWithoutResolvingTwice) {
  const int outcome = run_in_child(answer_the_first_lookup_only, [this]() -> int {
    const auto started = Clock::now();
    try {
      auto c =
          Connection::open(GetParam()->url, {{"connect_timeout", "2"}, {"wrapper_plugins", ""}});
      const bool answered = c.execute("SELECT 1").scalar<std::int64_t>() == 1;
      const double took = std::chrono::duration<double>(Clock::now() - started).count();
      std::printf("[ dns ] %s: connected through a later address after %.2f s\n", GetParam()->name,
                  took);
      return answered && took < 2.0 ? kBounded : kTookTooLong;
    } catch (const std::exception& e) {
      std::printf("[ dns ] %s: %s after %.2f s\n", GetParam()->name, e.what(),
                  std::chrono::duration<double>(Clock::now() - started).count());
      return kWrongOutcome;
    }
  });
  EXPECT_EQ(outcome, kBounded) << "exit codes: 1 too slow, 2 no connection, 3 no namespace";
}

// Host monitoring's probes resolve a name off the loop thread. Connection B reached its server by
// a name whose DNS server then went silent; while B's monitor waits for the name, Connection A's
// monitor (same loop thread, a host given by address) must still open its probe session at once.
// Before: the loop thread sat in the resolver (3 s here) and A's host went unwatched.
TEST_P(OnceAnsweringDns, AHostWhoseNameStopsResolvingHoldsNoOtherHostsProbes) {
  const int outcome = run_in_child(answer_the_first_lookup_only, [this]() -> int {
    const PropertyMap monitored{{"wrapper_plugins", "host_monitoring"},
                                {"failure_detection_time_ms", "0"},
                                {"failure_detection_interval_ms", "500"},
                                {"failure_detection_count", "10"},
                                {"connect_timeout", "2"}};
    try {
      auto observer = Connection::open(GetParam()->by_address, {{"wrapper_plugins", ""}});
      auto b = Connection::open(GetParam()->url, monitored);  // the one lookup DNS answers
      auto a = Connection::open(GetParam()->by_address, monitored);
      const char* sleep =
          GetParam() == &kPostgresTwo ? "SELECT pg_sleep(2.5)" : "SELECT SLEEP(2.5)";
      std::thread b_query([&] {
        try {
          b.execute(sleep);
        } catch (const std::exception&) {  // its host may be judged dead: not what is measured
        }
      });
      std::this_thread::sleep_for(300ms);  // B's monitor is now waiting for its name
      const auto before = observer.execute(GetParam()->sessions_sql).scalar<std::int64_t>();
      const auto started = Clock::now();
      std::thread a_query([&] { a.execute(sleep); });
      bool probed = false;
      while (!probed && Clock::now() - started < 1500ms) {
        probed = observer.execute(GetParam()->sessions_sql).scalar<std::int64_t>() > before;
        std::this_thread::sleep_for(20ms);  // polls the server
      }
      const double took = std::chrono::duration<double>(Clock::now() - started).count();
      a_query.join();
      b_query.join();
      std::printf("[ dns ] %s: A's probe session %s after %.2f s\n", GetParam()->name,
                  probed ? "opened" : "missing", took);
      return probed ? kBounded : kTookTooLong;
    } catch (const std::exception& e) {
      std::printf("[ dns ] %s: %s\n", GetParam()->name, e.what());
      return kWrongOutcome;
    }
  });
  EXPECT_EQ(outcome, kBounded)
      << "exit codes: 1 no probe of A within 1.5 s, 2 error, 3 no namespace";
}

INSTANTIATE_TEST_SUITE_P(Engines, OnceAnsweringDns, ::testing::Values(&kPostgresTwo, &kMariaDbTwo),
                         [](const auto& engine) { return std::string(engine.param->name); });

}  // namespace
}  // namespace awrap::internal
