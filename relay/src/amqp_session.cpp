#include "leakscope/relay/amqp_session.h"

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace leakscope::relay {
namespace {

constexpr amqp_channel_t kChannel = 1;

std::string reply_text(const amqp_rpc_reply_t& r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "missing RPC reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* m = static_cast<amqp_connection_close_t*>(r.reply.decoded);
        return "connection closed by broker: " +
               std::string(static_cast<char*>(m->reply_text.bytes), m->reply_text.len);
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
        return "channel closed by broker: " + std::string(static_cast<char*>(m->reply_text.bytes), m->reply_text.len);
      }
      return "server exception";
  }
  return "unknown";
}

// rabbitmq-c checks the chain only after the handshake and then reports just "peer verify failed";
// OpenSSL's reason (expired, unknown issuer, ...) is caught here for the log line. One session per
// thread (rabbitmq-c's rule), so a thread-local slot is enough.
thread_local std::string tls_verify_error;
thread_local int tls_verify_code = X509_V_OK;

int remember_verify_error(int preverify_ok, X509_STORE_CTX* store) {
  if (!preverify_ok && tls_verify_error.empty()) {
    tls_verify_code = X509_STORE_CTX_get_error(store);
    tls_verify_error = X509_verify_cert_error_string(tls_verify_code);
  }
  return preverify_ok;
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

void check_amqp_tls_files(const AmqpTls& tls) {
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_ssl_socket_new(conn);
  std::string problem;
  if (!socket)
    problem = "cannot create a TLS context";
  else if (!tls.ca_file.empty() && amqp_ssl_socket_set_cacert(socket, tls.ca_file.c_str()) != AMQP_STATUS_OK)
    problem = "--amqp-ca-file " + tls.ca_file + ": no PEM CA certificate in it";
  else if (!tls.cert_file.empty() &&
           amqp_ssl_socket_set_key(socket, tls.cert_file.c_str(), tls.key_file.c_str()) != AMQP_STATUS_OK)
    problem = "--amqp-cert " + tls.cert_file + " / --amqp-key " + tls.key_file +
              ": expected a PEM certificate and the PEM private key that belongs to it";
  amqp_destroy_connection(conn);
  if (!problem.empty()) throw AmqpError(problem);
}

std::string mask_amqp_url(const std::string& url) {
  size_t scheme = url.find("://");
  size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "****" + url.substr(at);
}

AmqpSession::AmqpSession(const std::string& url, int heartbeat_seconds, const AmqpTls& tls) {
  std::vector<char> buf(url.begin(), url.end());
  buf.push_back('\0');
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(buf.data(), &info) != AMQP_STATUS_OK) throw AmqpError("bad AMQP URL " + mask_amqp_url(url));
  // "amqp://host:5672/" means the default vhost to most clients (streadway/amqp included), though
  // the URI spec reads the empty path as vhost "".
  static char default_vhost[] = "/";
  if (info.vhost == nullptr || info.vhost[0] == '\0') info.vhost = default_vhost;
  const std::string where = std::string(info.host) + ":" + std::to_string(info.port);
  conn_ = amqp_new_connection();
  // Without these, rabbitmq-c waits for an RPC reply (queue.declare-ok, basic.consume-ok, ...) for
  // ever, heartbeats still flowing: a reply lost in a broken stream would hang the relay in setup.
  timeval handshake{10, 0}, rpc{10, 0};
  amqp_set_handshake_timeout(conn_, &handshake);
  amqp_set_rpc_timeout(conn_, &rpc);
  amqp_socket_t* socket = info.ssl ? tls_socket(tls, info.host, where) : amqp_tcp_socket_new(conn_);
  if (!socket) fail("cannot create a socket for " + where);
  timeval timeout{5, 0};
  tls_verify_error.clear();
  tls_verify_code = X509_V_OK;
  int opened = amqp_socket_open_noblock(socket, info.host, info.port, &timeout);
  if (opened == AMQP_STATUS_SSL_PEER_VERIFY_FAILED && tls_verify_code == X509_V_ERR_IP_ADDRESS_MISMATCH)
    fail("TLS: the certificate of broker " + where + " is not for host " + info.host +
         " (no subjectAltName IP:" + info.host + ")");
  if (opened == AMQP_STATUS_SSL_PEER_VERIFY_FAILED)
    fail("TLS: the certificate of broker " + where + " is not trusted (" +
         (tls_verify_error.empty() ? "no certificate" : tls_verify_error) + "; trusting " +
         (tls.ca_file.empty() ? "the system CAs" : "--amqp-ca-file " + tls.ca_file) + ")");
  if (opened == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED)
    fail("TLS: the certificate of broker " + where + " is not for host " + info.host);
  const std::string client_cert_hint =
      tls.cert_file.empty() ? " (does the broker require a client certificate? see --amqp-cert)" : "";
  if (opened == AMQP_STATUS_SSL_CONNECTION_FAILED || opened == AMQP_STATUS_SSL_ERROR)
    fail("TLS: handshake with broker " + where + " failed (" + amqp_error_string2(opened) + ")" + client_cert_hint);
  if (opened != AMQP_STATUS_OK) fail("cannot connect to " + where);
  amqp_rpc_reply_t r =
      amqp_login(conn_, info.vhost, 0, 131072, heartbeat_seconds, AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    // A broker requiring a client certificate (fail_if_no_peer_cert) refuses it after a TLS 1.3
    // handshake that looked complete: the refusal surfaces here, as a broken login.
    bool tls_refusal = info.ssl && r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION;
    fail("AMQP login to " + where + (info.ssl ? " over TLS" : "") + " failed: " + reply_text(r) +
         (tls_refusal ? client_cert_hint : ""));
  }
  amqp_channel_open(conn_, kChannel);
  open_ = true;
  check_rpc("channel.open");
}

amqp_socket_t* AmqpSession::tls_socket(const AmqpTls& tls, const std::string& host, const std::string& where) {
  amqp_socket_t* socket = amqp_ssl_socket_new(conn_);
  if (!socket) fail("cannot create a TLS socket for " + where);
  auto* ctx = static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket));
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, remember_verify_error);  // rabbitmq-c verifies after the handshake
  if (is_ip_address(host)) {
    // rabbitmq-c 0.11 matches the host against DNS names only, so a certificate for IP:127.0.0.1
    // would never match amqps://127.0.0.1. OpenSSL checks the IP entries instead, as part of the
    // chain verification whose result rabbitmq-c reads; its own name check is then left out.
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx), host.c_str()) != 1)
      fail("TLS: cannot check the broker's certificate for IP address " + host);
    amqp_ssl_socket_set_verify_hostname(socket, 0);
  }
  if (tls.ca_file.empty()) {
    // rabbitmq-c 0.11 trusts nothing by default: the system's CAs must be loaded explicitly.
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) fail("TLS: cannot load the system CA certificates");
  } else if (amqp_ssl_socket_set_cacert(socket, tls.ca_file.c_str()) != AMQP_STATUS_OK) {
    fail("TLS: cannot read CA certificates from " + tls.ca_file + " (expected PEM)");
  }
  if (!tls.cert_file.empty() &&
      amqp_ssl_socket_set_key(socket, tls.cert_file.c_str(), tls.key_file.c_str()) != AMQP_STATUS_OK)
    fail("TLS: cannot use client certificate " + tls.cert_file + " with key " + tls.key_file +
         " (expected PEM files that belong together)");
  return socket;
}

void AmqpSession::fail(const std::string& message) {
  amqp_destroy_connection(conn_);
  conn_ = nullptr;
  throw AmqpError(message);
}

// A polite close, bounded: connection.close settles the channel too (RabbitMQ requeues what was
// not acked either way), and a broker that does not answer soon is not waited for the full RPC
// timeout; rabbitmq-c then drops the socket, which the broker treats the same.
AmqpSession::~AmqpSession() {
  if (!conn_) return;
  if (open_) {
    shorten_rpc_timeout();
    amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(conn_);
}

void AmqpSession::shorten_rpc_timeout() {
  timeval stopping{2, 0};
  amqp_set_rpc_timeout(conn_, &stopping);
}

void AmqpSession::check_rpc(const char* what) {
  amqp_rpc_reply_t r = amqp_get_rpc_reply(conn_);
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    open_ = false;
    throw AmqpError(std::string(what) + ": " + reply_text(r));
  }
}

void AmqpSession::declare_queue(const std::string& name, bool durable, const std::string& queue_type) {
  amqp_table_entry_t type_arg;
  type_arg.key = amqp_cstring_bytes("x-queue-type");
  type_arg.value.kind = AMQP_FIELD_KIND_UTF8;
  type_arg.value.value.bytes = amqp_cstring_bytes(queue_type.c_str());
  amqp_table_t args = amqp_empty_table;
  if (queue_type != "classic") args = amqp_table_t{1, &type_arg};
  amqp_queue_declare(conn_, kChannel, amqp_cstring_bytes(name.c_str()), 0, durable || queue_type == "quorum", 0, 0,
                     args);
  amqp_rpc_reply_t r = amqp_get_rpc_reply(conn_);
  if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
    std::string text(static_cast<char*>(m->reply_text.bytes), m->reply_text.len);
    if (m->reply_code == AMQP_PRECONDITION_FAILED && text.find("x-queue-type") != std::string::npos) {
      open_ = false;
      throw AmqpQueueTypeMismatch("queue '" + name + "' exists with another type than --queue-type " + queue_type +
                                  " (broker: " + text + ")");
    }
  }
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    open_ = false;
    throw AmqpError("queue.declare: " + reply_text(r));
  }
}

uint64_t AmqpSession::queue_length(const std::string& name) {
  auto* ok = amqp_queue_declare(conn_, kChannel, amqp_cstring_bytes(name.c_str()), 1, 0, 0, 0, amqp_empty_table);
  check_rpc("queue.declare (passive)");
  return ok ? ok->message_count : 0;
}

void AmqpSession::qos(uint16_t prefetch) {
  amqp_basic_qos(conn_, kChannel, 0, prefetch, 0);
  check_rpc("basic.qos");
}

void AmqpSession::consume(const std::string& queue, bool no_ack) {
  auto* ok = amqp_basic_consume(conn_, kChannel, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes, 0, no_ack, 0,
                                amqp_empty_table);
  check_rpc("basic.consume");
  consumer_tag_.assign(static_cast<char*>(ok->consumer_tag.bytes), ok->consumer_tag.len);
}

void AmqpSession::cancel() {
  if (consumer_tag_.empty()) return;
  shorten_rpc_timeout();  // the relay is stopping: its bound must not include a 10 s wait here
  amqp_basic_cancel(conn_, kChannel, amqp_cstring_bytes(consumer_tag_.c_str()));
  consumer_tag_.clear();
  check_rpc("basic.cancel");
}

AmqpSession::Next AmqpSession::broken(std::string reason) {
  close_reason_ = std::move(reason);
  open_ = false;
  return Next::kClosed;
}

int AmqpSession::wait_frame(amqp_frame_t& frame, std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::max(std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now()),
               std::chrono::microseconds(0));
  timeval tv{static_cast<time_t>(left.count() / 1000000), static_cast<suseconds_t>(left.count() % 1000000)};
  return amqp_simple_wait_frame_noblock(conn_, &frame, &tv);
}

// Reads a delivery frame by frame rather than with amqp_consume_message: rabbitmq-c reads a
// message's header and body frames with no time limit, so a stream that stops mid-message (heartbeats
// still flowing) would hang the consumer, and its unacked deliveries, for the connection's life.
// Any frame out of sequence (AMQP's 505 UNEXPECTED_FRAME) ends the connection: the stream cannot be
// trusted past it, and the broker requeues whatever this connection had not acked.
AmqpSession::Next AmqpSession::next_delivery(Delivery& out, std::chrono::milliseconds timeout) {
  amqp_maybe_release_buffers(conn_);
  amqp_frame_t frame;
  int rc = wait_frame(frame, std::chrono::steady_clock::now() + timeout);
  if (rc == AMQP_STATUS_TIMEOUT) return Next::kTimeout;
  if (rc != AMQP_STATUS_OK) return broken(amqp_error_string2(rc));  // socket error, heartbeat timeout, bad frame
  if (frame.frame_type != AMQP_FRAME_METHOD)
    return broken("unexpected frame: content frame of type " + std::to_string(frame.frame_type) + " outside a message");
  switch (frame.payload.method.id) {
    case AMQP_BASIC_DELIVER_METHOD: {
      auto* d = static_cast<amqp_basic_deliver_t*>(frame.payload.method.decoded);
      out.tag = d->delivery_tag;
      out.redelivered = d->redelivered;
      return read_content(frame.channel, out.body);
    }
    case AMQP_BASIC_ACK_METHOD: {  // publisher confirms
      auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
      confirmed_ = ack->multiple ? ack->delivery_tag : std::max(confirmed_, ack->delivery_tag);
      return Next::kTimeout;
    }
    case AMQP_BASIC_NACK_METHOD:
      nacked_ = true;
      return Next::kTimeout;
    case AMQP_BASIC_RETURN_METHOD: {
      std::string ignored;
      Next n = read_content(frame.channel, ignored);
      return n == Next::kDelivery ? Next::kTimeout : n;
    }
    case AMQP_CHANNEL_CLOSE_METHOD: {
      amqp_channel_close_ok_t close_ok;
      amqp_send_method(conn_, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok);
      return broken("the broker closed the channel");
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
      amqp_connection_close_ok_t conn_close_ok;
      amqp_send_method(conn_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &conn_close_ok);
      return broken("the broker closed the connection");
    }
    case AMQP_BASIC_CANCEL_METHOD:
      consumer_tag_.clear();
      return broken("the broker cancelled the consumer");
    default:
      return Next::kTimeout;  // connection.blocked and the like: nothing to do here
  }
}

bool AmqpSession::content_frame(amqp_frame_t& frame, amqp_channel_t channel, uint8_t type,
                                std::chrono::steady_clock::time_point deadline, const char* what) {
  int rc = wait_frame(frame, deadline);
  if (rc == AMQP_STATUS_TIMEOUT)
    broken(std::string("a message's ") + what + " did not arrive within 5 s");
  else if (rc != AMQP_STATUS_OK)
    broken(amqp_error_string2(rc));
  else if (frame.frame_type != type || frame.channel != channel)
    broken("unexpected frame: type " + std::to_string(frame.frame_type) + " where a " + what + " belongs");
  else
    return true;
  return false;
}

AmqpSession::Next AmqpSession::read_content(amqp_channel_t channel, std::string& body) {
  // A broker sends a message's frames back to back; seconds without them means the stream broke.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  amqp_frame_t frame;
  if (!content_frame(frame, channel, AMQP_FRAME_HEADER, deadline, "content header")) return Next::kClosed;
  uint64_t size = frame.payload.properties.body_size;
  body.clear();
  body.reserve(static_cast<size_t>(std::min<uint64_t>(size, 1 << 20)));
  while (body.size() < size) {
    if (!content_frame(frame, channel, AMQP_FRAME_BODY, deadline, "body frame")) return Next::kClosed;
    const amqp_bytes_t& fragment = frame.payload.body_fragment;
    if (body.size() + fragment.len > size) return broken("unexpected frame: body longer than its header said");
    body.append(static_cast<const char*>(fragment.bytes), fragment.len);
  }
  return Next::kDelivery;
}

void AmqpSession::ack(uint64_t tag, bool multiple) {
  if (amqp_basic_ack(conn_, kChannel, tag, multiple) != AMQP_STATUS_OK) {
    open_ = false;
    throw AmqpError("basic.ack failed");
  }
}

void AmqpSession::reject(uint64_t tag, bool requeue) {
  if (amqp_basic_reject(conn_, kChannel, tag, requeue) != AMQP_STATUS_OK) {
    open_ = false;
    throw AmqpError("basic.reject failed");
  }
}

void AmqpSession::requeue_all_unacked() {
  if (amqp_basic_nack(conn_, kChannel, 0, /*multiple=*/1, /*requeue=*/1) != AMQP_STATUS_OK) {
    open_ = false;
    throw AmqpError("basic.nack failed");
  }
}

void AmqpSession::publish(const std::string& routing_key, const std::string& body,
                          const std::map<std::string, std::string>& headers, bool persistent) {
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.delivery_mode = persistent ? 2 : 1;
  std::vector<amqp_table_entry_t> entries;
  for (const auto& [k, v] : headers) {
    amqp_table_entry_t e;
    e.key = amqp_cstring_bytes(k.c_str());
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = amqp_cstring_bytes(v.c_str());
    entries.push_back(e);
  }
  if (!entries.empty()) {
    props._flags |= AMQP_BASIC_HEADERS_FLAG;
    props.headers.num_entries = static_cast<int>(entries.size());
    props.headers.entries = entries.data();
  }
  amqp_bytes_t payload{body.size(), const_cast<char*>(body.data())};
  if (amqp_basic_publish(conn_, kChannel, amqp_empty_bytes, amqp_cstring_bytes(routing_key.c_str()), 0, 0, &props,
                         payload) != AMQP_STATUS_OK) {
    open_ = false;
    throw AmqpError("basic.publish failed");
  }
  ++published_;
}

void AmqpSession::enable_confirms() {
  amqp_confirm_select(conn_, kChannel);
  check_rpc("confirm.select");
}

bool AmqpSession::wait_for_confirms(std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  Delivery unused;
  while (confirmed_ < published_ && !nacked_) {
    if (std::chrono::steady_clock::now() > end) return false;
    if (next_delivery(unused, std::chrono::milliseconds(50)) == Next::kClosed)
      throw AmqpError("connection lost while waiting for confirms");
  }
  return !nacked_;
}

}  // namespace leakscope::relay
