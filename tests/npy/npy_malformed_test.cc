// Every class of malformed or unsupported .npy input yields a specific error.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/npy.h"
#include "tests/npy/npy_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::MakeNpy;
using ::sf::testing::NpyDict;
using ::sf::testing::NpyPreamble;
using ::sf::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// 2x3 float32 data.
const std::string kData24(24, '\0');

void ExpectError(const std::string& bytes, absl::string_view message) {
  EXPECT_THAT(ParseNpy(bytes, "x.npy"),
              StatusIs(kInvalid, AllOf(HasSubstr("x.npy: "), HasSubstr(std::string(message)))));
}

TEST(NpyMalformedTest, ValidBaselineParses) {
  ASSERT_OK_AND_ASSIGN(Tensor t, ParseNpy(MakeNpy(NpyDict("<f4", "(2, 3)"), kData24)));
  EXPECT_EQ(t.dims(), (std::vector<int64_t>{2, 3}));
}

TEST(NpyMalformedTest, BadMagic) {
  std::string bytes = MakeNpy(NpyDict("<f4", "(2, 3)"), kData24);
  bytes[1] = 'M';
  ExpectError(bytes, "bad magic");
  ExpectError("", "bad magic");
  ExpectError("\x93NUM", "bad magic");
}

TEST(NpyMalformedTest, UnsupportedVersion) {
  ExpectError(MakeNpy(NpyDict("<f4", "(2, 3)"), kData24, /*major=*/4), "version 4.0");
  ExpectError(MakeNpy(NpyDict("<f4", "(2, 3)"), kData24, /*major=*/0), "version 0.0");
  std::string bytes = MakeNpy(NpyDict("<f4", "(2, 3)"), kData24);
  bytes[7] = 1;
  ExpectError(bytes, "version 1.1");
}

TEST(NpyMalformedTest, TruncatedPreamble) {
  const std::string bytes = MakeNpy(NpyDict("<f4", "(2, 3)"), kData24, /*major=*/2);
  ExpectError(bytes.substr(0, 7), "truncated preamble");
  ExpectError(bytes.substr(0, 11), "truncated preamble");
}

TEST(NpyMalformedTest, TruncatedHeader) {
  const std::string bytes = MakeNpy(NpyDict("<f4", "(2, 3)"), kData24);
  ExpectError(bytes.substr(0, 40), "header of 118 bytes runs past the end of the file (40 bytes)");
}

TEST(NpyMalformedTest, HeaderLengthBeyondFile) {
  ExpectError(MakeNpy(NpyDict("<f4", "(2, 3)"), kData24, 1, /*header_len=*/9000),
              "header of 9000 bytes runs past the end of the file");
  ExpectError(MakeNpy(NpyDict("<f4", "(2, 3)"), kData24, 2, /*header_len=*/0xffffffffLL),
              "header length 4294967295 exceeds the limit");
}

TEST(NpyMalformedTest, HeaderOverTheCap) {
  // The cap applies to the header (dict plus padding): 10000 bytes pass, 10001 fail.
  const std::string dict = NpyDict("<f4", "(2, 3)");
  auto padded = [&](size_t header_len) {
    return absl::StrCat(NpyPreamble(2, header_len), dict,
                        std::string(header_len - dict.size() - 1, ' '), "\n", kData24);
  };
  EXPECT_OK(ParseNpy(padded(10000)));
  ExpectError(padded(10001), "header length 10001 exceeds the limit of 10000 bytes");
}

TEST(NpyMalformedTest, MalformedDict) {
  struct Case {
    std::string dict;
    std::string message;
  };
  const Case cases[] = {
      {"{'descr: '<f4', 'fortran_order': False, 'shape': (2, 3), }", "malformed header"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3), }", "malformed header"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ",
       "expected a quoted string, found end of header"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", "expected '}'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3", "expected ')', found end"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ", "unsupported value for key 'shape'"},
      {"{'descr': '<f4', 'fortran_order': False}", "header key 'shape' is missing"},
      {"{'fortran_order': False, 'shape': (6,)}", "header key 'descr' is missing"},
      {"{'descr': '<f4', 'shape': (6,)}", "header key 'fortran_order' is missing"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}",
       "unsupported value for key 'extra'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': True}",
       "unknown header key 'extra'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}",
       "duplicate header key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (2, 3)}",
       "unsupported value for key 'fortran_order'"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}",
       "unsupported value for key 'fortran_order'"},
      {"{'descr': '<f4', 'fortran_order': 'False', 'shape': (2, 3)}",
       "header key 'fortran_order' must be True or False"},
      {"{'descr': True, 'fortran_order': False, 'shape': (2, 3)}",
       "header key 'descr' must be a dtype string"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': '(6,)'}",
       "header key 'shape' must be a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", "1-element tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3.0)}", "expected ')'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,, 3)}", "expected an integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (06,)}", "leading zero"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}",
       "unsupported value for key 'shape'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk",
       "unexpected text after the header dict"},
      {"['descr', '<f4']", "expected '{'"},
      {"{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2, 3)}",
       "unsupported character in string"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}\x01", "unexpected text"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.dict);
    ExpectError(MakeNpy(c.dict, kData24), c.message);
  }
}

TEST(NpyMalformedTest, AcceptsEquivalentDictSpellings) {
  const char* dicts[] = {
      "{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f4\"}",
      "{'descr':'<f4','fortran_order':False,'shape':(2,3,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
  };
  for (const char* dict : dicts) {
    SCOPED_TRACE(dict);
    ASSERT_OK_AND_ASSIGN(Tensor t, ParseNpy(MakeNpy(dict, kData24)));
    EXPECT_EQ(t.dims(), (std::vector<int64_t>{2, 3}));
  }
}

TEST(NpyMalformedTest, ObjectDtypeRefused) {
  ExpectError(MakeNpy(NpyDict("|O", "(3,)"), std::string(24, '\0')),
              "object dtype '|O' refused");
  ExpectError(MakeNpy(NpyDict("O", "(3,)"), std::string(24, '\0')), "object dtype 'O'");
}

TEST(NpyMalformedTest, UnsupportedDtypeNamed) {
  for (const char* descr : {"<c8", "<U5", "<f2", "<u4", "|f4", "f4", "<b1x", "", "<"}) {
    SCOPED_TRACE(descr);
    ExpectError(MakeNpy(NpyDict(descr, "(6,)"), kData24),
                absl::StrCat("unsupported dtype '", descr, "'"));
  }
  ExpectError(
      MakeNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,)}", kData24),
      "structured dtypes");
}

TEST(NpyMalformedTest, NegativeDim) {
  ExpectError(MakeNpy(NpyDict("<f4", "(2, -3)"), kData24), "negative dimension");
}

TEST(NpyMalformedTest, OverflowingShape) {
  ExpectError(MakeNpy(NpyDict("<f4", "(4294967296, 4294967296, 16)"), kData24),
              "too many elements");
  ExpectError(MakeNpy(NpyDict("<f4", "(99999999999999999999,)"), kData24),
              "integer out of range");
  ExpectError(MakeNpy(NpyDict("<f4", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)"),
                      std::string(4, '\0')),
              "rank 17 exceeds the limit of 16");
}

TEST(NpyMalformedTest, TruncatedData) {
  ExpectError(MakeNpy(NpyDict("<f4", "(2, 3)"), kData24.substr(0, 20)),
              "truncated data: expected 24 bytes for shape [2,3], got 20");
  ExpectError(MakeNpy(NpyDict("<f8", "(100000, 100000)"), kData24),
              "truncated data: expected 80000000000 bytes");
}

TEST(NpyMalformedTest, TrailingData) {
  ExpectError(MakeNpy(NpyDict("<f4", "(2, 3)"), kData24 + "x"),
              "trailing data: expected 24 bytes for shape [2,3], got 25");
  ExpectError(MakeNpy(NpyDict("<f4", "(0, 3)"), "x"), "trailing data: expected 0 bytes");
}

TEST(NpyMalformedTest, BoolByteNotZeroOrOne) {
  ExpectError(MakeNpy(NpyDict("|b1", "(3,)"), std::string("\x01\x02\x00", 3)),
              "bool element 1 has byte value 2 (must be 0 or 1)");
  ExpectError(MakeNpy(NpyDict("|b1", "(2, 2)", "True"), std::string("\x00\x00\x00\xff", 4)),
              "byte value 255");
}

}  // namespace
}  // namespace sf
