#include "target_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace test_support {

TargetServer::TargetServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listen_fd_, 16) != 0 || getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("target server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

TargetServer::~TargetServer() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
}

std::string TargetServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::optional<Received> TargetServer::wait_for(const std::function<bool(const Received&)>& match,
                                               std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  std::optional<Received> found;
  arrived_.wait_for(lock, timeout, [&] {
    const auto it = std::find_if(received_.begin(), received_.end(), match);
    if (it != received_.end()) found = *it;
    return found.has_value();
  });
  return found;
}

std::vector<Received> TargetServer::received() {
  std::lock_guard<std::mutex> lock(mutex_);
  return received_;
}

void TargetServer::serve() {
  while (!stopping_) {
    pollfd ready{listen_fd_, POLLIN, 0};
    if (poll(&ready, 1, 100) <= 0) continue;  // wake up every 100 ms to notice stopping_
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval timeout{5, 0};
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    answer(client);
    close(client);
  }
}

/// Reads one request (headers, then a Content-Length body), records it, answers 200 and closes.
void TargetServer::answer(int client) {
  std::string data;
  char buffer[4096];
  size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    data.append(buffer, static_cast<size_t>(n));
  }
  Received request;
  const size_t line_end = data.find("\r\n");
  const std::string line = data.substr(0, line_end);
  request.method = line.substr(0, line.find(' '));
  request.target = line.substr(request.method.size() + 1, line.rfind(' ') - request.method.size() - 1);
  for (size_t at = line_end + 2; at < header_end;) {
    const size_t end = data.find("\r\n", at);
    const std::string header = data.substr(at, end - at);
    const size_t colon = header.find(':');
    std::string name = header.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    request.headers[name] = header.substr(header.find_first_not_of(' ', colon + 1));
    at = end + 2;
  }
  const auto length_header = request.headers.find("content-length");
  const size_t length = length_header == request.headers.end() ? 0 : std::stoul(length_header->second);
  request.body = data.substr(header_end + 4);
  while (request.body.size() < length) {
    const ssize_t n = recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    request.body.append(buffer, static_cast<size_t>(n));
  }
  const std::string body = kAnswer;
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  send(client, response.data(), response.size(), MSG_NOSIGNAL);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    received_.push_back(std::move(request));
  }
  arrived_.notify_all();
}

}  // namespace test_support
