#pragma once
// br_sdk::schedule: the C++ client of the br-sdk scheduler (docs/clients/cpp.md).

#include "br_sdk/schedule/amqp_connection.hpp"
#include "br_sdk/schedule/client.hpp"
#include "br_sdk/schedule/dsl.hpp"
#include "br_sdk/schedule/errors.hpp"
#include "br_sdk/schedule/messages.hpp"
#include "br_sdk/schedule/results.hpp"
#include "br_sdk/schedule/signing.hpp"
#include "br_sdk/schedule/transport.hpp"
#include "br_sdk/schedule/util.hpp"
