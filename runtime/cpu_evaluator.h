// A NodeEvaluator (graph/passes/constant_folding.h) backed by the CPU reference
// kernels, used to fold constant subgraphs at load/plan time.
#ifndef SF_RUNTIME_CPU_EVALUATOR_H_
#define SF_RUNTIME_CPU_EVALUATOR_H_

#include "graph/passes/constant_folding.h"

namespace sf {

NodeEvaluator CpuNodeEvaluator();

}  // namespace sf

#endif  // SF_RUNTIME_CPU_EVALUATOR_H_
