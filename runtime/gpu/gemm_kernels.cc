// GPU Gemm and MatMul through cublasGemmEx with float32 accumulation
// (CUBLAS_COMPUTE_32F): float32 tensors under the handle's math mode
// (pedantic: no TF32, unless allowed), float16 tensors (CUDA_R_16F) with
// tensor-op math. Tensors are row-major, so C = A * B is computed as
// C^T = B^T * A^T in cuBLAS's column-major view, which needs no transposition
// of the data. alpha and beta are float32 in both cases.
#include <climits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "cuda/kernels/data_movement.h"
#include "cuda/kernels/small_gemm.h"
#include "graph/status.h"
#include "runtime/cpu/broadcast.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/gpu/float_type.h"
#include "runtime/gpu/gpu_kernel_factories.h"
#include "runtime/gpu/indexing.h"

namespace sf {
namespace {

// One row-major product C[m, n] = op(A) op(B) per batch item; op(A) is [m, k].
struct GemmShape {
  int m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int batch = 1;
  // Element offsets of each batch item; when `uniform`, item i is at i * stride.
  bool uniform = true;
  long long stride_a = 0, stride_b = 0, stride_c = 0;
  std::vector<int64_t> offsets_a, offsets_b;
  DataType type = DataType::kFloat32;  // of A, B and C: kFloat32 or kFloat16
};

// Switches a cuBLAS handle's math mode for one scope and restores it after.
class ScopedMathMode {
 public:
  ScopedMathMode(cublasHandle_t handle, bool active) : handle_(active ? handle : nullptr) {
    if (handle_ != nullptr && cublasGetMathMode(handle_, &saved_) == CUBLAS_STATUS_SUCCESS) {
      set_ = cublasSetMathMode(handle_, CUBLAS_DEFAULT_MATH) == CUBLAS_STATUS_SUCCESS;
    }
  }
  ~ScopedMathMode() {
    if (set_) cublasSetMathMode(handle_, saved_);
  }
  ScopedMathMode(const ScopedMathMode&) = delete;
  ScopedMathMode& operator=(const ScopedMathMode&) = delete;

 private:
  cublasHandle_t handle_;
  cublasMath_t saved_ = CUBLAS_DEFAULT_MATH;
  bool set_ = false;
};

absl::StatusOr<int> ToInt(const Node& node, int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX) return NodeError(node, what, " = ", v, " is too large for cuBLAS");
  return static_cast<int>(v);
}

absl::Status EnqueueGemm(cublasHandle_t handle, const GemmShape& g, const void* a,
                         const void* b, void* c, float alpha, float beta) {
  const cublasOperation_t op_a = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int lda = g.trans_a ? g.m : g.k;
  const int ldb = g.trans_b ? g.k : g.n;
  if (g.m == 0 || g.n == 0 || g.batch == 0) return absl::OkStatus();
  const bool half = g.type == DataType::kFloat16;
  const cudaDataType_t t = half ? CUDA_R_16F : CUDA_R_32F;
  const int64_t elem = static_cast<int64_t>(SizeOf(g.type));
  const ScopedMathMode math(handle, /*active=*/half);  // tensor cores for float16
  if (g.uniform) {
    SF_CUBLAS_RETURN_IF_ERROR(cublasGemmStridedBatchedEx(
        handle, op_b, op_a, g.n, g.m, g.k, &alpha, b, t, ldb, g.stride_b, a, t, lda, g.stride_a,
        &beta, c, t, g.n, g.stride_c, g.batch, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    return absl::OkStatus();
  }
  const char* bytes_a = static_cast<const char*>(a);
  const char* bytes_b = static_cast<const char*>(b);
  char* bytes_c = static_cast<char*>(c);
  for (int i = 0; i < g.batch; ++i) {
    SF_CUBLAS_RETURN_IF_ERROR(cublasGemmEx(
        handle, op_b, op_a, g.n, g.m, g.k, &alpha, bytes_b + g.offsets_b[i] * elem, t, ldb,
        bytes_a + g.offsets_a[i] * elem, t, lda, &beta, bytes_c + g.stride_c * i * elem, t, g.n,
        CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  }
  return absl::OkStatus();
}

std::string DescribeGemm(DataType t, bool small = false) {
  const char* what = small ? "small-gemm" : "cublas";
  return absl::StrCat(what, t == DataType::kFloat16 ? " fp16 (fp32 accumulate)" : " fp32");
}

class GemmKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 3, 1, 1));
    SF_ASSIGN_OR_RETURN(g_.type, CheckGpuFloatType(graph, node, /*allow_half=*/true));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> a, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> b, InputDims(graph, node, 1));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(alpha_, node.attrs.GetFloatOr("alpha", 1.0f));
    SF_ASSIGN_OR_RETURN(beta_, node.attrs.GetFloatOr("beta", 1.0f));
    SF_ASSIGN_OR_RETURN(int64_t trans_a, node.attrs.GetIntOr("transA", 0));
    SF_ASSIGN_OR_RETURN(int64_t trans_b, node.attrs.GetIntOr("transB", 0));
    if (a.size() != 2 || b.size() != 2 || y.size() != 2) {
      return NodeError(node, "A, B and Y must be 2-D");
    }
    g_.trans_a = trans_a != 0;
    g_.trans_b = trans_b != 0;
    const int64_t m = g_.trans_a ? a[1] : a[0], k = g_.trans_a ? a[0] : a[1];
    const int64_t kb = g_.trans_b ? b[1] : b[0], n = g_.trans_b ? b[0] : b[1];
    if (k != kb || y != std::vector<int64_t>{m, n}) {
      return NodeError(node, "A ", ShapeToString(a), " and B ", ShapeToString(b),
                       " do not multiply into ", ShapeToString(y));
    }
    SF_ASSIGN_OR_RETURN(g_.m, ToInt(node, m, "M"));
    SF_ASSIGN_OR_RETURN(g_.n, ToInt(node, n, "N"));
    SF_ASSIGN_OR_RETURN(g_.k, ToInt(node, k, "K"));
    has_c_ = HasInput(node, 2) && beta_ != 0.0f;
    if (has_c_) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> c, InputDims(graph, node, 2));
      const std::vector<std::vector<int64_t>> pair = {c, y};
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> joint, BroadcastDims(node, pair));
      if (joint != y) return NodeError(node, "C ", ShapeToString(c), " does not broadcast to Y");
      const std::vector<std::vector<int64_t>> strides = {BroadcastStrides(c, y),
                                                         ContiguousStrides(y)};
      SF_ASSIGN_OR_RETURN(c_copy_, MakeIndexer(node, y, strides));
      small_.c_row_stride = strides[0][0];
      small_.c_col_stride = strides[0][1];
    }
    // A small product (a classifier head) runs in one kernel with C fused.
    use_small_ = cuda::SmallGemmPreferred(m, n, k);
    small_.m = m;
    small_.n = n;
    small_.k = k;
    small_.trans_a = g_.trans_a;
    small_.trans_b = g_.trans_b;
    small_.alpha = alpha_;
    small_.beta = beta_;
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    if (use_small_) {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSmallGemm(small_, g_.type, in[0], in[1],
                                                    has_c_ ? in[2] : nullptr, out[0], ctx.stream));
      return absl::OkStatus();
    }
    if (has_c_) {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchStridedCopy(
          SizeOf(g_.type), c_copy_, int64_t{g_.m} * g_.n, in[2], out[0], ctx.stream));
    }
    return EnqueueGemm(ctx.cublas, g_, in[0], in[1], out[0], alpha_, has_c_ ? beta_ : 0.0f);
  }
  std::string Describe() const override { return DescribeGemm(g_.type, use_small_); }

 private:
  GemmShape g_;
  float alpha_ = 1.0f, beta_ = 1.0f;
  bool has_c_ = false;
  cuda::Indexer c_copy_;
  bool use_small_ = false;
  cuda::SmallGemmShape small_;
};

class MatMulKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 2, 1, 1));
    SF_ASSIGN_OR_RETURN(g_.type, CheckGpuFloatType(graph, node, /*allow_half=*/true));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> a, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> b, InputDims(graph, node, 1));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (a.empty() || b.empty()) return NodeError(node, "operands must have rank >= 1");
    if (a.size() == 1) a.insert(a.begin(), 1);
    if (b.size() == 1) b.push_back(1);
    const int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
    if (b[b.size() - 2] != k) {
      return NodeError(node, "inner dims differ: ", ShapeToString(a), " x ", ShapeToString(b));
    }
    const std::vector<int64_t> batch_a(a.begin(), a.end() - 2), batch_b(b.begin(), b.end() - 2);
    const std::vector<std::vector<int64_t>> batches = {batch_a, batch_b};
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> batch, BroadcastDims(node, batches));
    const int64_t count = Product(batch);
    if (Product(y) != count * m * n) {
      return NodeError(node, "output shape ", ShapeToString(y), " does not match");
    }
    int64_t rows = m;
    if (Product(batch_b) == 1) {  // one B for all: fold the batch into A's rows
      rows = count * m;
      g_.batch = 1;
    } else {
      SF_ASSIGN_OR_RETURN(g_.batch, ToInt(node, count, "batch"));
      const std::vector<int64_t> sa = BroadcastStrides(batch_a, batch);
      const std::vector<int64_t> sb = BroadcastStrides(batch_b, batch);
      const std::vector<int64_t> out_strides = ContiguousStrides(batch);
      for (int64_t i = 0; i < count; ++i) {
        int64_t oa = 0, ob = 0;
        for (size_t d = 0; d < batch.size(); ++d) {
          const int64_t idx = (i / out_strides[d]) % batch[d];
          oa += idx * sa[d];
          ob += idx * sb[d];
        }
        g_.offsets_a.push_back(oa * m * k);
        g_.offsets_b.push_back(ob * k * n);
      }
      g_.stride_a = count > 1 ? g_.offsets_a[1] : 0;
      g_.stride_b = count > 1 ? g_.offsets_b[1] : 0;
      for (int64_t i = 0; i < count && g_.uniform; ++i) {
        g_.uniform = g_.offsets_a[i] == i * g_.stride_a && g_.offsets_b[i] == i * g_.stride_b;
      }
    }
    g_.stride_c = static_cast<long long>(m * n);
    SF_ASSIGN_OR_RETURN(g_.m, ToInt(node, rows, "M"));
    SF_ASSIGN_OR_RETURN(g_.n, ToInt(node, n, "N"));
    SF_ASSIGN_OR_RETURN(g_.k, ToInt(node, k, "K"));
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    return EnqueueGemm(ctx.cublas, g_, in[0], in[1], out[0], 1.0f, 0.0f);
  }
  std::string Describe() const override { return DescribeGemm(g_.type); }

 private:
  GemmShape g_;
};

}  // namespace

std::unique_ptr<GpuKernel> MakeGpuGemmKernel(OpType) { return std::make_unique<GemmKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuMatMulKernel(OpType) { return std::make_unique<MatMulKernel>(); }

}  // namespace sf
