// Conv cases and helpers shared by the sparse conv kernel tests
// (sparse_conv_test.cc, float32; sparse_conv_f16_test.cc and
// spike_gather_conv_test.cc, float16): conv geometry, spike inputs at a
// density (uniform or clustered), the CPU reference conv and the FP16 output
// bound against it, FP16 bit patterns, NCHW <-> NHWC, device uploads and
// downloads, and a run of the FP16 tensor-core kernel.
#ifndef SF_TESTS_CUDA_SPARSE_CONV_CASES_H_
#define SF_TESTS_CUDA_SPARSE_CONV_CASES_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "cuda/kernels/sparse_conv.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "cuda/resources.h"
#include "graph/float16.h"
#include "graph/status.h"
#include "runtime/cpu/conv.h"

namespace sf::testing {

struct Case {
  int64_t n, c_in, h, w, c_out;
  int k, stride;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int tile;
};

inline std::string CaseName(const Case& c) {
  return absl::StrCat("n", c.n, " cin", c.c_in, " ", c.h, "x", c.w, " cout", c.c_out, " k", c.k,
                      " s", c.stride, " pads", c.pad_top, ",", c.pad_left, ",", c.pad_bottom, ",",
                      c.pad_right, " tile", c.tile);
}

inline Conv2dParams ParamsOf(const Case& c) {
  const int64_t out_h = (c.h + c.pad_top + c.pad_bottom - c.k) / c.stride + 1;
  const int64_t out_w = (c.w + c.pad_left + c.pad_right - c.k) / c.stride + 1;
  return Conv2dParams{c.n,         c.c_in,   c.h,      c.w,       c.c_out,    c.k,
                      c.k,         c.stride, c.stride, c.pad_top, c.pad_left, c.pad_bottom,
                      c.pad_right, 1,        1,        1,         out_h,      out_w};
}

inline cuda::SparseConvShape ShapeOf(const Case& c, bool binary) {
  const Conv2dParams p = ParamsOf(c);
  return cuda::SparseConvShape{p.n, p.c_in,   p.h,       p.w,        p.c_out, p.out_h, p.out_w,
                               c.k, c.stride, c.pad_top, c.pad_left, c.tile,  binary};
}

// Spikes (binary: 1, else uniform in [-2, 2] without 0) at `density`;
// clustered: 4x4 cells are live with probability min(1, 2 * density) and fire
// inside at the rate that keeps the overall density.
inline std::vector<float> MakeInput(const Conv2dParams& p, double density, bool binary,
                                    bool clustered, std::mt19937& rng) {
  std::vector<float> x(static_cast<size_t>(p.n * p.c_in * p.h * p.w), 0.0f);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double live = clustered ? std::min(1.0, 2.0 * density) : 1.0;
  const double inside = live > 0 ? density / live : 0.0;
  constexpr int64_t kCell = 4;
  const int64_t cells_w = (p.w + kCell - 1) / kCell;
  std::vector<char> cell_live;
  for (int64_t plane = 0; plane < p.n * p.c_in; ++plane) {
    cell_live.assign(static_cast<size_t>(((p.h + kCell - 1) / kCell) * cells_w), 0);
    for (char& c : cell_live) c = u(rng) < live;
    for (int64_t r = 0; r < p.h; ++r) {
      for (int64_t col = 0; col < p.w; ++col) {
        if (!cell_live[(r / kCell) * cells_w + col / kCell] || !(u(rng) < inside)) continue;
        const double v = 4.0 * u(rng) - 2.0;
        x[(plane * p.h + r) * p.w + col] = binary ? 1.0f : static_cast<float>(v == 0 ? 1 : v);
      }
    }
  }
  return x;
}

inline std::vector<float> RandomVector(size_t size, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(size);
  for (float& f : v) f = u(rng);
  return v;
}

inline std::vector<float> Abs(std::vector<float> v) {
  for (float& f : v) f = std::fabs(f);
  return v;
}

inline std::vector<float> CpuConv(const Conv2dParams& p, const std::vector<float>& x,
                                  const std::vector<float>& w, const std::vector<float>& bias) {
  std::vector<float> y(static_cast<size_t>(p.n * p.c_out * p.out_h * p.out_w));
  for (int64_t n = 0; n < p.n; ++n) {
    Conv2dRegion(p, x.data(), w.data(), bias.empty() ? nullptr : bias.data(), y.data(), n, 0,
                 p.out_h, 0, p.out_w);
  }
  return y;
}

template <typename T>
absl::StatusOr<cuda::DeviceBuffer> Upload(const std::vector<T>& host) {
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer buf,
                      cuda::DeviceBuffer::Create(0, std::max<size_t>(host.size(), 1) * sizeof(T)));
  if (!host.empty()) {
    SF_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(buf.data(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  return buf;
}

// EXPECTs that every |got[i] - want[i]| <= tol(i) (NaN fails), naming the
// first output that is not and how many are not.
template <typename Tol>
void ExpectWithin(const std::vector<float>& got, const std::vector<float>& want, Tol tol,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int64_t bad = 0, first_bad = -1;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= tol(i))) {
      if (bad++ == 0) first_bad = static_cast<int64_t>(i);
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << want.size() << " outputs differ; first at "
                    << first_bad << ": gpu " << (first_bad >= 0 ? got[first_bad] : 0) << " vs cpu "
                    << (first_bad >= 0 ? want[first_bad] : 0);
}

// FP16 bit patterns of float values (round to nearest even).
inline std::vector<uint16_t> ToHalfBits(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = FloatToHalf(v[i]);
  return h;
}

// [n][c][h][w] -> [n][h][w][c] (also KCRS -> KRSC, the same permutation).
template <typename T>
std::vector<T> NchwToNhwc(const std::vector<T>& x, int64_t n, int64_t c, int64_t h, int64_t w) {
  std::vector<T> y(x.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < h * w; ++i) y[(b * h * w + i) * c + k] = x[(b * c + k) * h * w + i];
  return y;
}

// [n][h][w][c] -> [n][c][h][w].
template <typename T>
std::vector<T> NhwcToNchw(const std::vector<T>& y, int64_t n, int64_t c, int64_t h, int64_t w) {
  std::vector<T> x(y.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < h * w; ++i) x[(b * c + k) * h * w + i] = y[(b * h * w + i) * c + k];
  return x;
}

// Float values rounded to the nearest FP16 values.
inline std::vector<float> RoundToHalf(std::vector<float> v) {
  for (float& f : v) f = HalfToFloat(FloatToHalf(f));
  return v;
}

// Float16 output: the exact sum (inputs and weights are FP16 values, the
// kernel accumulates in FP32) rounded once to FP16, i.e. within half an FP16
// ulp (2^-11 relative) plus the FP32 accumulation-order bound (1e-5 of the sum
// of |terms|) and the smallest FP16 subnormal.
inline constexpr double kHalfRel = 1.0 / 2048;
inline constexpr double kSumRel = 1e-5;
inline constexpr double kSubnormal = 6e-8;

// EXPECTs that `got` (NCHW) is CpuConv(p, x, w, bias) of these FP16 values
// within the float16 bound above.
inline void ExpectMatchesHalfConv(const Conv2dParams& p, const std::vector<float>& got,
                                  const std::vector<float>& x, const std::vector<float>& w,
                                  const std::vector<float>& bias, const std::string& what) {
  const std::vector<float> ref = CpuConv(p, x, w, bias);
  const std::vector<float> bound = CpuConv(p, Abs(x), Abs(w), Abs(bias));
  ExpectWithin(
      got, ref,
      [&](size_t i) { return kHalfRel * std::fabs(ref[i]) + kSumRel * bound[i] + kSubnormal; },
      what);
}

// `elems` FP16 NaNs on device 0: an output a kernel misses shows.
inline absl::StatusOr<cuda::DeviceBuffer> UploadHalfNans(size_t elems) {
  return Upload(std::vector<uint16_t>(elems, static_cast<uint16_t>(0x7e00)));
}

// The first `elems` FP16 values of device buffer `buf`, as floats.
inline absl::StatusOr<std::vector<float>> DownloadHalves(const cuda::DeviceBuffer& buf,
                                                         size_t elems) {
  std::vector<uint16_t> h(elems);
  if (elems > 0) {
    SF_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(h.data(), buf.data(), elems * sizeof(uint16_t), cudaMemcpyDeviceToHost));
  }
  std::vector<float> f(elems);
  for (size_t i = 0; i < elems; ++i) f[i] = HalfToFloat(h[i]);
  return f;
}

struct SparseF16Result {
  std::vector<float> y;  // NCHW
  cuda::SparseConvCounters counters;
};

// Runs LaunchSparseConvF16 on device 0 (x, w NCHW/KCRS float values that are
// FP16-representable; transposed here for nhwc) and returns y as NCHW floats.
// `occupied` (nhwc only): the conv reads masks (the prescan's, as a producer
// marks them) through LaunchSparseConvF16Occupied instead.
inline absl::StatusOr<SparseF16Result> RunSparseF16(const cuda::SparseConvShape& s, bool nhwc,
                                                    const std::vector<float>& x,
                                                    const std::vector<float>& w,
                                                    const std::vector<float>& bias,
                                                    bool occupied = false) {
  const std::vector<float> xl = nhwc ? NchwToNhwc(x, s.n, s.c_in, s.h, s.w) : x;
  // KCRS -> KRSC is the same permutation as NCHW -> NHWC.
  const std::vector<float> wl = nhwc ? NchwToNhwc(w, s.c_out, s.c_in, s.ksize, s.ksize) : w;
  std::vector<uint16_t> packed(
      static_cast<size_t>(cuda::SparseConvF16PackedWeightElems(s.c_out, s.c_in, s.ksize)));
  cuda::RepackSparseConvF16Weights(ToHalfBits(wl).data(), s.c_out, s.c_in, s.ksize, nhwc,
                                   packed.data());
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dx, Upload(ToHalfBits(xl)));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dw, Upload(packed));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer db, Upload(ToHalfBits(bias)));
  const size_t out_elems = static_cast<size_t>(s.n * s.c_out * s.out_h * s.out_w);
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dy, UploadHalfNans(out_elems));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer ws,
                      cuda::DeviceBuffer::Create(0, cuda::SparseConvF16WorkspaceBytes(s)));
  const auto* xh = static_cast<const __half*>(dx.data());
  const auto* wp = static_cast<const uint16_t*>(dw.data());
  const __half* bh = bias.empty() ? nullptr : static_cast<const __half*>(db.data());
  if (occupied) {  // the masks a producer would mark: the prescan's
    if (!nhwc) return absl::InvalidArgumentError("the occupied conv is NHWC-only");
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer masks,
                        cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(s)));
    auto* m = static_cast<uint32_t*>(masks.data());
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16Prescan(s, true, xh, ws.data(), nullptr, m));
    SF_CUDA_RETURN_IF_ERROR(
        cuda::LaunchSparseConvF16Occupied(s, xh, wp, bh, static_cast<__half*>(dy.data()), m,
                                          ws.data(), /*count_tiles=*/true, nullptr));
    SF_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
  } else {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16(
        s, nhwc, xh, wp, bh, static_cast<__half*>(dy.data()), ws.data(), nullptr));
    SF_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
  }
  SparseF16Result r;
  SF_ASSIGN_OR_RETURN(r.y, DownloadHalves(dy, out_elems));
  if (nhwc) r.y = NhwcToNchw(r.y, s.n, s.c_out, s.out_h, s.out_w);
  SF_CUDA_RETURN_IF_ERROR(cuda::ReadSparseConvCounters(ws.data(), &r.counters));
  return r;
}

}  // namespace sf::testing

#endif  // SF_TESTS_CUDA_SPARSE_CONV_CASES_H_
