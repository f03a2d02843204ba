// Channel patterns shared by roles, rate limits and the event catalogue.
#pragma once

#include <string_view>

namespace neo {

// '*' matches any run of characters (':' included); everything else is literal.
bool match_pattern(std::string_view pattern, std::string_view text);

}  // namespace neo
