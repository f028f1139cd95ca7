// Self-tests of the lab's network faults (latency, loss, stall): measured with plain sockets,
// ICMP echo and libpq, not awrap. Each fault must hit its node only and `heal` must undo it.
// Addresses 127.0.0.186-187 (PostgreSQL) and 127.0.0.188-189 (MariaDB).
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/lab_cluster.hpp"

namespace awrap::internal::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using PgConnection = std::unique_ptr<PGconn, decltype(&PQfinish)>;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A socket that closes itself.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

sockaddr_in address_of(const std::string& ip, int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  return address;
}

bool wait_readable(int fd, std::chrono::milliseconds limit) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, static_cast<int>(limit.count())) == 1;
}

// Connects over TCP with a deadline; the open socket, or nullopt.
std::unique_ptr<Socket> tcp_connect(const std::string& ip, int port,
                                    std::chrono::milliseconds limit) {
  auto socket = std::make_unique<Socket>(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  const sockaddr_in address = address_of(ip, port);
  if (::connect(socket->fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    return socket;
  }
  if (errno != EINPROGRESS) return nullptr;
  pollfd entry{socket->fd(), POLLOUT, 0};
  if (::poll(&entry, 1, static_cast<int>(limit.count())) != 1) return nullptr;
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(socket->fd(), SOL_SOCKET, SO_ERROR, &error, &length);
  return error == 0 ? std::move(socket) : nullptr;
}

// The first bytes a server sends after a client says hello: MariaDB greets by itself; a
// PostgreSQL server answers a StartupMessage with an authentication request.
bool server_answers_hello(const std::string& engine, const std::string& ip, int port,
                          std::chrono::milliseconds limit) {
  auto socket = tcp_connect(ip, port, 2s);
  if (!socket) return false;
  if (engine == "pg") {
    std::string body;
    body += std::string("\0\3\0\0", 4);  // protocol 3.0
    body += std::string("user\0awrap\0database\0awrap\0\0", 27);
    const auto length = htonl(static_cast<std::uint32_t>(body.size() + 4));
    std::string message(reinterpret_cast<const char*>(&length), 4);
    message += body;
    if (::send(socket->fd(), message.data(), message.size(), MSG_NOSIGNAL) < 0) return false;
  }
  if (!wait_readable(socket->fd(), limit)) return false;
  std::array<char, 256> buffer{};
  return ::recv(socket->fd(), buffer.data(), buffer.size(), 0) >= 5;
}

std::uint16_t icmp_checksum(const std::uint8_t* data, std::size_t length) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < length; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (length % 2) sum += data[length - 1] << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return htons(static_cast<std::uint16_t>(~sum));
}

// Sends `count` ICMP echo requests to ip (raw socket: the tests run as root) and returns the
// share that came back, 0..1. Requests go out 2 ms apart; replies are collected for 1 s after.
double echo_success_ratio(const std::string& ip, int count) {
  Socket socket(::socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
  if (socket.fd() < 0) throw LabError(std::string("raw ICMP socket: ") + std::strerror(errno));
  const auto identifier = static_cast<std::uint16_t>(::getpid() & 0xFFFF);
  const sockaddr_in destination = address_of(ip, 0);
  std::set<int> answered;
  auto collect = [&](std::chrono::milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (!wait_readable(socket.fd(), std::max(left, 1ms))) continue;
      std::array<std::uint8_t, 1500> packet{};
      sockaddr_in from{};
      socklen_t from_length = sizeof from;
      const ssize_t n = ::recvfrom(socket.fd(), packet.data(), packet.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n < 28 || from.sin_addr.s_addr != destination.sin_addr.s_addr) continue;
      const std::size_t header = (packet[0] & 0x0F) * 4u;
      icmphdr reply{};
      std::memcpy(&reply, packet.data() + header, sizeof reply);
      if (reply.type == ICMP_ECHOREPLY && ntohs(reply.un.echo.id) == identifier) {
        answered.insert(ntohs(reply.un.echo.sequence));
      }
    }
  };
  for (int sequence = 0; sequence < count; ++sequence) {
    std::array<std::uint8_t, sizeof(icmphdr) + 16> request{};
    icmphdr header{};
    header.type = ICMP_ECHO;
    header.un.echo.id = htons(identifier);
    header.un.echo.sequence = htons(static_cast<std::uint16_t>(sequence));
    std::memcpy(request.data(), &header, sizeof header);
    header.checksum = icmp_checksum(request.data(), request.size());
    std::memcpy(request.data(), &header, sizeof header);
    ::sendto(socket.fd(), request.data(), request.size(), 0,
             reinterpret_cast<const sockaddr*>(&destination), sizeof destination);
    collect(2ms);
  }
  collect(1000ms);
  return static_cast<double>(answered.size()) / count;
}

// Median round trip of `SELECT 1` on one libpq connection, in ms.
double median_select_ms(const std::string& conninfo, int samples = 15) {
  PgConnection connection(PQconnectdb((conninfo + " connect_timeout=10").c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    throw LabError("connect failed: " + std::string(PQerrorMessage(connection.get())));
  }
  std::vector<double> times;
  for (int i = 0; i < samples; ++i) {
    const auto started = Clock::now();
    PQclear(PQexec(connection.get(), "SELECT 1"));
    times.push_back(ms_since(started));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

TEST(LabNetworkFaults, LatencyDelaysRoundTripsToThatNodeOnlyUntilHealed) {
  auto cluster = LabCluster::up(
      {.name = "labself-pg-netem", .engine = "pg", .nodes = 2, .base = "127.0.0.186"});
  const std::string slow = cluster.conninfo("instance-2");
  const std::string other = cluster.conninfo("instance-1");
  const double before = median_select_ms(slow);
  const LabStatus status = cluster.add_latency("instance-2", 40, 10, 7);
  EXPECT_EQ(status.node("instance-2").latency_ms, 40.0);
  EXPECT_EQ(status.node("instance-2").state, "running");
  const double during = median_select_ms(slow);
  const double other_during = median_select_ms(other);
  cluster.heal("instance-2");
  const double after = median_select_ms(slow);
  std::cout << "[figure] latency 40+-10 ms: SELECT 1 median " << before << " ms before, " << during
            << " ms during (other node " << other_during << " ms), " << after << " ms after heal\n";
  EXPECT_GE(during, 30.0);
  EXPECT_LE(during, 150.0);  // generous: the machine is shared
  EXPECT_LT(other_during, 20.0);
  EXPECT_LT(after, 20.0);
  EXPECT_FALSE(cluster.status().node("instance-2").latency_ms.has_value());
}

TEST(LabNetworkFaults, LossDropsThatShareOfPacketsToThatNodeOnlyUntilHealed) {
  auto cluster = LabCluster::up(
      {.name = "labself-pg-netem", .engine = "pg", .nodes = 2, .base = "127.0.0.186"});
  const std::string lossy = cluster.node("instance-2").host;
  const std::string other = cluster.node("instance-1").host;
  EXPECT_EQ(echo_success_ratio(lossy, 100), 1.0);
  EXPECT_EQ(cluster.add_loss("instance-2", 25).node("instance-2").loss_percent, 25.0);
  const double during = echo_success_ratio(lossy, 400);
  const double other_during = echo_success_ratio(other, 100);
  // A round trip survives 25 % loss each way with probability 0.75 * 0.75 = 0.5625.
  std::cout << "[figure] loss 25 % each way: " << during * 100 << " % of echoes answered "
            << "(expected 56 %), other node " << other_during * 100 << " %\n";
  EXPECT_GT(during, 0.40);
  EXPECT_LT(during, 0.72);
  EXPECT_EQ(other_during, 1.0);
  cluster.heal("instance-2");
  EXPECT_EQ(echo_success_ratio(lossy, 100), 1.0);
}

TEST(LabNetworkFaults, StalledPgNodeAcceptsConnectsButNeverAnswersUntilHealed) {
  auto cluster = LabCluster::up(
      {.name = "labself-pg-netem", .engine = "pg", .nodes = 2, .base = "127.0.0.186"});
  const LabNode node = cluster.node("instance-2");
  PgConnection open(PQconnectdb((cluster.conninfo("instance-2") + " connect_timeout=5").c_str()),
                    &PQfinish);
  ASSERT_EQ(PQstatus(open.get()), CONNECTION_OK);
  EXPECT_EQ(cluster.fault("instance-2", LabFault::kStall).node("instance-2").state, "stalled");

  // A logged-in connection: the query goes out and no answer ever comes.
  ASSERT_EQ(PQsendQuery(open.get(), "SELECT 1"), 1);
  EXPECT_FALSE(wait_readable(PQsocket(open.get()), 2s));
  // A new connection: TCP connect completes at once, the login gets no answer.
  const auto started = Clock::now();
  EXPECT_NE(tcp_connect(node.host, node.port, 1s), nullptr);
  const double connect_ms = ms_since(started);
  EXPECT_LT(connect_ms, 500.0);
  EXPECT_FALSE(server_answers_hello("pg", node.host, node.port, 2s));
  // The other node is untouched.
  EXPECT_TRUE(server_answers_hello("pg", cluster.node("instance-1").host, node.port, 2s));
  std::cout << "[figure] stall: TCP connect to the stalled node " << connect_ms << " ms\n";

  cluster.heal("instance-2");
  // The query sent during the stall is retransmitted by TCP and answered now.
  EXPECT_TRUE(wait_readable(PQsocket(open.get()), 10s));
  EXPECT_TRUE(server_answers_hello("pg", node.host, node.port, 5s));
}

TEST(LabNetworkFaults, StalledMariaDbNodeAcceptsConnectsButNeverGreetsUntilHealed) {
  auto cluster = LabCluster::up(
      {.name = "labself-my-netem", .engine = "mariadb", .nodes = 2, .base = "127.0.0.188"});
  const LabNode node = cluster.node("instance-2");
  EXPECT_TRUE(server_answers_hello("mariadb", node.host, node.port, 2s));
  cluster.fault("instance-2", LabFault::kStall);
  EXPECT_NE(tcp_connect(node.host, node.port, 1s), nullptr);
  EXPECT_FALSE(server_answers_hello("mariadb", node.host, node.port, 2s));
  EXPECT_TRUE(server_answers_hello("mariadb", cluster.node("instance-1").host, node.port, 2s));
  cluster.heal("instance-2");
  EXPECT_TRUE(server_answers_hello("mariadb", node.host, node.port, 5s));
}

TEST(LabNetworkFaults, DownRemovesEveryNetworkFaultAndTheDelayer) {
  {
    auto cluster = LabCluster::up(
        {.name = "labself-pg-netem", .engine = "pg", .nodes = 2, .base = "127.0.0.186"});
    cluster.add_latency("instance-1", 20);
    cluster.add_loss("instance-2", 10);
    cluster.fault("instance-2", LabFault::kStall);
  }  // ~LabCluster: awlab down
  const LabRun rules = LabCluster::run_awlab({"status", "--name", "labself-pg-netem"}, false);
  EXPECT_NE(rules.exit_code, 0);  // the cluster is gone
  std::array<char, 4096> buffer{};
  std::string listing;
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen("iptables -w -S; ps -eo args", "r"), &pclose);
  ASSERT_NE(pipe, nullptr);
  while (std::fgets(buffer.data(), buffer.size(), pipe.get())) listing += buffer.data();
  EXPECT_EQ(listing.find("awlab:labself-pg-netem"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("/labself-pg-netem/"), std::string::npos) << listing;
}

}  // namespace
}  // namespace awrap::internal::testing
