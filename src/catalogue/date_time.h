// The catalogue's timestamps: RFC 3339 date-times in UTC.
#pragma once

#include <string_view>

namespace neo::catalogue {

// True for "YYYY-MM-DDTHH:MM:SS[.fraction]Z" with real calendar values (leap years, a leap
// second as :60). 'T' and 'Z' may be lower case, as RFC 3339 allows; an offset other than Z is
// refused: the catalogue's events are stamped in UTC.
bool is_utc_date_time(std::string_view text);

}  // namespace neo::catalogue
