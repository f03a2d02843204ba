// `neo-events publish --event` and `neo-events events`: catalogue events built from
// command-line fields, and the catalogue listed for people.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalogue/catalogue.h"

namespace neo::cli {

struct EventRequest {
  std::string type;
  std::string tenant;               // fills the '*' after "tenant:" in a channel pattern
  std::string user;                 // fills the '*' after "user:"
  std::string channel;              // explicit channel; derived from the catalogue when empty
  std::vector<std::string> fields;  // "name=value", typed by the event's schema
};

struct BuiltEvent {
  std::string channel;
  std::string data;  // JSON
};

// Builds the event (type, fields, timestamp now unless given), picks its channel and validates
// it against `catalogue`. On failure `error` says what is wrong and nothing is returned.
std::optional<BuiltEvent> build_event(const catalogue::Catalogue& catalogue,
                                      const EventRequest& request, std::string& error);

// The catalogue as text: each type with its fields and channels.
std::string describe_catalogue(const catalogue::Catalogue& catalogue);

}  // namespace neo::cli
