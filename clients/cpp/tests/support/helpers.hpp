#pragma once
// Small test helpers: the cross-language vectors, and a thread-safe inbox for results.

#include "br_sdk/schedule.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_support {

using br_sdk::schedule::Json;
using br_sdk::schedule::Result;

/// spec/vectors/<file>, parsed.
inline Json load_vectors(const std::string& file) {
  std::ifstream in(std::string(BR_SDK_REPO_DIR) + "/spec/vectors/" + file);
  if (!in) throw std::runtime_error("cannot read spec/vectors/" + file);
  return Json::parse(in);
}

/// The indices of a vector file's cases (the parameters of a vector test).
inline std::vector<int> case_indices(const std::string& file) {
  std::vector<int> out(load_vectors(file)["cases"].size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int>(i);
  return out;
}

/// A case's name as a test name: `3_a_one_shot_in_the_past`.
inline std::string case_name(const std::string& file, int index) {
  std::string name = std::to_string(index) + "_" + load_vectors(file)["cases"][index]["name"].get<std::string>();
  std::replace_if(name.begin(), name.end(), [](unsigned char c) { return !std::isalnum(c); }, '_');
  return name;
}

/// The issue paths of an error, sorted.
inline std::vector<std::string> paths_of(const br_sdk::schedule::Error& error) {
  std::vector<std::string> paths;
  for (const auto& issue : error.issues()) paths.push_back(issue.path);
  std::sort(paths.begin(), paths.end());
  return paths;
}

/// Results handed over by a consumer's thread, waited for by the test.
class Inbox {
 public:
  void push(const Result& result) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      results_.push_back(result);
    }
    arrived_.notify_all();
  }
  std::optional<Result> wait_for(const std::function<bool(const Result&)>& match, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::optional<Result> found;
    arrived_.wait_for(lock, timeout, [&] {
      const auto it = std::find_if(results_.begin(), results_.end(), match);
      if (it != results_.end()) found = *it;
      return found.has_value();
    });
    return found;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Result> results_;
};

}  // namespace test_support
