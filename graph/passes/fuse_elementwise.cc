#include "graph/passes/fuse_elementwise.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "graph/float16.h"
#include "graph/fused_program.h"
#include "graph/passes/spike_analysis.h"
#include "graph/status.h"
#include "graph/topo.h"

namespace sf {
namespace {

using fused::Opcode;
using fused::RegisterType;

// Nodes scanned past a region's last op before the region is closed: keeps the
// pass linear in the graph's size.
constexpr int kScanWindow = 64;

std::optional<RegisterType> RegisterTypeOf(DataType t, bool allow_float16) {
  switch (t) {
    case DataType::kFloat32:
      return fused::kFloat32;
    case DataType::kFloat16:
      if (allow_float16) return fused::kFloat16;
      return std::nullopt;
    case DataType::kBool:
      return fused::kBool;
    default:
      return std::nullopt;
  }
}

DataType DataTypeOf(RegisterType t) {
  switch (t) {
    case fused::kFloat32:
      return DataType::kFloat32;
    case fused::kFloat16:
      return DataType::kFloat16;
    default:
      return DataType::kBool;
  }
}

std::optional<std::vector<int64_t>> DimsOf(const Graph& g, ValueId v) {
  if (v < 0 || v >= g.num_values() || !g.value(v).shape) return std::nullopt;
  return ConcreteDims(*g.value(v).shape);
}

int64_t Product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

struct ComputeRow {
  OpType op;
  Opcode code;
};
constexpr ComputeRow kComputeOps[] = {
    {OpType::kAdd, fused::kAdd},
    {OpType::kSub, fused::kSub},
    {OpType::kMul, fused::kMul},
    {OpType::kDiv, fused::kDiv},
    {OpType::kMax, fused::kMax},
    {OpType::kMin, fused::kMin},
    {OpType::kEqual, fused::kEqual},
    {OpType::kGreater, fused::kGreater},
    {OpType::kGreaterOrEqual, fused::kGreaterOrEqual},
    {OpType::kLess, fused::kLess},
    {OpType::kLessOrEqual, fused::kLessOrEqual},
    {OpType::kCast, fused::kCast},
    {OpType::kNeg, fused::kNeg},
    {OpType::kAbs, fused::kAbs},
    {OpType::kNot, fused::kNot},
};

std::optional<Opcode> ComputeOpcode(OpType op) {
  for (const ComputeRow& row : kComputeOps) {
    if (row.op == op) return row.code;
  }
  return std::nullopt;
}

bool ValidValue(const Graph& g, ValueId v) { return v >= 0 && v < g.num_values(); }

bool PlainNode(const Graph& g, const Node& n) {
  if (n.carries_state || n.channels_last || n.outputs.size() != 1) return false;
  if (!ValidValue(g, n.outputs[0])) return false;
  for (ValueId v : n.inputs) {
    if (!ValidValue(g, v)) return false;
  }
  return !n.inputs.empty();
}

// Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout without a mask: the
// output is the input's elements in the same order.
bool IsView(const Graph& g, const Node& n) {
  switch (n.op) {
    case OpType::kReshape:
    case OpType::kFlatten:
    case OpType::kSqueeze:
    case OpType::kUnsqueeze:
    case OpType::kIdentity:
    case OpType::kDropout:
      break;
    default:
      return false;
  }
  if (!PlainNode(g, n) || g.value(n.inputs[0]).constant) return false;
  const auto in = DimsOf(g, n.inputs[0]);
  const auto out = DimsOf(g, n.outputs[0]);
  return in && out && Product(*in) == Product(*out) &&
         g.value(n.inputs[0]).dtype == g.value(n.outputs[0]).dtype;
}

// The result type of a compute node whose operand types fit its op.
std::optional<RegisterType> ComputeResultType(const Graph& g, const Node& n, Opcode code,
                                              bool allow_float16) {
  if (!PlainNode(g, n)) return std::nullopt;
  const bool binary = fused::IsBinary(code);
  if (n.inputs.size() != (binary ? 2u : 1u)) return std::nullopt;
  const auto out = RegisterTypeOf(g.value(n.outputs[0]).dtype, allow_float16);
  if (!out) return std::nullopt;
  std::vector<RegisterType> in;
  for (ValueId v : n.inputs) {
    const auto t = RegisterTypeOf(g.value(v).dtype, allow_float16);
    if (!t) return std::nullopt;
    in.push_back(*t);
  }
  const auto all_in = [&](RegisterType t) {
    return std::all_of(in.begin(), in.end(), [&](RegisterType x) { return x == t; });
  };
  if (code == fused::kCast) return out;
  if (code == fused::kNot) return all_in(fused::kBool) && *out == fused::kBool ? out : std::nullopt;
  if (fused::IsComparison(code)) {
    return *out == fused::kBool && in[0] != fused::kBool && all_in(in[0]) ? out : std::nullopt;
  }
  return *out != fused::kBool && all_in(*out) ? out : std::nullopt;
}

// A Gather along axis 0 by a constant single-element index: the rows it reads.
struct GatherRows {
  ValueId data = kNoValue;
  int64_t row = 0;
  int64_t row_elements = 0;
};
std::optional<GatherRows> GatherInfo(const Graph& g, const Node& n) {
  if (n.op != OpType::kGather || !PlainNode(g, n) || n.inputs.size() != 2) return std::nullopt;
  const auto data = DimsOf(g, n.inputs[0]);
  const auto out = DimsOf(g, n.outputs[0]);
  const Value& idx = g.value(n.inputs[1]);
  if (!data || data->empty() || !out || !idx.constant || idx.constant->num_elements() != 1) {
    return std::nullopt;
  }
  if (g.value(n.inputs[0]).constant || g.value(n.inputs[0]).dtype != g.value(n.outputs[0]).dtype) {
    return std::nullopt;
  }
  const auto axis = n.attrs.GetIntOr("axis", 0);
  const int64_t rank = static_cast<int64_t>(data->size());
  if (!axis.ok() || (*axis != 0 && *axis != -rank)) return std::nullopt;
  int64_t row = 0;
  if (idx.constant->dtype() == DataType::kInt64) {
    row = idx.constant->data<int64_t>()[0];
  } else if (idx.constant->dtype() == DataType::kInt32) {
    row = idx.constant->data<int32_t>()[0];
  } else {
    return std::nullopt;
  }
  const int64_t rows = (*data)[0];
  if (row < 0) row += rows;
  if (row < 0 || row >= rows) return std::nullopt;
  const int64_t row_elements = Product(*out);
  if (row_elements * rows != Product(*data)) return std::nullopt;
  return GatherRows{n.inputs[0], row, row_elements};
}

// A 4-D Transpose with `perm`: its NCHW side's channels and H*W (for a
// channels-last load or store), or nullopt.
struct NhwcRemap {
  int64_t channels = 0, spatial = 0;
};
std::optional<NhwcRemap> LayoutTranspose(const Graph& g, const Node& n,
                                         const std::vector<int64_t>& perm) {
  if (n.op != OpType::kTranspose || !PlainNode(g, n) || n.inputs.size() != 1) return std::nullopt;
  const auto p = n.attrs.GetIntsOr("perm", {});
  const auto in = DimsOf(g, n.inputs[0]);
  const auto out = DimsOf(g, n.outputs[0]);
  if (!p.ok() || *p != perm || !in || !out || in->size() != 4 || out->size() != 4) {
    return std::nullopt;
  }
  const std::vector<int64_t>& nchw = perm[1] == 3 ? *out : *in;  // [0,3,1,2]: out is NCHW
  const NhwcRemap r{nchw[1], nchw[2] * nchw[3]};
  if (r.channels <= 0 || r.spatial <= 0 || r.channels > fused::kMaxChannels ||
      r.spatial > fused::kMaxSpatial) {
    return std::nullopt;
  }
  return r;
}
const std::vector<int64_t> kToNhwc = {0, 2, 3, 1};
const std::vector<int64_t> kToNchw = {0, 3, 1, 2};

bool IsAxisZeroConcat(const Graph& g, const Node& n) {
  if (n.op != OpType::kConcat || !PlainNode(g, n)) return false;
  const auto out = DimsOf(g, n.outputs[0]);
  const auto axis = n.attrs.GetIntOr("axis", 0);
  if (!out || out->empty() || !axis.ok()) return false;
  const int64_t rank = static_cast<int64_t>(out->size());
  return *axis == 0 || *axis == -rank;
}

// A single-element constant of a register type: its value as float.
std::optional<std::pair<RegisterType, float>> ScalarConstant(const Graph& g, ValueId v,
                                                             bool allow_float16) {
  const Value& val = g.value(v);
  if (!val.constant || val.constant->num_elements() != 1) return std::nullopt;
  const auto t = RegisterTypeOf(val.dtype, allow_float16);
  if (!t) return std::nullopt;
  const Tensor& c = *val.constant;
  switch (*t) {
    case fused::kFloat32:
      return std::pair{*t, c.data<float>()[0]};
    case fused::kFloat16:
      return std::pair{*t, HalfToFloat(c.data<uint16_t>()[0])};
    default:
      return std::pair{*t, c.data<uint8_t>()[0] != 0 ? 1.0f : 0.0f};
  }
}

struct Region {
  int64_t m = 0;
  std::vector<int> nodes;  // in graph order
};

class RegionFinder {
 public:
  RegionFinder(const Graph& g, const std::vector<std::vector<int>>& consumers, bool allow_float16,
               const std::vector<int>& assigned)
      : g_(g), consumers_(consumers), allow_float16_(allow_float16), assigned_(assigned) {}

  // The region grown from compute node `s`, or nullopt when it would hold
  // fewer than two ops.
  std::optional<Region> Grow(int s) {
    const Node& seed = g_.node(s);
    const auto out = DimsOf(g_, seed.outputs[0]);
    if (!out) return std::nullopt;
    m_ = Product(*out);
    if (m_ <= 0) return std::nullopt;
    lane_.clear();
    tainted_.clear();
    concat_outputs_.clear();
    in_region_.clear();
    int work = 0;
    int last = s;
    for (int i = s; i < g_.num_nodes() && i - last <= kScanWindow; ++i) {
      const Node& n = g_.node(i);
      bool take = false;
      if (assigned_[i] < 0) {
        if (const auto code = ComputeOpcode(n.op)) {
          std::vector<int> gathers;
          take = TakesCompute(i, *code, i == s, gathers);
          for (int gi : gathers) {
            in_region_.insert(gi);
            lane_.insert(g_.node(gi).outputs[0]);
            ++work;
          }
        } else if (IsView(g_, n)) {
          take = lane_.contains(n.inputs[0]);
        } else if (IsAxisZeroConcat(g_, n)) {
          take = std::all_of(n.inputs.begin(), n.inputs.end(),
                             [&](ValueId v) { return lane_.contains(v); });
        } else if (LayoutTranspose(g_, n, kToNhwc)) {
          // Back to channels-last after the chain: a store in NHWC order.
          const ValueId in = n.inputs[0];
          const bool region_made = lane_.contains(in) || concat_outputs_.contains(in);
          take = region_made && consumers_[in].size() == 1 && !g_.IsOutput(in) &&
                 RegisterTypeOf(g_.value(in).dtype, allow_float16_).has_value();
        }
      }
      if (i == s && !take) return std::nullopt;
      if (take) {
        in_region_.insert(i);
        last = i;
        if (n.op == OpType::kConcat || n.op == OpType::kTranspose) {
          tainted_.insert(n.outputs[0]);  // region-made, but not one element per lane
          if (n.op == OpType::kConcat) concat_outputs_.insert(n.outputs[0]);
        } else {
          lane_.insert(n.outputs[0]);
        }
        if (!IsView(g_, n)) ++work;
        continue;
      }
      const bool reads_region = std::any_of(n.inputs.begin(), n.inputs.end(), [&](ValueId v) {
        return lane_.contains(v) || tainted_.contains(v);
      });
      if (reads_region) {
        for (ValueId v : n.outputs) {
          if (ValidValue(g_, v)) tainted_.insert(v);
        }
      }
    }
    if (work < 2) return std::nullopt;
    Region r;
    r.m = m_;
    r.nodes.assign(in_region_.begin(), in_region_.end());
    std::sort(r.nodes.begin(), r.nodes.end());
    return r;
  }

 private:
  // A Gather of M elements, not in any region, whose output only region ops
  // or ops after node `at` read: it joins the region as a load.
  bool JoinableGather(ValueId v, int at) const {
    const int p = g_.value(v).producer;
    if (p < 0 || assigned_[p] >= 0 || in_region_.contains(p) || tainted_.contains(v)) return false;
    const auto rows = GatherInfo(g_, g_.node(p));
    if (!rows || rows->row_elements != m_) return false;
    for (int c : consumers_[v]) {
      if (c < at && !in_region_.contains(c)) return false;
    }
    return true;
  }

  bool TakesCompute(int i, Opcode code, bool is_seed, std::vector<int>& gathers) const {
    const Node& n = g_.node(i);
    if (!ComputeResultType(g_, n, code, allow_float16_)) return false;
    const auto out = DimsOf(g_, n.outputs[0]);
    if (!out || Product(*out) != m_) return false;
    bool connected = is_seed;
    bool any_tensor = false;
    for (ValueId v : n.inputs) {
      if (tainted_.contains(v)) return false;
      if (lane_.contains(v)) {  // M elements; it must have the output's dims too
        if (DimsOf(g_, v) != out) return false;
        connected = true;
        any_tensor = true;
        continue;
      }
      if (ScalarConstant(g_, v, allow_float16_)) continue;
      if (DimsOf(g_, v) != out) return false;
      any_tensor = true;
      if (JoinableGather(v, i)) {
        if (std::find(gathers.begin(), gathers.end(), g_.value(v).producer) == gathers.end()) {
          gathers.push_back(g_.value(v).producer);
        }
        connected = true;
      }
    }
    return connected && any_tensor;
  }

  const Graph& g_;
  const std::vector<std::vector<int>>& consumers_;
  const bool allow_float16_;
  const std::vector<int>& assigned_;
  int64_t m_ = 0;
  absl::flat_hash_set<ValueId> lane_, tainted_, concat_outputs_;
  absl::flat_hash_set<int> in_region_;
};

// One instruction before register allocation: operands and results are SSA
// ids (a load's `a` is its slot, a store's `dst` its slot).
struct SsaInstruction {
  Opcode op;
  RegisterType type;
  int64_t dst = -1, a = -1, b = -1;
  NhwcRemap remap;  // a channels-last load or store
};

// A region's program and the values it loads and stores.
struct BuiltProgram {
  std::vector<int64_t> words;
  std::vector<ValueId> loads, stores;
};

// What a load of `v` reads: `v`, or through unassigned views (and then a
// Transpose from NHWC, read channels-last) the value whose elements they show.
struct LoadRoot {
  ValueId value = kNoValue;
  NhwcRemap remap;
};
LoadRoot FindLoadRoot(const Graph& g, const std::vector<int>& assigned, ValueId v) {
  for (int guard = 0; guard < g.num_nodes(); ++guard) {
    const int p = g.value(v).producer;
    if (p < 0 || assigned[p] >= 0) break;
    if (const auto remap = LayoutTranspose(g, g.node(p), kToNchw)) {
      return {g.node(p).inputs[0], *remap};
    }
    if (!IsView(g, g.node(p))) break;
    v = g.node(p).inputs[0];
  }
  return {v, {}};
}

class ProgramBuilder {
 public:
  ProgramBuilder(const Graph& g, const std::vector<std::vector<int>>& consumers,
                 const std::vector<int>& assigned, bool allow_float16)
      : g_(g), consumers_(consumers), assigned_(assigned), allow_float16_(allow_float16) {}

  // The program of region `id`; nullopt when it needs more registers, slots or
  // instructions than a program has.
  std::optional<BuiltProgram> Build(int id, const Region& r) {
    code_.clear();
    ssa_types_.clear();
    lane_.clear();
    loads_.clear();
    consts_.clear();
    pending_.clear();
    BuiltProgram out;
    // A Concat's inputs are stored as soon as they are computed (a neuron over
    // T steps would otherwise keep T spikes in registers until its Concat).
    for (int i : r.nodes) {
      const Node& n = g_.node(i);
      if (n.op != OpType::kConcat) continue;
      const auto type = RegisterTypeOf(g_.value(n.outputs[0]).dtype, allow_float16_);
      if (!type) return std::nullopt;
      // Into the region's Transpose back to NHWC, where that reads the Concat.
      ValueId target = n.outputs[0];
      NhwcRemap remap;
      const std::vector<int>& readers = consumers_[n.outputs[0]];
      if (readers.size() == 1 && assigned_[readers[0]] == id) {
        target = g_.node(readers[0]).outputs[0];
        remap = *LayoutTranspose(g_, g_.node(readers[0]), kToNhwc);
      }
      const int64_t slot = static_cast<int64_t>(out.stores.size());
      out.stores.push_back(target);
      for (size_t k = 0; k < n.inputs.size(); ++k) {
        pending_[n.inputs[k]].push_back(
            {fused::kStore, *type, slot, -1, static_cast<int64_t>(k) * r.m, remap});
      }
    }
    for (int i : r.nodes) {
      const Node& n = g_.node(i);
      if (const auto rows = GatherInfo(g_, n)) {
        Define(n.outputs[0], Load(out, rows->data, rows->row * r.m));
      } else if (const auto code = ComputeOpcode(n.op)) {
        const RegisterType type = *ComputeResultType(g_, n, *code, allow_float16_);
        std::vector<int64_t> operands;
        for (ValueId v : n.inputs) operands.push_back(Operand(out, v));
        Define(n.outputs[0],
               Emit({*code, type, -1, operands[0], operands.size() > 1 ? operands[1] : -1, {}}));
      } else if (n.op == OpType::kConcat) {
        continue;  // stored as its inputs were made
      } else if (n.op == OpType::kTranspose) {
        const auto it = lane_.find(n.inputs[0]);
        if (it == lane_.end()) continue;  // the Concat's, stored above
        const int64_t slot = static_cast<int64_t>(out.stores.size());
        out.stores.push_back(n.outputs[0]);
        code_.push_back({fused::kStore, ssa_types_[it->second], slot, it->second, 0,
                         *LayoutTranspose(g_, n, kToNhwc)});
      } else {  // a view
        Define(n.outputs[0], lane_.at(n.inputs[0]));
      }
    }
    // Lane values read outside the region, in graph order.
    for (int i : r.nodes) {
      const ValueId v = g_.node(i).outputs[0];
      const auto it = lane_.find(v);
      if (it == lane_.end()) continue;
      bool outside = g_.IsOutput(v);
      for (int c : consumers_[v]) outside |= assigned_[c] != id;
      if (!outside) continue;
      const int64_t slot = static_cast<int64_t>(out.stores.size());
      out.stores.push_back(v);
      code_.push_back({fused::kStore, ssa_types_[it->second], slot, it->second, 0, {}});
    }
    if (out.loads.size() > fused::kMaxSlots || out.stores.size() > fused::kMaxSlots ||
        out.stores.empty() || code_.size() > fused::kMaxInstructions) {
      return std::nullopt;
    }
    if (!Allocate(out.words)) return std::nullopt;
    return out;
  }

 private:
  // `v` is in SSA value `ssa`; the Concat stores waiting for it follow.
  void Define(ValueId v, int64_t ssa) {
    lane_[v] = ssa;
    const auto it = pending_.find(v);
    if (it == pending_.end()) return;
    for (SsaInstruction store : it->second) {
      store.a = ssa;
      code_.push_back(store);
    }
  }

  int64_t Emit(SsaInstruction ins) {
    ins.dst = static_cast<int64_t>(ssa_types_.size());
    ssa_types_.push_back(ins.type);
    code_.push_back(ins);
    return ins.dst;
  }

  int64_t Load(BuiltProgram& out, ValueId v, int64_t offset) {
    const LoadRoot root = FindLoadRoot(g_, assigned_, v);
    const auto key = std::pair{root.value, offset};
    if (const auto it = loads_.find(key); it != loads_.end()) return it->second;
    const auto slot_it = std::find(out.loads.begin(), out.loads.end(), root.value);
    const int64_t slot = slot_it - out.loads.begin();
    if (slot_it == out.loads.end()) out.loads.push_back(root.value);
    const RegisterType type = *RegisterTypeOf(g_.value(root.value).dtype, allow_float16_);
    const int64_t ssa = Emit({fused::kLoad, type, -1, slot, offset, root.remap});
    loads_[key] = ssa;
    return ssa;
  }

  int64_t Operand(BuiltProgram& out, ValueId v) {
    if (const auto it = lane_.find(v); it != lane_.end()) return it->second;
    if (const auto c = ScalarConstant(g_, v, allow_float16_)) {
      const int64_t bits = static_cast<int64_t>(std::bit_cast<uint32_t>(c->second));
      const auto key = std::pair{static_cast<int>(c->first), bits};
      if (const auto it = consts_.find(key); it != consts_.end()) return it->second;
      const int64_t ssa = Emit({fused::kConst, c->first, -1, -1, bits, {}});
      consts_[key] = ssa;
      return ssa;
    }
    return Load(out, v, 0);
  }

  // Registers by linear scan: a register is free again after its value's last
  // read (an instruction reads its operands before writing its result).
  bool Allocate(std::vector<int64_t>& words) {
    const int64_t num_ssa = static_cast<int64_t>(ssa_types_.size());
    std::vector<int64_t> last_read(num_ssa, -1);
    auto reads = [](const SsaInstruction& ins) {
      std::vector<int64_t> r;
      if (ins.op == fused::kStore) {
        r.push_back(ins.a);
      } else if (ins.op != fused::kLoad && ins.op != fused::kConst) {
        r.push_back(ins.a);
        if (fused::IsBinary(ins.op)) r.push_back(ins.b);
      }
      return r;
    };
    for (size_t k = 0; k < code_.size(); ++k) {
      for (int64_t s : reads(code_[k])) last_read[s] = static_cast<int64_t>(k);
    }
    std::vector<int> reg_of(num_ssa, -1);
    std::vector<bool> busy(fused::kMaxRegisters, false);
    for (size_t k = 0; k < code_.size(); ++k) {
      const SsaInstruction& ins = code_[k];
      std::vector<int64_t> ops = reads(ins);
      int64_t w[fused::kWordsPerInstruction] = {
          fused::Word0(ins.op, ins.type, ins.remap.channels, ins.remap.spatial), ins.dst, ins.a,
          ins.b};
      if (ins.op == fused::kStore) {
        w[2] = reg_of[ins.a];
      } else if (!ops.empty()) {
        w[2] = reg_of[ops[0]];
        w[3] = ops.size() > 1 ? reg_of[ops[1]] : 0;
      }
      for (int64_t s : ops) {
        if (last_read[s] == static_cast<int64_t>(k)) busy[reg_of[s]] = false;
      }
      if (ins.op != fused::kStore) {
        const auto free = std::find(busy.begin(), busy.end(), false);
        if (free == busy.end()) return false;
        const int reg = static_cast<int>(free - busy.begin());
        reg_of[ins.dst] = reg;
        w[1] = reg;
        busy[reg] = last_read[ins.dst] >= 0;
      }
      words.insert(words.end(), w, w + fused::kWordsPerInstruction);
    }
    return true;
  }

  const Graph& g_;
  const std::vector<std::vector<int>>& consumers_;
  const std::vector<int>& assigned_;
  const bool allow_float16_;
  std::vector<SsaInstruction> code_;
  std::vector<RegisterType> ssa_types_;
  absl::flat_hash_map<ValueId, int64_t> lane_;
  std::map<std::pair<ValueId, int64_t>, int64_t> loads_;
  std::map<std::pair<int, int64_t>, int64_t> consts_;
  absl::flat_hash_map<ValueId, std::vector<SsaInstruction>> pending_;  // Concat stores by input
};

// Regions whose contraction into one node would close a cycle (something
// outside a region reads from it and feeds it, possibly through another
// region) lose their nodes back to the graph. One pass suffices: a graph
// whose cyclic regions are undone is acyclic again.
void DropCyclicRegions(const Graph& g, int num_regions, std::vector<int>& assigned) {
  const int n = g.num_nodes();
  const auto super = [&](int i) { return assigned[i] >= 0 ? n + assigned[i] : i; };
  std::vector<std::vector<int>> out_edges(n + num_regions);
  std::vector<int> in_degree(n + num_regions, 0);
  for (int i = 0; i < n; ++i) {
    for (ValueId v : g.node(i).inputs) {
      if (!ValidValue(g, v) || g.value(v).producer < 0) continue;
      const int from = super(g.value(v).producer), to = super(i);
      if (from == to) continue;
      out_edges[from].push_back(to);
      ++in_degree[to];
    }
  }
  std::vector<bool> done(n + num_regions, false);
  std::deque<int> ready;
  for (int s = 0; s < n + num_regions; ++s) {
    if (in_degree[s] == 0) ready.push_back(s);
  }
  while (!ready.empty()) {
    const int s = ready.front();
    ready.pop_front();
    done[s] = true;
    for (int t : out_edges[s]) {
      if (--in_degree[t] == 0) ready.push_back(t);
    }
  }
  for (int i = 0; i < n; ++i) {
    if (assigned[i] >= 0 && !done[n + assigned[i]]) assigned[i] = -1;
  }
}

// "<the region's common name scope>/fused" ("/features/features.2/fused" for
// a neuron exported from features.2), else "<first node's name>/fused"; made
// unique among the graph's node names.
std::string FusedName(const Graph& g, const Region& r, absl::flat_hash_set<std::string>& taken) {
  std::string scope = g.node(r.nodes.front()).name;
  for (int i : r.nodes) {
    const std::string& name = g.node(i).name;
    size_t k = 0;
    while (k < scope.size() && k < name.size() && scope[k] == name[k]) ++k;
    scope.resize(k);
  }
  const size_t slash = scope.rfind('/');
  const std::string base = slash == std::string::npos || slash == 0
                               ? absl::StrCat(g.node(r.nodes.front()).name, "/fused")
                               : absl::StrCat(scope.substr(0, slash), "/fused");
  std::string name = base;
  for (int k = 2; taken.contains(name); ++k) name = absl::StrCat(base, "_", k);
  taken.insert(name);
  return name;
}

}  // namespace

absl::StatusOr<int> FuseElementwise(Graph& graph, bool allow_float16) {
  const int n = graph.num_nodes();
  const std::vector<std::vector<int>> consumers = graph.Consumers();
  std::vector<int> assigned(n, -1);
  std::vector<Region> regions;
  RegionFinder finder(graph, consumers, allow_float16, assigned);
  for (int s = 0; s < n; ++s) {
    if (assigned[s] >= 0 || !ComputeOpcode(graph.node(s).op)) continue;
    std::optional<Region> r = finder.Grow(s);
    if (!r) continue;
    for (int i : r->nodes) assigned[i] = static_cast<int>(regions.size());
    regions.push_back(std::move(*r));
  }
  if (regions.empty()) return 0;
  DropCyclicRegions(graph, static_cast<int>(regions.size()), assigned);

  const SpikeAnalysis spikes = AnalyzeSpikes(graph);
  ProgramBuilder builder(graph, consumers, assigned, allow_float16);
  std::vector<std::optional<BuiltProgram>> programs(regions.size());
  for (size_t r = 0; r < regions.size(); ++r) {
    const int id = static_cast<int>(r);
    if (std::any_of(regions[r].nodes.begin(), regions[r].nodes.end(),
                    [&](int i) { return assigned[i] != id; })) {
      continue;  // dropped as cyclic
    }
    programs[r] = builder.Build(id, regions[r]);
  }
  // Regions without a program (too large) stay unfused: undoing a region never
  // closes a cycle.
  for (int i = 0; i < n; ++i) {
    if (assigned[i] >= 0 && !programs[assigned[i]]) assigned[i] = -1;
  }
  // Views that only fused nodes read, and read through (a Reshape to
  // [T, N, ...] before the Gathers: the loads read the Reshape's input).
  absl::flat_hash_set<ValueId> loaded;
  for (size_t r = 0; r < regions.size(); ++r) {
    if (programs[r] && assigned[regions[r].nodes.front()] == static_cast<int>(r)) {
      loaded.insert(programs[r]->loads.begin(), programs[r]->loads.end());
    }
  }
  std::vector<bool> removed(n, false);
  for (int i = n - 1; i >= 0; --i) {
    const Node& node = graph.node(i);
    const ValueId out = node.outputs.empty() ? kNoValue : node.outputs[0];
    const bool read_through = IsView(graph, node) || LayoutTranspose(graph, node, kToNchw);
    if (assigned[i] >= 0 || !read_through || graph.IsOutput(out) || loaded.contains(out)) {
      continue;
    }
    const std::vector<int>& readers = consumers[out];
    removed[i] = !readers.empty() && std::all_of(readers.begin(), readers.end(), [&](int c) {
      return assigned[c] >= 0 || removed[c];
    });
  }

  absl::flat_hash_set<std::string> names;
  for (const Node& node : graph.nodes()) names.insert(node.name);
  std::vector<int> fused_index(regions.size(), -1);
  int made = 0;
  for (size_t r = 0; r < regions.size(); ++r) {
    if (!programs[r] || assigned[regions[r].nodes.front()] != static_cast<int>(r)) continue;
    const BuiltProgram& p = *programs[r];
    Node node;
    node.name = FusedName(graph, regions[r], names);
    node.op = OpType::kFusedElementwise;
    const int64_t rows = static_cast<int64_t>(p.words.size()) / fused::kWordsPerInstruction;
    Tensor program = Tensor::FromVector<int64_t>({rows, fused::kWordsPerInstruction}, p.words);
    node.inputs = p.loads;
    node.inputs.push_back(
        graph.AddConstant(graph.UniqueValueName(node.name + "/program"), std::move(program)));
    node.outputs = p.stores;
    std::vector<int64_t> classes;
    for (ValueId v : p.stores) classes.push_back(static_cast<int64_t>(spikes.value_class[v]));
    node.attrs.Set("elements", regions[r].m);
    node.attrs.Set("output_classes", std::move(classes));
    fused_index[r] = graph.AddNode(std::move(node));
    ++made;
  }
  // The fused node takes its region's first node's place; then a stable
  // topological sort moves it after any input made later in the region's span.
  std::vector<int> order;
  std::vector<bool> keep;
  for (int i = 0; i < n; ++i) {
    const int r = assigned[i];
    if (r >= 0) {
      if (regions[r].nodes.front() == i) order.push_back(fused_index[r]);
      continue;
    }
    if (!removed[i]) order.push_back(i);
  }
  const size_t kept = order.size();
  for (int i = 0; i < n; ++i) {
    if (assigned[i] >= 0 || removed[i]) order.push_back(i);
  }
  graph.ReorderNodes(order);
  keep.assign(order.size(), false);
  std::fill(keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(kept), true);
  graph.KeepNodes(keep);
  SF_RETURN_IF_ERROR(SortTopologically(graph));
  return made;
}

absl::Status CheckFusedProgram(std::span<const int64_t> words, int64_t elements,
                               std::span<const FusedSlot> inputs,
                               std::span<const FusedSlot> outputs) {
  SF_CHECK_ARG(elements > 0, "a fused program needs a positive element count, got ", elements);
  SF_CHECK_ARG(words.size() % fused::kWordsPerInstruction == 0 && !words.empty() &&
                   words.size() <= fused::kMaxInstructions * fused::kWordsPerInstruction,
               "a fused program has 1 to ", fused::kMaxInstructions, " instructions of ",
               fused::kWordsPerInstruction, " words (", words.size(), " words)");
  SF_CHECK_ARG(inputs.size() <= fused::kMaxSlots && outputs.size() <= fused::kMaxSlots,
               "a fused program has at most ", fused::kMaxSlots, " loads and stores");
  std::vector<int> reg_type(fused::kMaxRegisters, -1);  // -1: not written yet
  std::vector<std::vector<int64_t>> stored(outputs.size());
  const auto in_slot = [&](int64_t slot, int64_t offset, std::span<const FusedSlot> slots,
                           RegisterType type) {
    return slot >= 0 && slot < static_cast<int64_t>(slots.size()) && offset >= 0 &&
           offset <= slots[slot].elements - elements && slots[slot].dtype == DataTypeOf(type);
  };
  const auto reg = [&](int64_t r) {
    return r >= 0 && r < fused::kMaxRegisters && reg_type[r] >= 0 ? reg_type[r] : -1;
  };
  for (size_t k = 0; k < words.size(); k += fused::kWordsPerInstruction) {
    const int64_t* w = &words[k];
    const Opcode op = fused::OpcodeOf(w[0]);
    const RegisterType type = fused::TypeOf(w[0]);
    const size_t at = k / fused::kWordsPerInstruction;
    const int64_t channels = fused::ChannelsOf(w[0]), spatial = fused::SpatialOf(w[0]);
    const bool memory = op == fused::kLoad || op == fused::kStore;
    SF_CHECK_ARG(w[0] >= 0 && w[0] == fused::Word0(op, type, channels, spatial) &&
                     op < fused::kNumOpcodes && type < fused::kNumRegisterTypes &&
                     (channels > 0) == (spatial > 0) && (memory || channels == 0),
                 "fused instruction ", at, ": bad opcode word ", w[0]);
    // A channels-last slot holds whole [C, H, W] images, which NhwcIndex permutes.
    const auto whole_images = [&](int64_t slot, std::span<const FusedSlot> slots) {
      return channels == 0 || (slot >= 0 && slot < static_cast<int64_t>(slots.size()) &&
                               slots[slot].elements % (channels * spatial) == 0);
    };
    bool ok = true;
    if (op == fused::kStore) {
      ok = reg(w[2]) == type && in_slot(w[1], w[3], outputs, type) && whole_images(w[1], outputs);
      if (ok) stored[w[1]].push_back(w[3]);
    } else {
      if (op == fused::kLoad) {
        ok = in_slot(w[2], w[3], inputs, type) && whole_images(w[2], inputs);
      } else if (op == fused::kConst) {
        ok = w[3] >= 0 && w[3] <= 0xffffffffLL;
      } else if (op == fused::kCast) {
        ok = reg(w[2]) >= 0;
      } else if (op == fused::kNot) {
        ok = type == fused::kBool && reg(w[2]) == fused::kBool;
      } else if (op == fused::kNeg || op == fused::kAbs) {
        ok = type != fused::kBool && reg(w[2]) == type;
      } else if (fused::IsComparison(op)) {
        ok = type == fused::kBool && reg(w[2]) >= 0 && reg(w[2]) != fused::kBool &&
             reg(w[3]) == reg(w[2]);
      } else {
        ok = type != fused::kBool && reg(w[2]) == type && reg(w[3]) == type;
      }
      ok = ok && w[1] >= 0 && w[1] < fused::kMaxRegisters;
      if (ok) reg_type[w[1]] = type;
    }
    SF_CHECK_ARG(ok, "fused instruction ", at, " (opcode ", static_cast<int>(op),
                 ") has bad operands, slot or offset");
  }
  for (size_t s = 0; s < outputs.size(); ++s) {
    std::vector<int64_t>& offs = stored[s];
    std::sort(offs.begin(), offs.end());
    bool covered = static_cast<int64_t>(offs.size()) * elements == outputs[s].elements;
    for (size_t j = 0; covered && j < offs.size(); ++j) {
      covered = offs[j] == static_cast<int64_t>(j) * elements;
    }
    SF_CHECK_ARG(covered, "fused program: output ", s, " is not stored exactly once");
  }
  return absl::OkStatus();
}

absl::StatusOr<FusedNodeProgram> ReadFusedProgram(const Graph& graph, const Node& node) {
  SF_CHECK_ARG(!node.inputs.empty() && ValidValue(graph, node.inputs.back()), "node '", node.name,
               "' has no program");
  const Value& p = graph.value(node.inputs.back());
  SF_CHECK_ARG(p.constant && p.constant->dtype() == DataType::kInt64 && p.constant->rank() == 2 &&
                   p.constant->dims()[1] == fused::kWordsPerInstruction,
               "node '", node.name, "': its program must be a constant int64 [n, ",
               fused::kWordsPerInstruction, "] tensor");
  SF_ASSIGN_OR_RETURN(const int64_t elements, node.attrs.GetInt("elements"));
  std::vector<FusedSlot> ins, outs;
  for (size_t i = 0; i + 1 < node.inputs.size(); ++i) {
    const auto dims = DimsOf(graph, node.inputs[i]);
    SF_CHECK_ARG(dims.has_value(), "node '", node.name, "': input ", i, " has no concrete shape");
    ins.push_back({graph.value(node.inputs[i]).dtype, Product(*dims)});
  }
  for (ValueId v : node.outputs) {
    const auto dims = ValidValue(graph, v) ? DimsOf(graph, v) : std::nullopt;
    SF_CHECK_ARG(dims.has_value(), "node '", node.name, "': an output has no concrete shape");
    outs.push_back({graph.value(v).dtype, Product(*dims)});
  }
  FusedNodeProgram out{p.constant->span<int64_t>(), elements,
                       static_cast<int>(p.constant->dims()[0])};
  absl::Status s = CheckFusedProgram(out.words, elements, ins, outs);
  if (!s.ok())
    return absl::InvalidArgumentError(absl::StrCat("node '", node.name, "': ", s.message()));
  return out;
}

}  // namespace sf
