// Counts heap allocations, for tests that check from outside whether code allocates. A test
// binary that includes this header links support/allocation_counter.cpp (tests/CMakeLists.txt),
// which replaces the global operator new and delete of that binary.
#pragma once

#include <cstdint>

namespace neo::test {

// How many times the global operator new (plain, array, nothrow) has run in this process.
std::uint64_t allocation_count();

}  // namespace neo::test
