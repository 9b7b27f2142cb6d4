// IEEE 754 binary16 (float16) <-> float32 conversion on the host. float16
// elements are stored as their uint16_t bit pattern (DataType::kFloat16).
// Pure functions, thread-safe.
#ifndef SF_GRAPH_FLOAT16_H_
#define SF_GRAPH_FLOAT16_H_

#include <cstdint>

namespace sf {

// Exact (every float16 is a float32), subnormals and infinities included.
float HalfToFloat(uint16_t h);
// Round to nearest even; overflow gives infinity, NaN stays NaN.
uint16_t FloatToHalf(float f);

}  // namespace sf

#endif  // SF_GRAPH_FLOAT16_H_
