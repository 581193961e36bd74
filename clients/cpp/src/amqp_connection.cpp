#include "br_sdk/schedule/amqp_connection.hpp"

#include "br_sdk/schedule/errors.hpp"

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <sys/time.h>

#include <vector>

namespace br_sdk::schedule {

namespace {

constexpr amqp_channel_t kChannel = 1;

timeval to_timeval(std::chrono::milliseconds ms) {
  const auto count = ms.count() < 0 ? 0 : ms.count();
  return timeval{static_cast<time_t>(count / 1000), static_cast<suseconds_t>((count % 1000) * 1000)};
}

std::string text(amqp_bytes_t bytes) { return std::string(static_cast<const char*>(bytes.bytes), bytes.len); }

[[noreturn]] void fail(const std::string& what, const std::string& why) {
  throw_error("CONNECTION_FAILED", "AMQP " + what + " failed: " + why);
}

/// Throws unless a synchronous AMQP call succeeded.
void check(amqp_rpc_reply_t reply, const std::string& what) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      if (reply.library_error == AMQP_STATUS_TIMEOUT) throw_error("TIMEOUT", "AMQP " + what + " timed out");
      fail(what, amqp_error_string2(reply.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* close = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
        fail(what, "channel closed: " + std::to_string(close->reply_code) + " " + text(close->reply_text));
      }
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* close = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
        fail(what, "connection closed: " + std::to_string(close->reply_code) + " " + text(close->reply_text));
      }
      fail(what, "unexpected server method " + std::to_string(reply.reply.id));
    default:
      fail(what, "no reply");
  }
}

void check_status(int status, const std::string& what) {
  if (status != AMQP_STATUS_OK) fail(what, amqp_error_string2(status));
}

/// Frees a connection that never logged in.
struct ConnectionDestroyer {
  void operator()(amqp_connection_state_t conn) const { amqp_destroy_connection(conn); }
};

/// Closes a logged-in connection politely, then frees it.
struct ConnectionCloser {
  void operator()(amqp_connection_state_t conn) const {
    amqp_channel_close(conn, kChannel, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
  }
};

}  // namespace

struct AmqpConnection::State {
  std::unique_ptr<amqp_connection_state_t_, ConnectionCloser> conn;
  amqp_connection_state_t get() const { return conn.get(); }
};

AmqpOptions AmqpOptions::from_url(const std::string& url) {
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  amqp_connection_info info{};
  amqp_default_connection_info(&info);
  if (amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK || info.ssl) {
    throw_error("INVALID_ARGUMENT", "not an amqp:// URL", {{"url", "expected amqp://user:password@host:port/vhost"}});
  }
  AmqpOptions options;
  options.host = info.host;
  options.port = info.port;
  options.user = info.user;
  options.password = info.password;
  options.vhost = info.vhost;
  return options;
}

AmqpConnection::AmqpConnection(const AmqpOptions& options) : state_(std::make_unique<State>()) {
  std::unique_ptr<amqp_connection_state_t_, ConnectionDestroyer> fresh(amqp_new_connection());
  if (!fresh) fail("connection", "out of memory");
  amqp_socket_t* socket = amqp_tcp_socket_new(fresh.get());  // owned by the connection
  if (socket == nullptr) fail("connection", "cannot create a socket");
  const timeval timeout = to_timeval(options.timeout);
  const int opened = amqp_socket_open_noblock(socket, options.host.c_str(), options.port, &timeout);
  if (opened != AMQP_STATUS_OK) {
    fail("connection to " + options.host + ":" + std::to_string(options.port), amqp_error_string2(opened));
  }
  amqp_set_handshake_timeout(fresh.get(), &timeout);
  amqp_set_rpc_timeout(fresh.get(), &timeout);
  check(amqp_login(fresh.get(), options.vhost.c_str(), 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, options.user.c_str(),
                   options.password.c_str()),
        "login");
  state_->conn.reset(fresh.release());
  amqp_connection_state_t conn = state_->get();
  amqp_channel_open(conn, kChannel);
  check(amqp_get_rpc_reply(conn), "channel.open");
}

AmqpConnection::~AmqpConnection() = default;
AmqpConnection::AmqpConnection(AmqpConnection&&) noexcept = default;
AmqpConnection& AmqpConnection::operator=(AmqpConnection&&) noexcept = default;

std::string AmqpConnection::declare_queue(const std::string& name, bool durable, bool exclusive, bool auto_delete) {
  const auto* ok = amqp_queue_declare(state_->get(), kChannel, amqp_cstring_bytes(name.c_str()), 0, durable,
                                      exclusive, auto_delete, amqp_empty_table);
  check(amqp_get_rpc_reply(state_->get()), "queue.declare " + name);
  return text(ok->queue);
}

void AmqpConnection::declare_topic_exchange(const std::string& name) {
  amqp_exchange_declare(state_->get(), kChannel, amqp_cstring_bytes(name.c_str()), amqp_cstring_bytes("topic"), 0, 1,
                        0, 0, amqp_empty_table);
  check(amqp_get_rpc_reply(state_->get()), "exchange.declare " + name);
}

void AmqpConnection::bind_queue(const std::string& queue, const std::string& exchange, const std::string& key) {
  amqp_queue_bind(state_->get(), kChannel, amqp_cstring_bytes(queue.c_str()), amqp_cstring_bytes(exchange.c_str()),
                  amqp_cstring_bytes(key.c_str()), amqp_empty_table);
  check(amqp_get_rpc_reply(state_->get()), "queue.bind " + queue);
}

void AmqpConnection::delete_queue(const std::string& name) {
  amqp_queue_delete(state_->get(), kChannel, amqp_cstring_bytes(name.c_str()), 0, 0);
  check(amqp_get_rpc_reply(state_->get()), "queue.delete " + name);
}

void AmqpConnection::delete_exchange(const std::string& name) {
  amqp_exchange_delete(state_->get(), kChannel, amqp_cstring_bytes(name.c_str()), 0);
  check(amqp_get_rpc_reply(state_->get()), "exchange.delete " + name);
}

void AmqpConnection::set_prefetch(std::uint16_t count) {
  amqp_basic_qos(state_->get(), kChannel, 0, count, 0);
  check(amqp_get_rpc_reply(state_->get()), "basic.qos");
}

void AmqpConnection::consume(const std::string& queue, bool no_ack) {
  amqp_basic_consume(state_->get(), kChannel, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes, 0, no_ack, 0,
                     amqp_empty_table);
  check(amqp_get_rpc_reply(state_->get()), "basic.consume " + queue);
}

void AmqpConnection::publish(const Publish& m) {
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.delivery_mode = m.persistent ? 2 : 1;
  if (!m.reply_to.empty()) {
    props._flags |= AMQP_BASIC_REPLY_TO_FLAG;
    props.reply_to = amqp_cstring_bytes(m.reply_to.c_str());
  }
  if (!m.correlation_id.empty()) {
    props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
    props.correlation_id = amqp_cstring_bytes(m.correlation_id.c_str());
  }
  if (!m.message_id.empty()) {
    props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    props.message_id = amqp_cstring_bytes(m.message_id.c_str());
  }
  const amqp_bytes_t body{m.body.size(), const_cast<char*>(m.body.data())};
  check_status(amqp_basic_publish(state_->get(), kChannel, amqp_cstring_bytes(m.exchange.c_str()),
                                  amqp_cstring_bytes(m.routing_key.c_str()), m.mandatory, 0, &props, body),
               "basic.publish");
}

std::optional<Delivery> AmqpConnection::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  amqp_connection_state_t conn = state_->get();
  for (;;) {
    using std::chrono::duration_cast;
    timeval wait = to_timeval(duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    amqp_maybe_release_buffers(conn);
    amqp_envelope_t envelope;
    const amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, &wait, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
      Delivery d;
      d.body = text(envelope.message.body);
      d.routing_key = text(envelope.routing_key);
      const auto& props = envelope.message.properties;
      if (props._flags & AMQP_BASIC_CORRELATION_ID_FLAG) d.correlation_id = text(props.correlation_id);
      if (props._flags & AMQP_BASIC_MESSAGE_ID_FLAG) d.message_id = text(props.message_id);
      d.delivery_tag = envelope.delivery_tag;
      d.redelivered = envelope.redelivered != 0;
      amqp_destroy_envelope(&envelope);
      return d;
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) {
      return std::nullopt;
    }
    if (reply.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION || reply.library_error != AMQP_STATUS_UNEXPECTED_STATE) {
      check(reply, "basic.consume");
    }
    // A frame other than a delivery: a returned (unroutable) message, or the broker closing us.
    amqp_frame_t frame;
    timeval none{0, 0};
    const int status = amqp_simple_wait_frame_noblock(conn, &frame, &none);
    if (status == AMQP_STATUS_TIMEOUT) continue;
    check_status(status, "reading a frame");
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    const auto id = frame.payload.method.id;
    if (id == AMQP_BASIC_RETURN_METHOD) {
      const auto* returned = static_cast<amqp_basic_return_t*>(frame.payload.method.decoded);
      const std::string why = text(returned->reply_text) + " (routing key '" + text(returned->routing_key) + "')";
      amqp_message_t message;
      amqp_read_message(conn, frame.channel, &message, 0);
      amqp_destroy_message(&message);
      throw_error("UNROUTABLE", "the broker returned the message: " + why);
    }
    if (id == AMQP_CHANNEL_CLOSE_METHOD || id == AMQP_CONNECTION_CLOSE_METHOD) fail("consume", "closed by the broker");
  }
}

void AmqpConnection::ack(std::uint64_t delivery_tag) {
  check_status(amqp_basic_ack(state_->get(), kChannel, delivery_tag, 0), "basic.ack");
}

void AmqpConnection::reject(std::uint64_t delivery_tag, bool requeue) {
  check_status(amqp_basic_reject(state_->get(), kChannel, delivery_tag, requeue), "basic.reject");
}

}  // namespace br_sdk::schedule
