// config/utf8: the one well-formedness rule for text from outside.
#include <catch2/catch.hpp>

#include "config/utf8.hpp"

using namespace shoal::config;

TEST_CASE("utf8: sequence lengths, and 0 for every kind of ill-formed start", "[config][utf8]") {
  CHECK(utf8_sequence_length("a", 0) == 1);
  CHECK(utf8_sequence_length("\xC3\xA9", 0) == 2);          // é
  CHECK(utf8_sequence_length("\xE2\x82\xAC", 0) == 3);      // €
  CHECK(utf8_sequence_length("\xF0\x9F\x90\x9F", 0) == 4);  // a fish
  CHECK(utf8_sequence_length("\xC0\x80", 0) == 0);          // overlong NUL
  CHECK(utf8_sequence_length("\xE0\x80\x80", 0) == 0);      // overlong
  CHECK(utf8_sequence_length("\xED\xA0\x80", 0) == 0);      // a surrogate
  CHECK(utf8_sequence_length("\xF4\x90\x80\x80", 0) == 0);  // above U+10FFFF
  CHECK(utf8_sequence_length("\xF5\x80\x80\x80", 0) == 0);
  CHECK(utf8_sequence_length("\xE2\x82", 0) == 0);          // truncated
  CHECK(utf8_sequence_length("\x80", 0) == 0);              // a lone continuation byte
}

TEST_CASE("utf8: valid and replaced", "[config][utf8]") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("h\xC3\xA9llo \xE2\x82\xAC"));
  CHECK_FALSE(valid_utf8("h\xC3llo"));
  CHECK(replace_invalid_utf8("a\xFF" "b\xE2\x82", "?", 100) == "a?b??");
  CHECK(replace_invalid_utf8("abcdef", "?", 3) == "abc");
  CHECK(replace_invalid_utf8("\xC3\xA9\xC3\xA9", "?", 3) == "\xC3\xA9?");  // cut mid-sequence
}
