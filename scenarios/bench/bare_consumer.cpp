// The peer for the relay benchmark: a bare rabbitmq-c consumer (consume + ack, nothing else).
// Usage: bare_consumer AMQP_PORT QUEUE COUNT PREFETCH  -> prints "consumed N in S s"
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::puts(
        "usage: bare_consumer PORT QUEUE COUNT PREFETCH: consume COUNT messages from QUEUE on 127.0.0.1:PORT and ack "
        "them (relay_throughput_bench's peer); prints \"consumed N in S s\"");
    return 0;
  }
  if (argc != 5 || std::atoi(argv[1]) < 1 || std::atol(argv[3]) < 1 || std::atoi(argv[4]) < 1) {
    std::fprintf(stderr, "bare_consumer: expected PORT QUEUE COUNT PREFETCH, numbers from 1 (see --help)\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  long count = std::atol(argv[3]);
  auto prefetch = static_cast<uint16_t>(std::atoi(argv[4]));
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn);
  if (amqp_socket_open(socket, "127.0.0.1", port) != AMQP_STATUS_OK) return 1;
  if (amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest").reply_type != AMQP_RESPONSE_NORMAL)
    return 1;
  amqp_channel_open(conn, 1);
  amqp_basic_qos(conn, 1, 0, prefetch, 0);
  amqp_basic_consume(conn, 1, amqp_cstring_bytes(argv[2]), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  if (amqp_get_rpc_reply(conn).reply_type != AMQP_RESPONSE_NORMAL) return 1;
  auto t0 = std::chrono::steady_clock::now();
  long n = 0;
  while (n < count) {
    amqp_maybe_release_buffers(conn);
    amqp_envelope_t envelope;
    amqp_rpc_reply_t r = amqp_consume_message(conn, &envelope, nullptr, 0);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) return 1;
    amqp_basic_ack(conn, 1, envelope.delivery_tag, 0);
    amqp_destroy_envelope(&envelope);
    ++n;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("consumed %ld in %.3f s\n", n, s);
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  return 0;
}
