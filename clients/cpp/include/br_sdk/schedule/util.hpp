#pragma once
// Small helpers: ids and instants in the forms the wire uses.

#include <chrono>
#include <string>

namespace br_sdk::schedule {

/// A random (version 4) UUID, e.g. for a requester id or a correlation id.
std::string new_uuid();

/// RFC 3339 UTC with milliseconds, as JavaScript's toISOString: `2026-11-22T09:00:00.000Z`.
std::string to_rfc3339(std::chrono::system_clock::time_point instant);

}  // namespace br_sdk::schedule
