// Pure-ish pieces of the runtime: record encoding, /proc parsing, port and command helpers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "node/runtime/instance_record.hpp"
#include "node/runtime/ports.hpp"
#include "node/runtime/proc.hpp"
#include "node/runtime/process_driver.hpp"

using namespace shoal::runtime;

TEST_CASE("instance record round-trips, escaping newlines and backslashes") {
  InstanceRecord r;
  r.id = "web-3.1";
  r.labels = Labels{"peer\nwith\\odd", "web", 3, "abc123"};
  r.ports = {{"http", 8080, 41000}, {"admin", 9000, 9000}};
  r.stop_grace = 2500;
  r.started_at = 1700000000123;
  r.supervisor_pid = 42;
  r.supervisor_start = 777;
  r.pid = r.pgid = 43;
  r.start_time = 778;
  r.state = InstanceRecord::State::exited;
  r.reason = Exit::Reason::orphaned;
  r.exit_code = -1;
  r.signal = 9;
  r.ended_at = 1700000000999;
  std::string text = encode_record(r);
  CHECK(text.rfind(encode_record_static(r), 0) == 0);  // static part first, as supervisors write
  auto back = decode_record(text);
  REQUIRE(back.ok());
  CHECK(back->id == r.id);
  CHECK(back->labels == r.labels);
  CHECK(back->ports == r.ports);
  CHECK(back->stop_grace == 2500);
  CHECK(back->started_at == r.started_at);
  CHECK(back->supervisor_pid == 42);
  CHECK(back->supervisor_start == 777);
  CHECK(back->pid == 43);
  CHECK(back->start_time == 778);
  CHECK(back->state == InstanceRecord::State::exited);
  CHECK(back->reason == Exit::Reason::orphaned);
  CHECK(back->signal == 9);
  CHECK(back->ended_at == r.ended_at);
}

TEST_CASE("instance record decoding rejects damaged text") {
  CHECK_FALSE(decode_record("").ok());
  CHECK_FALSE(decode_record("state=running\n").ok());             // no magic line
  CHECK_FALSE(decode_record("shoal-instance=1\nid=x\n").ok());     // no state: half-written
  CHECK_FALSE(decode_record("shoal-instance=1\npid=12x\nstate=running\n").ok());
  CHECK_FALSE(decode_record("shoal-instance=1\nno equals sign\nstate=running\n").ok());
  CHECK(decode_record("shoal-instance=1\nfuture_key=1\nstate=running\n").ok());
}

TEST_CASE("proc stat gives a start time that tells processes apart") {
  ProcStat st;
  REQUIRE(read_proc_stat(::getpid(), &st));
  CHECK(st.state == 'R');
  CHECK(st.start_time > 0);
  CHECK(process_matches(::getpid(), st.start_time));
  CHECK_FALSE(process_matches(::getpid(), st.start_time + 1));
  CHECK_FALSE(read_proc_stat(0, &st));
  char buf[24];
  CHECK(std::string(buf, static_cast<std::size_t>(format_int(-1234567, buf))) == "-1234567");
  CHECK(std::string(buf, static_cast<std::size_t>(format_uint(0, buf))) == "0");
}

TEST_CASE("find_free_port returns a port that can be bound") {
  auto p = find_free_port("127.0.0.1");
  REQUIRE(p.ok());
  CHECK(p.value() != 0);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(p.value());
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  CHECK(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::close(fd);
  CHECK(find_free_port("::1").ok());
  CHECK_FALSE(find_free_port("not-an-ip").ok());
}

TEST_CASE("port env names and command lookup") {
  CHECK(port_env_name("http") == "SHOAL_PORT_HTTP");
  CHECK(port_env_name("grpc-web_2") == "SHOAL_PORT_GRPC_WEB_2");
  auto sh = resolve_command("sh", "/nonexistent:/usr/bin:/bin");
  REQUIRE(sh.ok());
  CHECK((sh.value() == "/usr/bin/sh" || sh.value() == "/bin/sh"));
  CHECK_FALSE(resolve_command("sh", "/nonexistent").ok());
  CHECK(resolve_command("/bin/sh", "").value() == "/bin/sh");
  CHECK_FALSE(resolve_command("/nonexistent/x", "").ok());
}
