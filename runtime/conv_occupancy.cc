#include "runtime/conv_occupancy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "graph/passes/block_selection.h"
#include "graph/status.h"

namespace sf {
namespace {

absl::Status NodeError(const Node& conv, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("node '", conv.name, "' (Conv): ", message));
}

// Top and left padding of the conv, from "pads" or "auto_pad".
absl::StatusOr<std::array<int64_t, 2>> LeadingPads(const Node& conv, const ConvGeometry& g,
                                                   std::span<const int64_t> in_hw,
                                                   std::span<const int64_t> out_hw) {
  auto auto_pad = conv.attrs.GetStringOr("auto_pad", "NOTSET");
  if (!auto_pad.ok()) return NodeError(conv, auto_pad.status().message());
  std::array<int64_t, 2> lead{0, 0};
  if (*auto_pad == "SAME_UPPER" || *auto_pad == "SAME_LOWER") {
    for (int a = 0; a < 2; ++a) {
      const int64_t total = std::max<int64_t>(
          0, (out_hw[a] - 1) * g.stride[a] + (g.kernel_hw[a] - 1) * g.dilation[a] + 1 - in_hw[a]);
      lead[a] = *auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    }
    return lead;
  }
  auto pads = conv.attrs.GetIntsOr("pads", {0, 0, 0, 0});
  if (!pads.ok()) return NodeError(conv, pads.status().message());
  if (pads->size() != 4) return NodeError(conv, "pads must have 4 entries for a 2-D conv");
  return std::array<int64_t, 2>{(*pads)[0], (*pads)[1]};
}

// Integral image of non-zero counts of one image over channels [c0, c1).
void CountNonZero(const float* image, int64_t c0, int64_t c1, int64_t h, int64_t w,
                  std::vector<int64_t>& integral) {
  integral.assign(static_cast<size_t>((h + 1) * (w + 1)), 0);
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      int64_t n = 0;
      for (int64_t c = c0; c < c1; ++c) n += image[(c * h + y) * w + x] != 0.0f;
      integral[(y + 1) * (w + 1) + x + 1] = n + integral[y * (w + 1) + x + 1] +
                                            integral[(y + 1) * (w + 1) + x] -
                                            integral[y * (w + 1) + x];
    }
  }
}

}  // namespace

absl::StatusOr<ConvOccupancy> MeasureConvOccupancy(const Graph& graph, const Node& conv,
                                                   const Tensor& input,
                                                   std::span<const int64_t> output_dims,
                                                   std::span<const int> blocks,
                                                   int group_channels) {
  if (input.dtype() != DataType::kFloat32 || input.rank() != 4 || output_dims.size() != 4) {
    return absl::UnimplementedError(absl::StrCat(
        "node '", conv.name, "': occupancy is measured for float32 NCHW inputs only, got ",
        ToString(input.dtype()), ShapeToString(input.dims())));
  }
  if (group_channels < 1) return NodeError(conv, "channel group must be >= 1");
  SF_ASSIGN_OR_RETURN(ConvGeometry g, ReadConvGeometry(graph, conv));
  const int64_t n = input.dim(0), c = input.dim(1), h = input.dim(2), w = input.dim(3);
  const std::array<int64_t, 2> in_hw{h, w};
  const std::array<int64_t, 2> out_hw{output_dims[2], output_dims[3]};
  SF_ASSIGN_OR_RETURN(auto lead, LeadingPads(conv, g, in_hw, out_hw));

  ConvOccupancy occ;
  const std::span<const float> values = input.span<const float>();
  int64_t non_zero = 0;
  for (float v : values) non_zero += v != 0.0f;
  occ.element_density =
      values.empty() ? 0 : static_cast<double>(non_zero) / static_cast<double>(values.size());

  for (int block : blocks) {
    if (block < 1) return NodeError(conv, absl::StrCat("tile edge must be >= 1, got ", block));
  }
  // Non-zero count window of output rows/cols [o0, o1) along axis a: input [lo, hi).
  auto window = [&](int a, int64_t o0, int64_t o1) {
    const int64_t lo = o0 * g.stride[a] - lead[a];
    const int64_t hi = (o1 - 1) * g.stride[a] - lead[a] + (g.kernel_hw[a] - 1) * g.dilation[a];
    return std::pair<int64_t, int64_t>{std::clamp<int64_t>(lo, 0, in_hw[a]),
                                       std::clamp<int64_t>(hi + 1, 0, in_hw[a])};
  };
  const int64_t groups = (c + group_channels - 1) / group_channels;
  std::vector<int64_t> tiles(blocks.size(), 0), occupied(blocks.size(), 0),
      group_occupied(blocks.size(), 0);
  std::vector<std::vector<int64_t>> integrals(static_cast<size_t>(groups));  // one image
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t gi = 0; gi < groups; ++gi) {
      CountNonZero(values.data() + i * c * h * w, gi * group_channels,
                   std::min<int64_t>(c, (gi + 1) * group_channels), h, w, integrals[gi]);
    }
    for (size_t b = 0; b < blocks.size(); ++b) {
      for (int64_t oy = 0; oy < out_hw[0]; oy += blocks[b]) {
        const auto [y0, y1] = window(0, oy, std::min<int64_t>(oy + blocks[b], out_hw[0]));
        for (int64_t ox = 0; ox < out_hw[1]; ox += blocks[b]) {
          const auto [x0, x1] = window(1, ox, std::min<int64_t>(ox + blocks[b], out_hw[1]));
          ++tiles[b];
          bool any = false;
          for (const std::vector<int64_t>& s : integrals) {
            const int64_t count = y1 <= y0 || x1 <= x0
                                      ? 0
                                      : s[y1 * (w + 1) + x1] - s[y0 * (w + 1) + x1] -
                                            s[y1 * (w + 1) + x0] + s[y0 * (w + 1) + x0];
            group_occupied[b] += count > 0;
            any |= count > 0;
          }
          occupied[b] += any;
        }
      }
    }
  }
  for (size_t b = 0; b < blocks.size(); ++b) {
    TileOccupancy t;
    t.block = blocks[b];
    t.group_channels = group_channels;
    if (tiles[b] > 0) {
      t.tile_density = static_cast<double>(occupied[b]) / static_cast<double>(tiles[b]);
      if (groups > 0) {
        t.group_tile_density =
            static_cast<double>(group_occupied[b]) / static_cast<double>(tiles[b] * groups);
      }
    }
    occ.tiles.push_back(t);
  }
  return occ;
}

}  // namespace sf
