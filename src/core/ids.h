// Random identifiers: client ids (UUID v4 text) and stream epochs (8 letters, as Centrifugo).
#pragma once

#include <string>

namespace neo {

std::string random_uuid();
std::string random_epoch();
std::string random_secret(std::size_t bytes = 32);  // hex text, for dev secrets

}  // namespace neo
