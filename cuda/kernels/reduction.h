// GPU kernels that combine elements: BatchNormalization (inference) and
// Softmax along one axis (float32), ReduceSum/ReduceMean (and
// GlobalAveragePool as a mean over the spatial dims) and 2-D Max/Average
// pooling (float32 or float16: float16 is read into the float32/double
// accumulation of the float32 path and the result rounded once). Every
// pointer is device memory; shapes and offsets are in elements. A `type`
// other than kFloat32/kFloat16 gives cudaErrorInvalidValue.
#ifndef SF_CUDA_KERNELS_REDUCTION_H_
#define SF_CUDA_KERNELS_REDUCTION_H_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/kernels/indexer.h"
#include "graph/dtype.h"

namespace sf::cuda {

// y[n, c, s] = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c]
// for x [n, channels, spatial].
struct BatchNormShape {
  int64_t n = 0, channels = 0, spatial = 1;
  float epsilon = 1e-5f;
};
cudaError_t LaunchBatchNorm(const BatchNormShape& s, const float* x, const float* scale,
                            const float* bias, const float* mean, const float* var, float* y,
                            cudaStream_t stream);

// Softmax over the middle dim of x [outer, axis, inner] (max-subtracted).
cudaError_t LaunchSoftmax(int64_t outer, int64_t axis, int64_t inner, const float* x, float* y,
                          cudaStream_t stream);

// LayerNormalization of `rows` rows of `cols` floats: y = (x - mean) /
// sqrt(var + epsilon) * scale[j % n_scale] (+ bias[j % n_bias] when bias is
// not null), the statistics summed in double (runtime/cpu/normalization.cc's
// expressions). One warp per row.
cudaError_t LaunchLayerNorm(int64_t rows, int64_t cols, const float* x, const float* scale,
                            int64_t n_scale, const float* bias, int64_t n_bias, float epsilon,
                            float* y, cudaStream_t stream);

// y[o] = sum (or mean when `mean`) of x over the reduced space, accumulated in
// double: `outputs` walks the output elements (operand 0: x offset of each),
// `reduced` walks the reduced space (operand 0: x offset within it).
cudaError_t LaunchReduce(bool mean, const Indexer& outputs, int64_t num_outputs,
                         const Indexer& reduced, int64_t num_reduced, DataType type,
                         const void* x, void* y, cudaStream_t stream);

// A streamed time reduction (Node::carries_state) over one step's n values:
// acc[i] += x[i] (double), y[i] = acc[i] (sum) or acc[i] / (*runs + 1) (mean),
// then ++*runs — so after T runs y is what LaunchReduce gives over all T steps,
// bit for bit. `acc` and `runs` persist between runs (zero them to reset).
cudaError_t LaunchTimeAccumulate(bool mean, int64_t n, const float* x, double* acc,
                                 int64_t* runs, float* y, cudaStream_t stream);

// One spatial dim of a 2-D pooling window (PyTorch's windows, as the CPU kernel).
struct PoolDim {
  int64_t in = 0, k = 1, stride = 1, dil = 1, pad_begin = 0, pad_end = 0, out = 0;
};
struct PoolShape {
  int64_t planes = 0;  // N * C
  int64_t channels = 1;  // C
  bool channels_last = false;  // x and y are NHWC, else NCHW
  PoolDim h, w;
  bool is_max = true;
  bool count_include_pad = false;
};
cudaError_t LaunchPool2d(const PoolShape& s, DataType type, const void* x, void* y,
                         cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_REDUCTION_H_
