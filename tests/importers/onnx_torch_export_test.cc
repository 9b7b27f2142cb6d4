// Imports models exported by torch.onnx.export (export_small_snn.py) at test time.
// Skipped when /usr/bin/python3 cannot export (no torch).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "importers/onnx/onnx_importer.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::testing::ElementsAre;

std::vector<OpType> Ops(const Graph& g) {
  std::vector<OpType> ops;
  for (const Node& n : g.nodes()) ops.push_back(n.op);
  return ops;
}

class TorchExportTest : public ::testing::TestWithParam<int> {};

TEST_P(TorchExportTest, ImportsSmallSpikingCnn) {
  const int opset = GetParam();
  const std::string path = absl::StrCat(::testing::TempDir(), "/sf_torch_", getpid(), "_", opset,
                                        ".onnx");
  const std::string cmd =
      absl::StrCat("/usr/bin/python3 ", SF_SOURCE_DIR, "/tests/importers/export_small_snn.py ",
                   path, " ", opset, " >/dev/null 2>&1");
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "torch export unavailable: " << cmd;
  auto imported = ImportOnnxFile(path);
  std::filesystem::remove(path);
  ASSERT_OK(imported);
  const Graph& g = *imported;
  // BatchNormalization is folded into the Conv by the exporter.
  EXPECT_THAT(Ops(g), ElementsAre(OpType::kConv, OpType::kLIF, OpType::kMaxPool,
                                  OpType::kFlatten, OpType::kGemm, OpType::kSoftmax));
  ASSERT_EQ(g.inputs().size(), 1u);
  const Value& x = g.value(g.inputs()[0]);
  EXPECT_EQ(x.dtype, DataType::kFloat32);
  EXPECT_EQ(x.shape, (Shape{Dim::Symbolic("N"), Dim::Known(3), Dim::Known(8), Dim::Known(8)}));
  const Node& conv = g.node(0);
  ASSERT_EQ(conv.inputs.size(), 3u);
  EXPECT_TRUE(g.value(conv.inputs[1]).constant.has_value());
  EXPECT_EQ(g.value(conv.inputs[1]).constant->dims(), (std::vector<int64_t>{8, 3, 3, 3}));
  EXPECT_EQ(conv.attrs.GetIntsOr("pads", {}).value(), (std::vector<int64_t>{1, 1, 1, 1}));
  const Node& lif = g.node(1);
  EXPECT_EQ(lif.attrs.GetInt("steps").value(), 2);
  EXPECT_EQ(lif.attrs.GetFloat("tau").value(), 2.0f);
  EXPECT_EQ(lif.attrs.GetInt("decay_input").value(), 1);
  EXPECT_EQ(g.node(5).attrs.GetInt("coerce_2d").value(), opset < 13 ? 1 : 0);
  for (const Node& n : g.nodes()) EXPECT_FALSE(n.name.empty());
}

INSTANTIATE_TEST_SUITE_P(Opsets, TorchExportTest, ::testing::Values(11, 13, 17));

}  // namespace
}  // namespace sf
