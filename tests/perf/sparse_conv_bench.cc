// sparse_conv_bench: times the CUDA block-sparse conv (prescan + conv)
// against cuDNN at the same precision and layout, same process and stream, on
// Spiking-ResNet18 CIFAR layer shapes with batch T*N = 64:
//   sparse_conv_bench [fp32] [JSON]  cuda/kernels/sparse_conv.h vs cuDNN FP32 NCHW
//                                    (FMA math, no TF32); binary spikes at several
//                                    densities, uniform and clustered;
//   sparse_conv_bench fp16 [JSON]    cuda/kernels/sparse_conv_f16.h vs cuDNN FP16
//                                    NHWC (tensor cores, timed algorithm search);
//                                    the same patterns plus "tiles": a chosen share
//                                    of the output tiles (0..100%) holds spikes
//                                    (10% inside, away from the tile borders so no
//                                    halo reaches a neighbour), the rest is silent;
//                                    prints the crossover tile density per layer.
//
// Options (before JSON): --reps K puts K back-to-back runs of the op in one
// CUDA graph and reports a launch's time / K, as a layer costs inside a
// model's graph (no graph launch per layer; default 1: one run per graph
// launch, its launch latency included); --only SUBSTR benches only the
// layers whose name holds SUBSTR. Layers: the CIFAR Spiking-ResNet18 shapes
// above and the ImageNet ResNet18 3x3 shapes (56x56 .. 14x14, "imagenet").
//
// Each timing is the median over kIters launches after kWarmup, measured with
// CUDA events around one CUDA-graph launch (direct launches if capture fails);
// the sparse timing covers everything a run pays: counter reset, prescan and
// conv. Prints a table and writes JSON (default sparse_conv_bench.json or
// sparse_conv_bench_fp16.json). Exits 0 without a GPU.
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cuda/cuda_status.h"
#include "cuda/cudnn_conv.h"
#include "cuda/kernels/sparse_conv.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "cuda/kernels/spike_gather_conv.h"
#include "cuda/resources.h"
#include "graph/float16.h"
#include "graph/passes/block_selection.h"
#include "graph/status.h"

namespace sf {
namespace {

constexpr int64_t kBatch = 64;  // T * N
constexpr int kWarmup = 10;
constexpr int kIters = 100;
constexpr size_t kCudnnWorkspaceLimit = size_t{256} << 20;
constexpr double kDensities[] = {0.01, 0.05, 0.1, 0.3};
// Clustered pattern: this share of (image, channel) planes is silent, and in
// the others kCell x kCell cells are live with probability min(1, 4 * density).
constexpr double kSilentPlanes = 0.5;
constexpr int64_t kCell = 4;

struct Layer {
  const char* name;
  int64_t c_in, c_out, h;
  int k, stride;
};

constexpr Layer kLayers[] = {
    {"layer1 3x3", 64, 64, 32, 3, 1},           {"layer2 3x3", 128, 128, 16, 3, 1},
    {"layer3 3x3", 256, 256, 8, 3, 1},          {"layer4 3x3", 512, 512, 4, 3, 1},
    {"layer2 down 3x3/2", 64, 128, 32, 3, 2},   {"layer3 down 3x3/2", 128, 256, 16, 3, 2},
    {"layer4 down 3x3/2", 256, 512, 8, 3, 2},   {"layer2 short 1x1/2", 64, 128, 32, 1, 2},
    {"layer3 short 1x1/2", 128, 256, 16, 1, 2}, {"layer4 short 1x1/2", 256, 512, 8, 1, 2},
    {"imagenet l1 3x3", 64, 64, 56, 3, 1},      {"imagenet l2 3x3", 128, 128, 28, 3, 1},
    {"imagenet l3 3x3", 256, 256, 14, 3, 1}};

// Runs of the op per CUDA graph (--reps); the timing is divided by it.
int g_reps = 1;

struct Row {
  std::string layer, pattern;
  double density = 0, measured_density = 0;
  int tile = 0;
  double active_tiles = 0, active_groups = 0;  // fractions
  double cudnn_us = 0, sparse_us = 0, max_rel_err = 0;
  double prescan_us = -1;  // fp16: the prescan alone (no bias writes); -1: not timed
  // fp16: the spike-gather conv (spike_gather_conv.h), its max error vs cuDNN;
  // -1: not run (unsupported shape)
  double gather_us = -1, gather_max_rel_err = -1;
};

// Binary spikes with overall rate `density`.
std::vector<float> MakeSpikes(const Layer& l, double density, bool clustered, std::mt19937& rng) {
  std::vector<float> x(static_cast<size_t>(kBatch * l.c_in * l.h * l.h), 0.0f);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double cell_rate = clustered ? std::min(1.0, 4.0 * density) : 1.0;
  const double plane_rate = clustered ? 1.0 - kSilentPlanes : 1.0;
  const double inside = density / (cell_rate * plane_rate);
  const int64_t cells = (l.h + kCell - 1) / kCell;
  std::vector<char> live(static_cast<size_t>(cells * cells));
  for (int64_t plane = 0; plane < kBatch * l.c_in; ++plane) {
    if (!(u(rng) < plane_rate)) continue;
    for (char& c : live) c = u(rng) < cell_rate;
    float* p = x.data() + plane * l.h * l.h;
    for (int64_t r = 0; r < l.h; ++r) {
      for (int64_t c = 0; c < l.h; ++c) {
        if (live[(r / kCell) * cells + c / kCell] && u(rng) < inside) p[r * l.h + c] = 1.0f;
      }
    }
  }
  return x;
}

std::vector<float> RandomVector(size_t size, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-0.1f, 0.1f);
  std::vector<float> v(size);
  for (float& f : v) f = u(rng);
  return v;
}

absl::Status Upload(const cuda::DeviceBuffer& dst, const std::vector<float>& src) {
  SF_CUDA_RETURN_IF_ERROR(
      cudaMemcpy(dst.data(), src.data(), src.size() * sizeof(float), cudaMemcpyHostToDevice));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> Download(const cuda::DeviceBuffer& src) {
  std::vector<float> v(src.bytes() / sizeof(float));
  SF_CUDA_RETURN_IF_ERROR(cudaMemcpy(v.data(), src.data(), src.bytes(), cudaMemcpyDeviceToHost));
  return v;
}

// Median microseconds of `enqueue` on `stream`, replayed as a CUDA graph when
// it can be captured.
absl::StatusOr<double> MedianMicros(cudaStream_t stream,
                                    const std::function<absl::Status()>& enqueue) {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  if (cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) == cudaSuccess) {
    absl::Status captured = absl::OkStatus();
    for (int r = 0; r < g_reps && captured.ok(); ++r) captured = enqueue();
    if (cudaStreamEndCapture(stream, &graph) != cudaSuccess || !captured.ok() ||
        cudaGraphInstantiate(&exec, graph, 0) != cudaSuccess) {
      exec = nullptr;
    }
  }
  cudaGetLastError();  // clear the (non-sticky) error a failed capture leaves
  auto run = [&]() -> absl::Status {
    if (exec != nullptr) {
      SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(exec, stream));
      return absl::OkStatus();
    }
    for (int r = 0; r < g_reps; ++r) SF_RETURN_IF_ERROR(enqueue());
    return absl::OkStatus();
  };
  SF_ASSIGN_OR_RETURN(cuda::Event start, cuda::Event::Create(0));
  SF_ASSIGN_OR_RETURN(cuda::Event end, cuda::Event::Create(0));
  std::vector<double> us;
  absl::Status status = absl::OkStatus();
  for (int i = 0; i < kWarmup + kIters && status.ok(); ++i) {
    status = start.Record(stream);
    if (status.ok()) status = run();
    if (status.ok()) status = end.Record(stream);
    if (!status.ok()) break;
    absl::StatusOr<float> ms = cuda::Event::ElapsedMs(start, end);  // synchronises
    if (!ms.ok()) status = ms.status();
    if (status.ok() && i >= kWarmup) us.push_back(1000.0 * *ms / g_reps);
  }
  if (exec != nullptr) cudaGraphExecDestroy(exec);
  if (graph != nullptr) cudaGraphDestroy(graph);
  SF_RETURN_IF_ERROR(status);
  std::nth_element(us.begin(), us.begin() + us.size() / 2, us.end());
  return us[us.size() / 2];
}

int64_t OutEdge(const Layer& l) { return (l.h + 2 * (l.k / 2) - l.k) / l.stride + 1; }

// The plan's block for the layer (the H rule; 4 where the rule replaces nothing).
int PlanBlock(const Layer& l) {
  const int block = BlockRule{}.BlockFor(l.h);
  return block > 0 ? block : 4;
}

// The layer at batch kBatch, binary input, `tile`; pads k / 2.
cuda::SparseConvShape SparseShapeOf(const Layer& l, int tile) {
  const int64_t out = OutEdge(l);
  return cuda::SparseConvShape{kBatch, l.c_in,   l.h,     l.h,     l.c_out, out, out,
                               l.k,    l.stride, l.k / 2, l.k / 2, tile,    true};
}

cuda::ConvShape CudnnShapeOf(const Layer& l) {
  const int64_t out = OutEdge(l), pad = l.k / 2;
  return cuda::ConvShape{kBatch,   l.c_in, l.h, l.h, l.c_out, l.k, l.k, l.stride,
                         l.stride, pad,    pad, 1,   1,       1,   out, out};
}

// max |got - want| over max |want| (the error itself when want is all 0).
double MaxRelErr(const std::vector<float>& want, const std::vector<float>& got) {
  double max_ref = 0, max_err = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(double{want[i]}));
    max_err = std::max(max_err, std::fabs(double{got[i]} - want[i]));
  }
  return max_ref > 0 ? max_err / max_ref : max_err;
}

// One table row: what a run of both kernels on `spikes` left behind.
Row MakeRow(const Layer& l, const std::string& pattern, double density,
            const std::vector<float>& spikes, int tile, int group,
            const cuda::SparseConvCounters& counters, const std::vector<float>& want,
            const std::vector<float>& got, double cudnn_us) {
  Row row;
  row.layer = l.name;
  row.pattern = pattern;
  row.density = density;
  row.measured_density =
      std::count(spikes.begin(), spikes.end(), 1.0f) / static_cast<double>(spikes.size());
  row.tile = tile;
  const int tiles = counters.active_tiles + counters.empty_tiles;
  row.active_tiles = tiles > 0 ? counters.active_tiles / static_cast<double>(tiles) : 0;
  row.active_groups = tiles > 0 ? counters.active_groups /
                                      (static_cast<double>(tiles) * ((l.c_in + group - 1) / group))
                                : 0;
  row.max_rel_err = MaxRelErr(want, got);
  row.cudnn_us = cudnn_us;
  return row;
}

absl::StatusOr<std::vector<Row>> BenchLayer(const Layer& l, cudaStream_t stream,
                                            cudnnHandle_t cudnn, std::mt19937& rng) {
  const cuda::SparseConvShape s = SparseShapeOf(l, cuda::SparseConvTileFor(PlanBlock(l)));
  if (const std::string why = cuda::SparseConvUnsupportedReason(s); !why.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(l.name, ": ", why));
  }
  const int64_t out = OutEdge(l);
  SF_ASSIGN_OR_RETURN(cuda::CudnnConv dense,
                      cuda::CudnnConv::Create(cudnn, CudnnShapeOf(l), kCudnnWorkspaceLimit));
  const std::vector<float> w = RandomVector(static_cast<size_t>(l.c_out * l.c_in * l.k * l.k), rng);
  std::vector<float> packed(w.size());
  cuda::RepackSparseConvWeights(w.data(), l.c_out, l.c_in, l.k, packed.data());
  const std::vector<float> bias = RandomVector(static_cast<size_t>(l.c_out), rng);
  const size_t x_bytes = sizeof(float) * kBatch * l.c_in * l.h * l.h;
  const size_t y_bytes = sizeof(float) * kBatch * l.c_out * out * out;
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dx, cuda::DeviceBuffer::Create(0, x_bytes));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dw, cuda::DeviceBuffer::Create(0, w.size() * 4));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dwp, cuda::DeviceBuffer::Create(0, w.size() * 4));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer db, cuda::DeviceBuffer::Create(0, bias.size() * 4));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dy_dense, cuda::DeviceBuffer::Create(0, y_bytes));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dy_sparse, cuda::DeviceBuffer::Create(0, y_bytes));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dense_ws,
                      cuda::DeviceBuffer::Create(0, dense.workspace_bytes()));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer sparse_ws,
                      cuda::DeviceBuffer::Create(0, cuda::SparseConvWorkspaceBytes(s)));
  SF_RETURN_IF_ERROR(Upload(dw, w));
  SF_RETURN_IF_ERROR(Upload(dwp, packed));
  SF_RETURN_IF_ERROR(Upload(db, bias));
  const auto* x = static_cast<const float*>(dx.data());
  auto run_dense = [&]() {
    return dense.Forward(cudnn, x, static_cast<const float*>(dw.data()),
                         static_cast<const float*>(db.data()), static_cast<float*>(dy_dense.data()),
                         dense_ws.data());
  };
  auto run_sparse = [&]() -> absl::Status {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConv(
        s, x, static_cast<const float*>(dwp.data()), static_cast<const float*>(db.data()),
        static_cast<float*>(dy_sparse.data()), sparse_ws.data(), stream));
    return absl::OkStatus();
  };
  // cuDNN's time does not depend on the values; measure it once per layer.
  SF_RETURN_IF_ERROR(Upload(dx, MakeSpikes(l, 0.1, false, rng)));
  SF_ASSIGN_OR_RETURN(const double cudnn_us, MedianMicros(stream, run_dense));

  std::vector<Row> rows;
  for (bool clustered : {false, true}) {
    for (double density : kDensities) {
      const std::vector<float> spikes = MakeSpikes(l, density, clustered, rng);
      SF_RETURN_IF_ERROR(Upload(dx, spikes));
      SF_RETURN_IF_ERROR(run_dense());
      SF_RETURN_IF_ERROR(run_sparse());
      SF_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
      SF_ASSIGN_OR_RETURN(std::vector<float> want, Download(dy_dense));
      SF_ASSIGN_OR_RETURN(std::vector<float> got, Download(dy_sparse));
      cuda::SparseConvCounters counters;
      SF_CUDA_RETURN_IF_ERROR(cuda::ReadSparseConvCounters(sparse_ws.data(), &counters));
      Row row = MakeRow(l, clustered ? "clustered" : "uniform", density, spikes, s.tile,
                        cuda::kSparseConvChannelGroup, counters, want, got, cudnn_us);
      SF_ASSIGN_OR_RETURN(row.sparse_us, MedianMicros(stream, run_sparse));
      rows.push_back(row);
    }
  }
  return rows;
}

// Binary spikes in a `fraction` of the output tiles of `tile` x `tile`
// pixels (each tile live with that probability): 10% of the input pixels of
// a live tile, every channel, away from its borders (rows and columns 1 ..
// tile * stride - 2 of its input window), so no other tile's halo reads them.
std::vector<float> MakeTileSpikes(const Layer& l, int tile, double fraction, std::mt19937& rng) {
  std::vector<float> x(static_cast<size_t>(kBatch * l.c_in * l.h * l.h), 0.0f);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const int64_t tiles = (OutEdge(l) + tile - 1) / tile;
  const int64_t edge = static_cast<int64_t>(tile) * l.stride;
  for (int64_t n = 0; n < kBatch; ++n) {
    for (int64_t ty = 0; ty < tiles; ++ty) {
      for (int64_t tx = 0; tx < tiles; ++tx) {
        if (!(u(rng) < fraction)) continue;
        for (int64_t c = 0; c < l.c_in; ++c) {
          float* plane = x.data() + (n * l.c_in + c) * l.h * l.h;
          for (int64_t r = ty * edge + 1; r < std::min((ty + 1) * edge - 1, l.h); ++r) {
            for (int64_t col = tx * edge + 1; col < std::min((tx + 1) * edge - 1, l.h); ++col) {
              if (u(rng) < 0.1) plane[r * l.h + col] = 1.0f;
            }
          }
        }
      }
    }
  }
  return x;
}

std::vector<uint16_t> ToHalf(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = FloatToHalf(v[i]);
  return h;
}

// [n][c][h][w] (or [k][c][r][s]) -> [n][h][w][c] halves.
std::vector<uint16_t> ToNhwcHalf(const std::vector<float>& x, int64_t n, int64_t c, int64_t hw) {
  std::vector<uint16_t> y(x.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < hw; ++i)
        y[(b * hw + i) * c + k] = FloatToHalf(x[(b * c + k) * hw + i]);
  return y;
}

absl::Status UploadHalf(const cuda::DeviceBuffer& dst, const std::vector<uint16_t>& src) {
  SF_CUDA_RETURN_IF_ERROR(
      cudaMemcpy(dst.data(), src.data(), src.size() * sizeof(uint16_t), cudaMemcpyHostToDevice));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> DownloadHalf(const cuda::DeviceBuffer& src) {
  std::vector<uint16_t> h(src.bytes() / sizeof(uint16_t));
  SF_CUDA_RETURN_IF_ERROR(cudaMemcpy(h.data(), src.data(), src.bytes(), cudaMemcpyDeviceToHost));
  std::vector<float> v(h.size());
  for (size_t i = 0; i < h.size(); ++i) v[i] = HalfToFloat(h[i]);
  return v;
}

// The FP16 NHWC tensor-core sparse conv against cuDNN FP16 NHWC.
absl::StatusOr<std::vector<Row>> BenchLayerF16(const Layer& l, cudaStream_t stream,
                                               cudnnHandle_t cudnn, std::mt19937& rng) {
  cuda::SparseConvShape s = SparseShapeOf(l, cuda::SparseConvF16TileFor(PlanBlock(l)));
  s.cout_chunk = cuda::SparseConvF16ChunkFor(s.tile);  // as the runtime runs it
  // SF_SPARSE_F16_GROUP_TILES=off: one tile per work item, as the runtime.
  if (const char* e = std::getenv("SF_SPARSE_F16_GROUP_TILES"); e != nullptr) {
    s.group_tiles = std::string(e) != "off";
  }
  if (const std::string why = cuda::SparseConvF16UnsupportedReason(s); !why.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(l.name, ": ", why));
  }
  const int64_t out = OutEdge(l);
  SF_ASSIGN_OR_RETURN(cuda::CudnnConv dense,
                      cuda::CudnnConv::Create(cudnn, CudnnShapeOf(l), kCudnnWorkspaceLimit,
                                              /*allow_tf32=*/false, /*timed_search=*/true,
                                              DataType::kFloat16, CUDNN_TENSOR_NHWC,
                                              /*gemm_only=*/false, /*with_bias=*/true));
  const std::vector<float> w = RandomVector(static_cast<size_t>(l.c_out * l.c_in * l.k * l.k), rng);
  const std::vector<uint16_t> w_krsc = ToNhwcHalf(w, l.c_out, l.c_in, l.k * l.k);
  std::vector<uint16_t> packed(
      static_cast<size_t>(cuda::SparseConvF16PackedWeightElems(l.c_out, l.c_in, l.k)));
  cuda::RepackSparseConvF16Weights(w_krsc.data(), l.c_out, l.c_in, l.k, /*krsc=*/true,
                                   packed.data());
  const bool gather = *cuda::SpikeGatherConvUnsupportedReason(s) == '\0';
  std::vector<uint16_t> gather_packed(
      static_cast<size_t>(cuda::SpikeGatherConvPackedWeightElems(l.c_out, l.c_in, l.k)));
  if (gather) {
    cuda::RepackSpikeGatherConvWeights(w_krsc.data(), l.c_out, l.c_in, l.k, /*krsc=*/true,
                                       gather_packed.data());
  }
  const std::vector<uint16_t> bias = ToHalf(RandomVector(static_cast<size_t>(l.c_out), rng));
  const size_t x_bytes = 2 * kBatch * l.c_in * l.h * l.h;
  const size_t y_bytes = 2 * kBatch * l.c_out * out * out;
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dx, cuda::DeviceBuffer::Create(0, x_bytes));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dw, cuda::DeviceBuffer::Create(0, w_krsc.size() * 2));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dwp, cuda::DeviceBuffer::Create(0, packed.size() * 2));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer db, cuda::DeviceBuffer::Create(0, bias.size() * 2));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dy_dense, cuda::DeviceBuffer::Create(0, y_bytes));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dy_sparse, cuda::DeviceBuffer::Create(0, y_bytes));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dense_ws,
                      cuda::DeviceBuffer::Create(0, dense.workspace_bytes()));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer sparse_ws,
                      cuda::DeviceBuffer::Create(0, cuda::SparseConvF16WorkspaceBytes(s)));
  SF_RETURN_IF_ERROR(UploadHalf(dw, w_krsc));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dwg,
                      cuda::DeviceBuffer::Create(0, std::max<size_t>(gather_packed.size(), 1) * 2));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dy_gather, cuda::DeviceBuffer::Create(0, y_bytes));
  SF_RETURN_IF_ERROR(UploadHalf(dwp, packed));
  SF_RETURN_IF_ERROR(UploadHalf(dwg, gather_packed));
  SF_RETURN_IF_ERROR(UploadHalf(db, bias));
  auto run_dense = [&]() {
    return dense.Forward(cudnn, dx.data(), dw.data(), db.data(), dy_dense.data(), dense_ws.data());
  };
  auto run_gather = [&]() -> absl::Status {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSpikeGatherConvF16(
        s, static_cast<const __half*>(dx.data()), static_cast<const uint16_t*>(dwg.data()),
        static_cast<const __half*>(db.data()), static_cast<__half*>(dy_gather.data()), stream));
    return absl::OkStatus();
  };
  auto run_sparse = [&]() -> absl::Status {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16(
        s, /*nhwc=*/true, static_cast<const __half*>(dx.data()),
        static_cast<const uint16_t*>(dwp.data()), static_cast<const __half*>(db.data()),
        static_cast<__half*>(dy_sparse.data()), sparse_ws.data(), stream));
    return absl::OkStatus();
  };
  const int64_t hw = l.h * l.h;
  SF_RETURN_IF_ERROR(
      UploadHalf(dx, ToNhwcHalf(MakeSpikes(l, 0.1, false, rng), kBatch, l.c_in, hw)));
  SF_ASSIGN_OR_RETURN(const double cudnn_us, MedianMicros(stream, run_dense));

  struct Pattern {
    const char* name;
    double value;
  };
  std::vector<Pattern> patterns;
  for (double f : {0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0}) patterns.push_back({"tiles", f});
  for (double d : kDensities) patterns.push_back({"uniform", d});
  for (double d : kDensities) patterns.push_back({"clustered", d});
  std::vector<Row> rows;
  for (const Pattern& pat : patterns) {
    const std::string name = pat.name;
    const std::vector<float> spikes = name == "tiles"
                                          ? MakeTileSpikes(l, s.tile, pat.value, rng)
                                          : MakeSpikes(l, pat.value, name == "clustered", rng);
    SF_RETURN_IF_ERROR(UploadHalf(dx, ToNhwcHalf(spikes, kBatch, l.c_in, hw)));
    SF_RETURN_IF_ERROR(run_dense());
    SF_RETURN_IF_ERROR(run_sparse());
    SF_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
    SF_ASSIGN_OR_RETURN(std::vector<float> want, DownloadHalf(dy_dense));
    SF_ASSIGN_OR_RETURN(std::vector<float> got, DownloadHalf(dy_sparse));
    cuda::SparseConvCounters counters;
    SF_CUDA_RETURN_IF_ERROR(cuda::ReadSparseConvCounters(sparse_ws.data(), &counters));
    Row row = MakeRow(l, name, pat.value, spikes, s.tile, cuda::kSparseConvF16Group, counters, want,
                      got, cudnn_us);
    SF_ASSIGN_OR_RETURN(row.sparse_us, MedianMicros(stream, run_sparse));
    SF_ASSIGN_OR_RETURN(
        row.prescan_us, MedianMicros(stream, [&]() -> absl::Status {
          SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16Prescan(
              s, /*nhwc=*/true, static_cast<const __half*>(dx.data()), sparse_ws.data(), stream));
          return absl::OkStatus();
        }));
    if (gather) {
      SF_RETURN_IF_ERROR(run_gather());
      SF_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
      SF_ASSIGN_OR_RETURN(std::vector<float> g, DownloadHalf(dy_gather));
      row.gather_max_rel_err = MaxRelErr(want, g);
      SF_ASSIGN_OR_RETURN(row.gather_us, MedianMicros(stream, run_gather));
    }
    rows.push_back(row);
  }
  return rows;
}

// The active-tile fraction where the sparse kernel stops beating cuDNN, by
// linear interpolation of the speedup over the "tiles" rows of one layer; 1
// when it is never slower, 0 when it is always slower.
double CrossoverTileDensity(std::vector<Row> rows) {
  std::erase_if(rows, [](const Row& r) { return r.pattern != "tiles"; });
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.active_tiles < b.active_tiles; });
  for (size_t i = 0; i < rows.size(); ++i) {
    const double speedup = rows[i].cudnn_us / rows[i].sparse_us;
    if (speedup >= 1.0) continue;
    if (i == 0) return 0.0;
    const double s0 = rows[i - 1].cudnn_us / rows[i - 1].sparse_us;
    const double t0 = rows[i - 1].active_tiles, t1 = rows[i].active_tiles;
    return t0 + (s0 - 1.0) / (s0 - speedup) * (t1 - t0);
  }
  return 1.0;
}

std::string ToJson(const std::vector<Row>& rows, const std::string& device,
                   const std::string& precision) {
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string out =
      absl::StrCat("{\"bench\": \"sparse_conv_bench\", \"date\": \"", date, "\", \"device\": \"",
                   device, "\", \"cudnn\": ", cudnnGetVersion(), ", \"batch\": ", kBatch,
                   ", \"precision\": \"", precision, "\", \"warmup\": ", kWarmup,
                   ", \"iters\": ", kIters, ", \"runs_per_graph\": ", g_reps, ", \"rows\": [");
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    absl::StrAppend(
        &out, i ? ",\n  " : "\n  ",
        absl::StrFormat("{\"layer\": \"%s\", \"pattern\": \"%s\", \"density\": %g, "
                        "\"measured_density\": %.5f, \"tile\": %d, "
                        "\"active_tiles\": %.4f, \"active_groups\": %.4f, "
                        "\"cudnn_us\": %.2f, \"sparse_us\": %.2f, "
                        "\"speedup\": %.3f, \"max_rel_err\": %.3g, "
                        "\"prescan_us\": %.2f, \"gather_us\": %.2f, "
                        "\"gather_max_rel_err\": %.3g}",
                        r.layer, r.pattern, r.density, r.measured_density, r.tile, r.active_tiles,
                        r.active_groups, r.cudnn_us, r.sparse_us, r.cudnn_us / r.sparse_us,
                        r.max_rel_err, r.prescan_us, r.gather_us, r.gather_max_rel_err));
  }
  absl::StrAppend(&out, "\n]}\n");
  return out;
}

int Main(int argc, char** argv) {
  int arg = 1;
  const bool fp16 = argc > arg && std::string(argv[arg]) == "fp16";
  if (argc > arg && (fp16 || std::string(argv[arg]) == "fp32")) ++arg;
  std::string only;
  while (argc > arg + 1 &&
         (std::string(argv[arg]) == "--reps" || std::string(argv[arg]) == "--only")) {
    if (std::string(argv[arg]) == "--only") {
      only = argv[arg + 1];
    } else {
      g_reps = std::atoi(argv[arg + 1]);
      if (g_reps < 1 || g_reps > 1000) {
        std::fprintf(stderr, "sparse_conv_bench: --reps wants 1..1000, got %s\n", argv[arg + 1]);
        return 2;
      }
    }
    arg += 2;
  }
  // Left: at most the JSON path, never an option (one without its value).
  if (argc > arg + 1 || (argc > arg && std::string(argv[arg]).rfind("--", 0) == 0)) {
    std::fprintf(stderr,
                 "usage: sparse_conv_bench [fp32|fp16] [--reps K] [--only SUBSTR] [JSON]\n");
    return 2;
  }
  if (std::none_of(std::begin(kLayers), std::end(kLayers), [&](const Layer& l) {
        return std::string(l.name).find(only) != std::string::npos;
      })) {
    std::fprintf(stderr, "sparse_conv_bench: no layer name holds '%s'\n", only.c_str());
    return 2;
  }
  const std::string json_path =
      argc > arg ? argv[arg] : (fp16 ? "sparse_conv_bench_fp16.json" : "sparse_conv_bench.json");
  const std::string precision = fp16 ? "fp16 nhwc" : "fp32 nchw";
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("sparse_conv_bench: no CUDA GPU present; nothing measured\n");
    return 0;
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  absl::StatusOr<cuda::Stream> stream = cuda::Stream::Create(0);
  if (!stream.ok()) {
    std::fprintf(stderr, "sparse_conv_bench: %s\n", std::string(stream.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<cuda::CudnnHandle> cudnn = cuda::CudnnHandle::Create(0, stream->get());
  if (!cudnn.ok()) {
    std::fprintf(stderr, "sparse_conv_bench: %s\n", std::string(cudnn.status().message()).c_str());
    return 1;
  }
  std::printf(
      "sparse_conv_bench on %s, cuDNN %zu, batch %lld, %s, median of %d, %d run(s) per "
      "graph\n",
      prop.name, cudnnGetVersion(), static_cast<long long>(kBatch), precision.c_str(), kIters,
      g_reps);
  std::printf("%-20s %-9s %7s %7s %4s %7s %7s %9s %9s %7s %9s %8s %9s %7s %9s\n", "layer",
              "pattern", "density", "actual", "tile", "tiles%", "groups%", "cudnn_us", "sparse_us",
              "speedup", "max_err", "prescan", "gather_us", "speedup", "g_max_err");
  std::mt19937 rng(2026);
  std::vector<Row> all;
  int failures = 0;
  for (const Layer& l : kLayers) {
    if (std::string(l.name).find(only) == std::string::npos) continue;
    absl::StatusOr<std::vector<Row>> rows = fp16
                                                ? BenchLayerF16(l, stream->get(), cudnn->get(), rng)
                                                : BenchLayer(l, stream->get(), cudnn->get(), rng);
    if (!rows.ok()) {
      std::fprintf(stderr, "%s: %s\n", l.name, std::string(rows.status().message()).c_str());
      ++failures;
      continue;
    }
    for (const Row& r : *rows) {
      std::printf(
          "%-20s %-9s %7.3f %7.4f %4d %7.1f %7.1f %9.2f %9.2f %7.2fx %9.2e %8.2f %9.2f %7.2fx "
          "%9.2e\n",
          r.layer.c_str(), r.pattern.c_str(), r.density, r.measured_density, r.tile,
          100 * r.active_tiles, 100 * r.active_groups, r.cudnn_us, r.sparse_us,
          r.cudnn_us / r.sparse_us, r.max_rel_err, r.prescan_us, r.gather_us,
          r.gather_us > 0 ? r.cudnn_us / r.gather_us : 0.0, r.gather_max_rel_err);
      all.push_back(r);
    }
    if (fp16) {
      std::printf("%-20s crossover tile density %.3f (sparse faster below it)\n", l.name,
                  CrossoverTileDensity(*rows));
    }
  }
  if (std::FILE* f = std::fopen(json_path.c_str(), "w")) {
    const std::string json = ToJson(all, prop.name, precision);
    std::fwrite(json.data(), 1, json.size(), f);
    std::fclose(f);
    std::printf("wrote %s\n", json_path.c_str());
  } else {
    std::fprintf(stderr, "sparse_conv_bench: cannot write %s\n", json_path.c_str());
    ++failures;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace sf

int main(int argc, char** argv) { return sf::Main(argc, argv); }
