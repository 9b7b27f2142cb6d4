// cuda::LaunchSubsample (cuda/kernels/data_movement.h), which packs the pixels
// a 1x1 conv with stride > 1 reads before cuDNN convolves them with stride 1:
// every copy width (16 bytes down to 1) against a host loop, odd sizes and
// strides, and the refusals.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "cuda/kernels/data_movement.h"
#include "tests/cuda/gpu_test_util.h"

namespace sf {
namespace {

std::vector<uint8_t> HostSubsample(const cuda::SubsampleShape& s, const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out;
  for (int64_t b = 0; b < s.images; ++b) {
    for (int64_t oy = 0; oy < s.out_h; ++oy) {
      for (int64_t ox = 0; ox < s.out_w; ++ox) {
        const int64_t at = ((b * s.h + oy * s.stride_h) * s.w + ox * s.stride_w) * s.pixel_bytes;
        out.insert(out.end(), in.begin() + at, in.begin() + at + s.pixel_bytes);
      }
    }
  }
  return out;
}

TEST(SubsampleTest, EveryCopyWidthMatchesAHostLoop) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> byte(0, 255);
  struct Case {
    int64_t images, h, w, stride_h, stride_w, pixel_bytes;
  };
  // Pixel widths 128 (16-byte copies), 24 (8), 12 (4), 6 (2), 3 (1); odd
  // sizes, strides 2 and 3, a stride along one axis only.
  const Case cases[] = {{4, 8, 8, 2, 2, 128}, {3, 9, 7, 2, 2, 24}, {2, 10, 11, 3, 3, 12},
                        {5, 7, 5, 2, 1, 6},   {2, 6, 9, 1, 2, 3},  {1, 1, 1, 2, 2, 16}};
  for (const Case& c : cases) {
    const cuda::SubsampleShape s{.images = c.images,
                                 .h = c.h,
                                 .w = c.w,
                                 .stride_h = c.stride_h,
                                 .stride_w = c.stride_w,
                                 .out_h = (c.h - 1) / c.stride_h + 1,
                                 .out_w = (c.w - 1) / c.stride_w + 1,
                                 .pixel_bytes = c.pixel_bytes};
    std::vector<uint8_t> in(c.images * c.h * c.w * c.pixel_bytes);
    for (uint8_t& v : in) v = static_cast<uint8_t>(byte(rng));
    const std::vector<uint8_t> want = HostSubsample(s, in);
    void *d_in = nullptr, *d_out = nullptr;
    ASSERT_EQ(cudaMalloc(&d_in, in.size()), cudaSuccess);
    ASSERT_EQ(cudaMalloc(&d_out, want.size()), cudaSuccess);
    ASSERT_EQ(cudaMemcpy(d_in, in.data(), in.size(), cudaMemcpyHostToDevice), cudaSuccess);
    ASSERT_EQ(cuda::LaunchSubsample(s, d_in, d_out, nullptr), cudaSuccess);
    std::vector<uint8_t> got(want.size());
    ASSERT_EQ(cudaMemcpy(got.data(), d_out, got.size(), cudaMemcpyDeviceToHost), cudaSuccess);
    EXPECT_EQ(got, want) << "images " << c.images << " " << c.h << "x" << c.w << " stride "
                         << c.stride_h << "x" << c.stride_w << " pixel " << c.pixel_bytes << " B";
    cudaFree(d_in);
    cudaFree(d_out);
  }
}

TEST(SubsampleTest, RefusesAWindowPastTheInput) {
  SF_SKIP_WITHOUT_GPU();
  cuda::SubsampleShape s{.images = 1,
                         .h = 4,
                         .w = 4,
                         .stride_h = 2,
                         .stride_w = 2,
                         .out_h = 3,
                         .out_w = 2,
                         .pixel_bytes = 4};  // row 4 is past h
  EXPECT_EQ(cuda::LaunchSubsample(s, nullptr, nullptr, nullptr), cudaErrorInvalidValue);
  s.out_h = 2;
  s.stride_w = 0;
  EXPECT_EQ(cuda::LaunchSubsample(s, nullptr, nullptr, nullptr), cudaErrorInvalidValue);
  s.stride_w = 2;
  s.images = 0;  // nothing to copy: no launch
  EXPECT_EQ(cuda::LaunchSubsample(s, nullptr, nullptr, nullptr), cudaSuccess);
}

}  // namespace
}  // namespace sf
