// Gemm (Y = alpha * op(A) op(B) + beta * C) and MatMul (numpy semantics: batch
// broadcasting, 1-D operands), float32. Each output accumulates over k in
// ascending order in float; a zero of A whose row of B is finite is skipped
// (the same bits, MatMulRows).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/broadcast.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/cpu/parallel.h"

namespace sf {
namespace {

// A strided view of a row-major matrix: element (r, c) is at data[r * rs + c * cs].
struct MatView {
  const float* data;
  int64_t rs, cs;
};

// Rows of y[M, N] = a[M, K] * b[K, N] (y dense row-major, overwritten), from
// one thread. Each output sums a[i, p] * b[p, j] over p in ascending order in
// float. Where finite_rows[p] is set (row p of b holds no Inf or NaN), a zero
// a[i, p] skips the row: its products are +-0, and adding +-0 to a sum that
// starts at +0 leaves the same bits, so spikes and ReLU zeros cost nothing.
// finite_rows may be null (nothing skipped).
void MatMulRows(int64_t i0, int64_t i1, int64_t n, int64_t k, MatView a, MatView b,
                const uint8_t* finite_rows, float* y) {
  for (int64_t i = i0; i < i1; ++i) {
    float* yrow = y + i * n;
    for (int64_t j = 0; j < n; ++j) yrow[j] = 0.0f;
    for (int64_t p = 0; p < k; ++p) {
      const float av = a.data[i * a.rs + p * a.cs];
      if (av == 0.0f && finite_rows != nullptr && finite_rows[p] != 0) continue;
      const float* brow = b.data + p * b.rs;
      if (b.cs == 1) {
        for (int64_t j = 0; j < n; ++j) yrow[j] += av * brow[j];
      } else {
        for (int64_t j = 0; j < n; ++j) yrow[j] += av * brow[j * b.cs];
      }
    }
  }
}

// finite[p] = whether row p of b[K, N] holds only finite values.
void FindFiniteRows(int64_t n, int64_t k, MatView b, uint8_t* finite) {
  for (int64_t p = 0; p < k; ++p) {
    const float* brow = b.data + p * b.rs;
    bool ok = true;
    for (int64_t j = 0; j < n; ++j) ok &= std::isfinite(brow[j * b.cs]);
    finite[p] = ok ? 1 : 0;
  }
}

absl::Status CheckFloatInputs(const Graph& graph, const Node& node) {
  for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
    if (HasInput(node, i) && InputType(graph, node, i) != DataType::kFloat32) {
      return NodeError(node, "input ", i, " must be float32, got ",
                       ToString(InputType(graph, node, i)));
    }
  }
  return absl::OkStatus();
}

class GemmKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 3, 1, 1));
    SF_RETURN_IF_ERROR(CheckFloatInputs(graph, node));
    SF_ASSIGN_OR_RETURN(a_dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(b_dims_, InputDims(graph, node, 1));
    SF_ASSIGN_OR_RETURN(alpha_, node.attrs.GetFloatOr("alpha", 1.0f));
    SF_ASSIGN_OR_RETURN(beta_, node.attrs.GetFloatOr("beta", 1.0f));
    SF_ASSIGN_OR_RETURN(int64_t trans_a, node.attrs.GetIntOr("transA", 0));
    SF_ASSIGN_OR_RETURN(int64_t trans_b, node.attrs.GetIntOr("transB", 0));
    trans_a_ = trans_a != 0;
    trans_b_ = trans_b != 0;
    if (a_dims_.size() != 2 || b_dims_.size() != 2) return NodeError(node, "A and B must be 2-D");
    m_ = trans_a_ ? a_dims_[1] : a_dims_[0];
    k_ = trans_a_ ? a_dims_[0] : a_dims_[1];
    n_ = trans_b_ ? b_dims_[0] : b_dims_[1];
    if ((trans_b_ ? b_dims_[1] : b_dims_[0]) != k_) {
      return NodeError(node, "inner dimensions differ: A ", ShapeToString(a_dims_), ", B ",
                       ShapeToString(b_dims_));
    }
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (y != std::vector<int64_t>{m_, n_}) {
      return NodeError(node, "output shape ", ShapeToString(y), " should be [", m_, ",", n_, "]");
    }
    // An empty output computes nothing (k_ may then be any size).
    if (m_ > 0 && n_ > 0) finite_rows_.assign(static_cast<size_t>(k_), 0);
    has_c_ = HasInput(node, 2);
    if (has_c_) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> c, InputDims(graph, node, 2));
      c_count_ = Product(c);
      const std::vector<int64_t> c_dims[1] = {c};
      SF_ASSIGN_OR_RETURN(c_plan_, BroadcastPlan::Create(node, c_dims, y));
    }
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, a_dims_, "A"));
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[1], DataType::kFloat32, b_dims_, "B"));
    const float* a = inputs[0]->data<float>();
    const float* b = inputs[1]->data<float>();
    const MatView av = trans_a_ ? MatView{a, 1, m_} : MatView{a, k_, 1};
    const MatView bv = trans_b_ ? MatView{b, 1, k_} : MatView{b, n_, 1};
    float* y = outputs[0]->data<float>();
    if (m_ == 0 || n_ == 0) return absl::OkStatus();
    FindFiniteRows(n_, k_, bv, finite_rows_.data());
    ParallelFor(m_, MinChunkFor(n_ * k_), [&](int64_t begin, int64_t end) {
      MatMulRows(begin, end, n_, k_, av, bv, finite_rows_.data(), y);
    });
    for (int64_t i = 0; i < m_ * n_; ++i) y[i] *= alpha_;
    if (!has_c_) return absl::OkStatus();
    if (inputs.size() < 3 || inputs[2] == nullptr || inputs[2]->num_elements() != c_count_ ||
        inputs[2]->dtype() != DataType::kFloat32) {
      return NodeError(label_, "C does not match the prepared shape");
    }
    const float* c = inputs[2]->data<float>();
    const float beta = beta_;
    c_plan_.ForEachRun([&](int64_t out, int64_t len, const BroadcastPlan::Offsets& off,
                           const BroadcastPlan::Offsets& step) {
      for (int64_t j = 0; j < len; ++j) y[out + j] += beta * c[off[0] + j * step[0]];
    });
    return absl::OkStatus();
  }

 private:
  Node label_;
  std::vector<int64_t> a_dims_, b_dims_;
  float alpha_ = 1.0f, beta_ = 1.0f;
  bool trans_a_ = false, trans_b_ = false, has_c_ = false;
  int64_t m_ = 0, n_ = 0, k_ = 0, c_count_ = 0;
  BroadcastPlan c_plan_;
  std::vector<uint8_t> finite_rows_;  // per row of op(B), k_ of them
};

class MatMulKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 2, 1, 1));
    SF_RETURN_IF_ERROR(CheckFloatInputs(graph, node));
    SF_ASSIGN_OR_RETURN(a_dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(b_dims_, InputDims(graph, node, 1));
    if (a_dims_.empty() || b_dims_.empty()) return NodeError(node, "operands must be >= 1-D");
    // Promote 1-D operands to matrices: a [K] -> [1, K], b [K] -> [K, 1].
    std::vector<int64_t> a = a_dims_, b = b_dims_;
    if (a.size() == 1) a.insert(a.begin(), 1);
    if (b.size() == 1) b.push_back(1);
    m_ = a[a.size() - 2];
    k_ = a[a.size() - 1];
    n_ = b[b.size() - 1];
    if (b[b.size() - 2] != k_) {
      return NodeError(node, "inner dimensions differ: A ", ShapeToString(a_dims_), ", B ",
                       ShapeToString(b_dims_));
    }
    const std::vector<int64_t> batches[2] = {std::vector<int64_t>(a.begin(), a.end() - 2),
                                             std::vector<int64_t>(b.begin(), b.end() - 2)};
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> batch, BroadcastDims(node, batches));
    std::vector<int64_t> expected = batch;
    if (a_dims_.size() > 1) expected.push_back(m_);
    if (b_dims_.size() > 1) expected.push_back(n_);
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (y != expected) {
      return NodeError(node, "output shape ", ShapeToString(y), " should be ",
                       ShapeToString(expected));
    }
    SF_ASSIGN_OR_RETURN(BroadcastPlan plan, BroadcastPlan::Create(node, batches, batch));
    batches_.clear();
    b_batches_ = 0;
    // An empty output computes nothing: no per-batch tables (its batch dims may
    // be any size; otherwise they are bounded by the output's elements).
    if (m_ == 0 || n_ == 0) return absl::OkStatus();
    plan.ForEachRun([&](int64_t out, int64_t len, const BroadcastPlan::Offsets& off,
                        const BroadcastPlan::Offsets& step) {
      for (int64_t j = 0; j < len; ++j) {
        batches_.push_back(Batch{off[0] + j * step[0], off[1] + j * step[1], out + j});
      }
    });
    b_batches_ = Product(batches[1]);
    finite_rows_.assign(static_cast<size_t>(b_batches_ * k_), 0);
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, a_dims_, "A"));
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[1], DataType::kFloat32, b_dims_, "B"));
    const float* a = inputs[0]->data<float>();
    const float* b = inputs[1]->data<float>();
    float* y = outputs[0]->data<float>();
    const int64_t m = m_, n = n_, k = k_;
    // Which rows of each B are finite, then (batch, row) pairs on the threads:
    // many small products (attention heads) share them as well as one large one.
    for (int64_t i = 0; i < b_batches_; ++i) {
      FindFiniteRows(n, k, MatView{b + i * k * n, n, 1}, finite_rows_.data() + i * k);
    }
    ParallelFor(static_cast<int64_t>(batches_.size()) * m, MinChunkFor(n * k),
                [&](int64_t begin, int64_t end) {
                  while (begin < end) {
                    const int64_t bi = begin / m, i0 = begin % m;
                    const int64_t i1 = std::min(m, i0 + (end - begin));
                    const Batch& t = batches_[bi];
                    MatMulRows(i0, i1, n, k, MatView{a + t.a * m * k, k, 1},
                               MatView{b + t.b * k * n, n, 1}, finite_rows_.data() + t.b * k,
                               y + t.y * m * n);
                    begin += i1 - i0;
                  }
                });
    return absl::OkStatus();
  }

 private:
  Node label_;
  std::vector<int64_t> a_dims_, b_dims_;
  int64_t m_ = 0, n_ = 0, k_ = 0;
  // One product per output batch: the batch indices of A, B and Y.
  struct Batch {
    int64_t a, b, y;
  };
  std::vector<Batch> batches_;
  int64_t b_batches_ = 0;             // B's own batch count
  std::vector<uint8_t> finite_rows_;  // b_batches_ x k: FindFiniteRows of each B
};

}  // namespace

std::unique_ptr<CpuKernel> MakeGemmKernel(OpType) { return std::make_unique<GemmKernel>(); }
std::unique_ptr<CpuKernel> MakeMatMulKernel(OpType) { return std::make_unique<MatMulKernel>(); }

}  // namespace sf
