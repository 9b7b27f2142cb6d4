// Occupancy of a convolution's input: how much of it a zero-skipping conv
// could skip. Measured on real intermediate tensors by Runtime::ProfileLayers.
//
// Tiles are cut over the conv's OUTPUT, block x block per image, as the
// block-sparse kernels do (runtime/cpu/sparse_conv.h); a tile is occupied when
// its input window (receptive field under stride, padding, dilation and kernel
// size, clipped to the image: the halo included) holds a non-zero. Pure
// functions over host tensors.
#ifndef SF_RUNTIME_CONV_OCCUPANCY_H_
#define SF_RUNTIME_CONV_OCCUPANCY_H_

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace sf {

// Granularities every profile reports (tile edges), and the channel group of
// the per-group density (the CUDA sparse conv's group).
inline constexpr std::array<int, 3> kOccupancyBlocks = {4, 8, 16};
inline constexpr int kOccupancyChannelGroup = 8;

struct TileOccupancy {
  int block = 0;  // tile edge in output elements
  // Fraction of (image, tile) pairs whose window is not all zero over all channels.
  double tile_density = 0;
  // Fraction of (image, tile, channel group) triples not all zero, channels cut
  // into groups of `group_channels` (the last group may be smaller).
  double group_tile_density = 0;
  int group_channels = 0;
};

struct ConvOccupancy {
  double element_density = 0;  // fraction of input elements that are non-zero
  std::vector<TileOccupancy> tiles;  // one per requested block edge, same order
};

// `input`: the conv's first input, float32 NCHW; `output_dims` its output dims
// (NCHW); `conv` the node (strides, pads, auto_pad, dilations, kernel shape
// read from it). Each of `blocks` must be >= 1. InvalidArgument naming the node
// for a malformed conv, Unimplemented for a non-float32 or non-4-D input.
absl::StatusOr<ConvOccupancy> MeasureConvOccupancy(const Graph& graph, const Node& conv,
                                                   const Tensor& input,
                                                   std::span<const int64_t> output_dims,
                                                   std::span<const int> blocks,
                                                   int group_channels);

}  // namespace sf

#endif  // SF_RUNTIME_CONV_OCCUPANCY_H_
