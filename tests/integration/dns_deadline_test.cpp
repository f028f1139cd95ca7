// connect_timeout bounds name resolution too (issue 12, item 13): libpq and Connector/C resolve a
// host name synchronously with the resolver's own timeouts, so a DNS server that does not answer
// used to stretch every connect (and every failover) by seconds. Real resolver, real silence: a
// child process gets a mount namespace of its own in which /etc/resolv.conf names a UDP socket
// on 127.0.0.253:53 that the child opens and never answers from.
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
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string>
#include <thread>

#include "awrap/awrap.hpp"

namespace awrap {
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

class SlowDns : public ::testing::TestWithParam<const DnsEngine*> {};

TEST_P(SlowDns, ConnectTimeoutBoundsNameResolution) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!silence_the_resolver()) std::_Exit(kNoNamespace);
    const auto started = Clock::now();
    int outcome = kWrongOutcome;
    try {
      Connection::open(GetParam()->url, {{"connect_timeout", "1"}, {"wrapper_plugins", ""}});
    } catch (const AuthError&) {
    } catch (const ConnectError& e) {
      const double took = std::chrono::duration<double>(Clock::now() - started).count();
      std::printf("[ dns ] %s: ConnectError after %.2f s: %s\n", GetParam()->name, took, e.what());
      outcome = took < 2.0 ? kBounded : kTookTooLong;
    } catch (const std::exception& e) {
      std::printf("[ dns ] %s: %s\n", GetParam()->name, e.what());
    }
    std::fflush(nullptr);
    std::_Exit(outcome);
  }
  int status = 0;
  const auto deadline = Clock::now() + 60s;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL() << "the child did not finish within 60 s";
    }
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(WIFEXITED(status));
  switch (WEXITSTATUS(status)) {
    case kBounded:
      break;
    case kTookTooLong:
      FAIL() << "the connect outlived connect_timeout (1 s) while the name was being resolved";
    case kNoNamespace:
      FAIL() << "could not make a mount namespace with a silent resolver (needs root)";
    default:
      FAIL() << "the connect did not end in ConnectError";
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, SlowDns, ::testing::Values(&kPostgres, &kMariaDb),
                         [](const auto& engine) { return std::string(engine.param->name); });

}  // namespace
}  // namespace awrap
