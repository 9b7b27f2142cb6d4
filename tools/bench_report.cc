#include "tools/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "graph/float16.h"
#include "graph/op_type.h"

namespace sf::tools {
namespace {

// Tile edge a conv row reports: its planned block, else the middle granularity.
constexpr int kDefaultTileEdge = 8;

// One row of the per-conv table: the same conv in both plans.
struct ConvRow {
  const LayerProfile* sparse = nullptr;  // the SparseFlow plan's step (occupancy measured here)
  const LayerProfile* dense = nullptr;   // the all-cuDNN plan's step (nullptr if missing)
  // A conv fused with its neuron in the SparseFlow plan: that neuron's step
  // in the all-cuDNN plan, which the fused step replaces too.
  const LayerProfile* dense_neuron = nullptr;
  TileOccupancy tile;  // at the reported edge; block 0 when not measured
  bool gpu = false;
  // The sparse kernel alone, prescan included: timed on its own on CUDA
  // (whichever path the step runs); on the CPU the step itself when planned
  // sparse (the CPU has no run-time choice); -1 when not measured.
  double sparse_us() const {
    if (sparse->sparse_us >= 0) return sparse->sparse_us;
    return !gpu && sparse->kernel == "sparse" ? sparse->median_us : -1;
  }
  // The kernel the SparseFlow plan's step ran.
  std::string ran() const {
    if (!sparse->path.empty()) return sparse->path;
    if (sparse->kernel == "sparse") return "sparse";
    return gpu ? "cudnn" : "dense";
  }
  // What the all-cuDNN plan spends on the same work: the conv, plus the
  // neuron for a fused conv; -1 when missing.
  double dense_us() const {
    if (dense == nullptr) return -1;
    return dense->median_us + (dense_neuron != nullptr ? dense_neuron->median_us : 0);
  }
  // cuDNN (dense plan) over the sparse kernel alone, and over the step as run.
  double speedup() const {
    return dense != nullptr && sparse_us() > 0 ? dense_us() / sparse_us() : 0;
  }
  double plan_speedup() const {
    return dense != nullptr && sparse->median_us > 0 ? dense_us() / sparse->median_us : 0;
  }
};

int64_t DimOr(const std::vector<int64_t>& dims, size_t i) { return i < dims.size() ? dims[i] : 0; }

std::vector<ConvRow> ConvRows(const BenchReport& r) {
  std::vector<ConvRow> rows;
  for (const LayerProfile& s : r.sparse.layers) {
    if (s.op != OpType::kConv) continue;
    ConvRow row;
    row.sparse = &s;
    row.gpu = r.device != "cpu";
    for (const LayerProfile& d : r.dense.layers) {
      if (d.name == s.name) row.dense = &d;
      if (!s.fused_neuron.empty() && d.name == s.fused_neuron) row.dense_neuron = &d;
    }
    const int edge = s.block > 0 ? s.block : kDefaultTileEdge;
    for (const TileOccupancy& t : s.tiles) {
      if (t.block == edge) row.tile = t;
    }
    rows.push_back(row);
  }
  return rows;
}

// Steps named in a layer-sum warning per kind of contributor.
constexpr size_t kNamedSteps = 3;
// A step is "unstable alone" when its median exceeds its min by this factor.
constexpr double kUnstableAlone = 1.5;

double PerSecond(int64_t samples, double us) { return us > 0 ? samples * 1e6 / us : 0; }

double Mb(int64_t bytes) { return static_cast<double>(bytes) / 1e6; }

// "tensor traffic ..." lines: each profiled plan's bytes read and written
// (every tensor once per step: a model, not DRAM counters), and what the
// SparseFlow plan saves against the all-cuDNN one. Empty without layers.
std::string TrafficLines(const BenchReport& r) {
  std::string out;
  int64_t moved[2] = {-1, -1};  // bytes read + written by r.sparse, r.dense; -1 without layers
  const PlanBench* plans[2] = {&r.sparse, &r.dense};
  for (int i = 0; i < 2; ++i) {
    if (plans[i]->layers.empty()) continue;
    if (out.empty()) {
      out =
          "\ntensor traffic (each step reads its inputs and writes its outputs once, fusions "
          "followed; a model from tensor sizes, not DRAM counters):\n";
    }
    const LayerTotals t = SumLayers(plans[i]->layers);
    moved[i] = t.read_bytes + t.written_bytes;
    absl::StrAppendFormat(&out, "  %-11s read %9.2f MB  written %9.2f MB  total %9.2f MB\n",
                          plans[i]->label, Mb(t.read_bytes), Mb(t.written_bytes), Mb(moved[i]));
  }
  if (moved[0] >= 0 && moved[1] >= 0) {
    const int64_t saved = moved[1] - moved[0];
    absl::StrAppendFormat(&out, "  %s plan moves %.2f MB %s than the %s plan (%.1f%%)\n",
                          r.sparse.label, Mb(std::abs(saved)), saved >= 0 ? "less" : "more",
                          r.dense.label, moved[1] > 0 ? 100.0 * std::abs(saved) / moved[1] : 0.0);
  }
  return out;
}

}  // namespace

LayerTotals SumLayers(const std::vector<LayerProfile>& layers) {
  LayerTotals t;
  for (const LayerProfile& l : layers) {
    t.all_us += l.median_us;
    if (l.op == OpType::kConv) t.conv_us += l.median_us;
    // An Add fused with the neuron after it runs that neuron (and the Add).
    if (IsNeuron(l.op) || (l.op == OpType::kAdd && !l.fused_neuron.empty())) {
      t.neuron_us += l.median_us;
    }
    if (l.path == "sparse" && l.prescan_us > 0) t.prescan_us += l.prescan_us;
    t.read_bytes += l.read_bytes;
    t.written_bytes += l.written_bytes;
  }
  return t;
}

LayerSumCheck CheckLayerSum(const PlanBench& b) {
  LayerSumCheck c;
  c.sum_us = SumLayers(b.layers).all_us;
  c.plain_p50_us = b.compute.count > 0 ? b.compute.p50 : 0;
  c.graph_p50_us = b.graph.count > 0 ? b.graph.p50 : 0;
  c.reference_us = c.graph_p50_us > 0 ? c.graph_p50_us : c.plain_p50_us;
  c.measured = !b.layers.empty() && c.reference_us > 0;
  c.ratio = c.measured ? c.sum_us / c.reference_us : 0;
  return c;
}

std::vector<std::string> LayerSumWarnings(const BenchReport& r) {
  std::vector<std::string> warnings;
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    const LayerSumCheck c = CheckLayerSum(*b);
    if (c.within()) continue;
    const bool graph = c.graph_p50_us > 0;
    std::vector<std::string> causes;
    if (graph && c.plain_p50_us > c.graph_p50_us) {
      const double overhead = c.plain_p50_us - c.graph_p50_us;
      causes.push_back(absl::StrFormat(
          "launch overhead that graph replay removes %.1f us (%.2f us x %d steps)", overhead,
          overhead / static_cast<double>(b->layers.size()), b->layers.size()));
    }
    const double gap = c.reference_us - c.sum_us;
    causes.push_back(gap > 0 ? absl::StrFormat("%.1f us of the run is in no step timed alone (gaps "
                                               "between kernels, caches cold in sequence)",
                                               gap)
                             : absl::StrFormat("the steps alone overstate the run by %.1f us (each "
                                               "repeated alone on warm caches or with its own "
                                               "fixed cost)",
                                               -gap));
    std::vector<const LayerProfile*> by_time;
    for (const LayerProfile& l : b->layers) by_time.push_back(&l);
    std::sort(by_time.begin(), by_time.end(), [](const LayerProfile* x, const LayerProfile* y) {
      return x->median_us > y->median_us;
    });
    std::vector<std::string> largest, unstable;
    for (const LayerProfile* l : by_time) {
      if (largest.size() < kNamedSteps) {
        largest.push_back(absl::StrFormat("%s %.1f us (%.0f%%)", l->name, l->median_us,
                                          c.sum_us > 0 ? 100 * l->median_us / c.sum_us : 0));
      }
      if (unstable.size() < kNamedSteps && l->min_us > 0 &&
          l->median_us > kUnstableAlone * l->min_us) {
        unstable.push_back(
            absl::StrFormat("%s median %.1f vs min %.1f us", l->name, l->median_us, l->min_us));
      }
    }
    causes.push_back(absl::StrCat("largest steps alone: ", absl::StrJoin(largest, ", ")));
    if (!unstable.empty()) {
      causes.push_back(absl::StrCat("least stable alone: ", absl::StrJoin(unstable, ", ")));
    }
    if (!b->trace.steps.empty()) {
      causes.push_back(absl::StrFormat(
          "each step's time inside the traced CUDA-graph replay is in the --kernel-trace file "
          "(they sum to %.1f us; the replay's span %.1f us)",
          StepsGraphUs(b->trace), b->trace.span_us));
    }
    warnings.push_back(absl::StrFormat(
        "WARNING: %s plan: the %d steps timed alone sum to %.1f us, %.2fx the whole run's "
        "%.1f us (%s p50%s), outside 1 +- %.0f%%; biggest contributors: %s",
        b->label, b->layers.size(), c.sum_us, c.ratio, c.reference_us,
        graph ? "CUDA graph replay" : "plain launches",
        graph ? absl::StrFormat("; plain launches %.1f us", c.plain_p50_us) : "",
        100 * kLayerSumTolerance, absl::StrJoin(causes, "; ")));
  }
  return warnings;
}

// A finite number, or null (JSON has no NaN/Inf).
std::string JsonNumber(double v) {
  return std::isfinite(v) ? absl::StrFormat("%.6g", v) : std::string("null");
}
std::string JsonInts(const std::vector<int64_t>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ", "), "]");
}

std::string StatsJson(const LatencyStats& s) {
  if (s.count == 0) return "null";
  return absl::StrCat("{\"count\": ", s.count, ", \"min\": ", JsonNumber(s.min),
                      ", \"max\": ", JsonNumber(s.max), ", \"mean\": ", JsonNumber(s.mean),
                      ", \"stddev\": ", JsonNumber(s.stddev), ", \"cv\": ", JsonNumber(s.cv()),
                      ", \"p50\": ", JsonNumber(s.p50), ", \"p90\": ", JsonNumber(s.p90),
                      ", \"p95\": ", JsonNumber(s.p95), ", \"p99\": ", JsonNumber(s.p99),
                      ", \"high_variation\": ", HighVariation(s) ? "true" : "false", "}");
}

namespace {

// -1 (a density or time not measured) as null.
std::string JsonOptional(double v) { return v < 0 ? std::string("null") : JsonNumber(v); }

std::string TilesJson(const std::vector<TileOccupancy>& tiles) {
  std::vector<std::string> parts;
  for (const TileOccupancy& t : tiles) {
    parts.push_back(absl::StrCat("{\"block\": ", t.block,
                                 ", \"tile_density\": ", JsonNumber(t.tile_density),
                                 ", \"group_tile_density\": ", JsonNumber(t.group_tile_density),
                                 ", \"group_channels\": ", t.group_channels, "}"));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

// The calibrated crossover (LayerProfile::switch_sparse_tiles) as a share of
// the tiles: sparse won up to it; 0 when it won at none (not even an empty
// input); null where not calibrated.
std::string CrossoverJson(const LayerProfile& l) {
  if (l.switch_sparse_tiles < -1 || l.switch_tiles <= 0) return "null";
  return JsonNumber(std::max(l.switch_sparse_tiles, 0) / static_cast<double>(l.switch_tiles));
}

std::string LayerJson(const LayerProfile& l) {
  return absl::StrCat(
      "{\"name\": ", JsonString(l.name), ", \"op\": ", JsonString(ToString(l.op)),
      ", \"kernel\": ", JsonString(l.kernel), ", \"kernel_detail\": ", JsonString(l.kernel_detail),
      ", \"block\": ", l.block, ", \"input_class\": ", JsonString(ToString(l.input_class)),
      ", \"input_dims\": ", JsonInts(l.input_dims), ", \"output_dims\": ", JsonInts(l.output_dims),
      ", \"median_us\": ", JsonNumber(l.median_us), ", \"min_us\": ", JsonNumber(l.min_us),
      ", \"iters\": ", l.iters, ", \"prescan_us\": ", JsonOptional(l.prescan_us),
      ", \"sparse_us\": ", JsonOptional(l.sparse_us), ", \"path\": ", JsonString(l.path),
      ", \"element_density\": ", JsonOptional(l.element_density),
      ", \"tiles\": ", TilesJson(l.tiles), ", \"read_bytes\": ", l.read_bytes,
      ", \"written_bytes\": ", l.written_bytes, "}");
}

std::string PlanJson(const PlanBench& b, int64_t samples) {
  const LayerTotals t = SumLayers(b.layers);
  const LayerSumCheck c = CheckLayerSum(b);
  return absl::StrCat(
      "{\"load_ms\": ", JsonNumber(b.load_ms), ", \"first_run_ms\": ", JsonNumber(b.first_run_ms),
      ", \"clock\": ", JsonString(b.runs.clock), ",\n      \"compute_us\": ", StatsJson(b.compute),
      ",\n      \"h2d_us\": ", StatsJson(b.h2d), ",\n      \"d2h_us\": ", StatsJson(b.d2h),
      ",\n      \"total_us\": ", StatsJson(b.total),
      ",\n      \"graph_replay_us\": ", StatsJson(b.graph),
      ", \"graph_status\": ", JsonString(b.runs.graph_status),
      ",\n      \"throughput_samples_per_s\": {\"compute_p50\": ",
      JsonNumber(PerSecond(samples, b.compute.p50)),
      ", \"total_p50\": ", JsonNumber(PerSecond(samples, b.total.p50)), ", \"graph_p50\": ",
      b.graph.count > 0 ? JsonNumber(PerSecond(samples, b.graph.p50)) : std::string("null"),
      "},\n      \"layer_sum_us\": ", JsonNumber(t.all_us),
      ", \"conv_sum_us\": ", JsonNumber(t.conv_us),
      ", \"conv_share\": ", JsonNumber(t.share(t.conv_us)),
      ",\n      \"totals\": {\"steps\": ", b.layers.size(), ", \"all_us\": ", JsonNumber(t.all_us),
      ", \"conv_us\": ", JsonNumber(t.conv_us), ", \"prescan_us\": ", JsonNumber(t.prescan_us),
      ", \"neuron_us\": ", JsonNumber(t.neuron_us), ", \"other_us\": ", JsonNumber(t.other_us()),
      ", \"conv_share\": ", JsonNumber(t.share(t.conv_us)),
      ", \"neuron_share\": ", JsonNumber(t.share(t.neuron_us)),
      ", \"other_share\": ", JsonNumber(t.share(t.other_us())), ", \"read_bytes\": ", t.read_bytes,
      ", \"written_bytes\": ", t.written_bytes, "},\n      \"layer_sum_check\": ",
      c.measured
          ? absl::StrCat(
                "{\"sum_us\": ", JsonNumber(c.sum_us),
                ", \"compute_p50_us\": ", JsonNumber(c.plain_p50_us), ", \"graph_replay_p50_us\": ",
                c.graph_p50_us > 0 ? JsonNumber(c.graph_p50_us) : std::string("null"),
                ", \"reference\": ", JsonString(c.graph_p50_us > 0 ? "graph_replay" : "plain"),
                ", \"ratio\": ", JsonNumber(c.ratio),
                ", \"tolerance\": ", JsonNumber(kLayerSumTolerance),
                ", \"within_tolerance\": ", c.within() ? "true" : "false", "}")
          : std::string("null"),
      ",\n      \"kernel_trace\": ",
      b.trace.kernels > 0     ? KernelTraceJson(b.trace)
      : b.trace_error.empty() ? std::string("null")
                              : absl::StrCat("{\"error\": ", JsonString(b.trace_error), "}"),
      "}");
}

std::string Us(double us) { return absl::StrFormat("%.1f", us); }
// -1 (not measured) as "-".
std::string OptionalUs(double us) { return us < 0 ? std::string("-") : Us(us); }
std::string Density(double d) { return d < 0 ? std::string("-") : absl::StrFormat("%.3f", d); }

std::string LatencyLine(absl::string_view what, const LatencyStats& s, int64_t samples) {
  if (s.count == 0) return absl::StrFormat("  %-26s n/a\n", what);
  return absl::StrFormat(
      "  %-26s min %9.1f  p50 %9.1f  p90 %9.1f  p95 %9.1f  p99 %9.1f  max %9.1f  mean %9.1f  "
      "cv %4.1f%%  %10.1f samples/s\n",
      what, s.min, s.p50, s.p90, s.p95, s.p99, s.max, s.mean, 100 * s.cv(),
      PerSecond(samples, s.p50));
}

}  // namespace

void SummarizeRuns(PlanBench& b) {
  b.compute = Summarize(b.runs.compute_us);
  b.h2d = Summarize(b.runs.h2d_us);
  b.d2h = Summarize(b.runs.d2h_us);
  std::vector<double> total;
  for (size_t i = 0; i < b.runs.compute_us.size(); ++i) {
    total.push_back(b.runs.compute_us[i] + (i < b.runs.h2d_us.size() ? b.runs.h2d_us[i] : 0) +
                    (i < b.runs.d2h_us.size() ? b.runs.d2h_us[i] : 0));
  }
  b.total = Summarize(total);
  b.graph = Summarize(b.runs.graph_us);
}

std::vector<std::string> VariationWarnings(const BenchReport& r) {
  std::vector<std::string> warnings;
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    for (const auto& [what, s] :
         {std::pair<const char*, const LatencyStats*>{"compute", &b->compute},
          {"graph replay", &b->graph}}) {
      if (!HighVariation(*s)) continue;
      warnings.push_back(absl::StrFormat(
          "warning: %s plan, %s: high run-to-run variation (p99/p50 = %.2f, cv = %.1f%%; "
          "limits %.1f and %.0f%%): quiet the machine, raise --warmup/--iters",
          b->label, what, s->p50 > 0 ? s->p99 / s->p50 : 0, 100 * s->cv(), kMaxTailRatio,
          100 * kMaxCv));
    }
  }
  return warnings;
}

double MaxOutputDiff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (a.size() != b.size()) return kInf;
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].dtype() != b[i].dtype() || a[i].dims() != b[i].dims()) return kInf;
    const int64_t n = a[i].num_elements();
    if (a[i].dtype() == DataType::kFloat32 || a[i].dtype() == DataType::kFloat16) {
      const bool half = a[i].dtype() == DataType::kFloat16;
      for (int64_t k = 0; k < n; ++k) {
        const double x = half ? HalfToFloat(a[i].data<uint16_t>()[k]) : a[i].data<float>()[k];
        const double y = half ? HalfToFloat(b[i].data<uint16_t>()[k]) : b[i].data<float>()[k];
        const double d = std::fabs(x - y);
        if (!(d <= worst)) worst = std::isnan(d) ? kInf : d;
      }
    } else if (a[i].nbytes() > 0 &&
               std::memcmp(a[i].raw_data(), b[i].raw_data(), a[i].nbytes()) != 0) {
      return kInf;
    }
  }
  return worst;
}

namespace {

std::string DiffJson(double d) {
  if (d < 0) return "null";
  if (std::isinf(d)) return "\"inf\"";
  return JsonNumber(d);
}

std::string DiffText(double d) {
  if (d < 0) return "not checked";
  if (std::isinf(d)) return "differ (shape, type or NaN)";
  return absl::StrFormat("max |diff| %.3g", d);
}

}  // namespace

std::vector<std::string> OutputWarnings(const BenchReport& r) {
  std::vector<std::string> warnings;
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    if (b->replay_max_diff > 0) {
      warnings.push_back(absl::StrFormat(
          "WARNING: %s plan: the outputs after timing differ from the first run's (%s): the "
          "timed runs did not compute what the first run did",
          b->label, DiffText(b->replay_max_diff)));
    }
  }
  return warnings;
}

std::string FormatConsole(const BenchReport& r) {
  const bool gpu = r.device != "cpu";
  std::string out = absl::StrFormat(
      "model %s  device %s  precision %s  layout %s  input %s %s\n"
      "samples per run %d (rows %d / %d per sample, T %d%s)  warmup %d  iters %d  layer iters %d  "
      "clock %s  fuse %s  overlap %s\n",
      r.model, r.device, r.precision, r.layout, r.input, ShapeToString(r.input_dims), r.samples,
      DimOr(r.input_dims, 0), r.rows_per_sample, r.steps,
      r.batch > 0 ? absl::StrCat(", --batch ", r.batch) : "", r.warmup, r.iters, r.layer_iters,
      r.sparse.runs.clock, r.fuse_neurons ? "on" : "off", r.overlap_branches ? "on" : "off");
  if (!r.label.empty()) absl::StrAppend(&out, "label: ", r.label, "\n");
  if (!gpu) {
    absl::StrAppend(&out,
                    "CPU timing run: 'dense' below is the CPU reference conv, 'sparse' the CPU "
                    "block-sparse conv (no cuDNN involved)\n");
  }
  const std::vector<ConvRow> rows = ConvRows(r);
  if (!rows.empty()) {
    absl::StrAppend(&out, "\nper conv (each step alone on its real input; median us):\n");
    absl::StrAppendFormat(
        &out, "%-28s %9s %11s %5s %4s %5s %-15s %7s %5s %7s %7s %10s %10s %10s %7s %10s %-6s  %s\n",
        "name", "HxW", "Cin->Cout", "k", "s", "block", "input_class", "elem_d", "tile", "tile_d",
        "grp_d", gpu ? "cudnn_us" : "dense_us", "sparse_us", "prescan_us", "speedup", "plan_us",
        "ran", "kernel");
    for (const ConvRow& row : rows) {
      const LayerProfile& s = *row.sparse;
      absl::StrAppendFormat(
          &out,
          "%-28s %9s %11s %5s %4s %5d %-15s %7s %5s %7s %7s %10s %10s %10s %7s %10s %-6s  %s\n",
          s.name, absl::StrCat(DimOr(s.input_dims, 2), "x", DimOr(s.input_dims, 3)),
          absl::StrCat(DimOr(s.input_dims, 1), "->", DimOr(s.output_dims, 1)),
          absl::StrCat(s.kernel_hw[0], "x", s.kernel_hw[1]),
          s.stride[0] == s.stride[1] ? absl::StrCat(s.stride[0])
                                     : absl::StrCat(s.stride[0], "x", s.stride[1]),
          s.block, ToString(s.input_class), Density(s.element_density),
          row.tile.block > 0 ? absl::StrCat(row.tile.block) : "-",
          row.tile.block > 0 ? Density(row.tile.tile_density) : "-",
          row.tile.block > 0 ? Density(row.tile.group_tile_density) : "-",
          row.dense ? Us(row.dense_us()) : "-", OptionalUs(row.sparse_us()),
          OptionalUs(s.prescan_us),
          row.speedup() > 0 ? absl::StrFormat("%.2fx", row.speedup()) : "-", Us(s.median_us),
          row.ran(), s.kernel_detail);
    }
    absl::StrAppend(&out,
                    "  (tile_d: fraction of tiles, halo included, not all zero; grp_d: the same "
                    "per 8-channel group;\n   sparse_us: the sparse kernel alone, prescan "
                    "included, even where the plan ran cuDNN; prescan_us: its prescan alone;\n"
                    "   speedup: ",
                    gpu ? "cudnn_us" : "dense_us",
                    " / sparse_us; plan_us: the SparseFlow plan's step as it ran (ran);\n"
                    "   ran 'fused': the conv and its neuron in one kernel, ",
                    gpu ? "cudnn_us" : "dense_us",
                    " then counts the all-cuDNN plan's conv + neuron steps)\n");
  }
  bool any_totals = false;
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    if (b->layers.empty()) continue;
    if (!any_totals) {
      absl::StrAppend(&out, "\ntotals (sum of every step timed alone, median us):\n");
      absl::StrAppendFormat(&out, "  %-11s %6s %11s %18s %18s %18s %18s %11s %11s %7s\n", "plan",
                            "steps", "sum_us", "convs", "(of which prescan)", "neurons", "rest",
                            "plain_p50", "graph_p50", "sum/e2e");
      any_totals = true;
    }
    const LayerTotals t = SumLayers(b->layers);
    const LayerSumCheck c = CheckLayerSum(*b);
    auto part = [&](double us) {
      return absl::StrFormat("%s (%.1f%%)", Us(us), 100 * t.share(us));
    };
    absl::StrAppendFormat(
        &out, "  %-11s %6d %11s %18s %18s %18s %18s %11s %11s %7s\n", b->label, b->layers.size(),
        Us(t.all_us), part(t.conv_us), part(t.prescan_us), part(t.neuron_us), part(t.other_us()),
        Us(c.plain_p50_us), c.graph_p50_us > 0 ? Us(c.graph_p50_us) : "-",
        c.measured ? absl::StrFormat("%.2f%s", c.ratio, c.within() ? "" : "!") : "-");
  }
  if (any_totals) {
    absl::StrAppendFormat(&out,
                          "  (sum/e2e: sum_us over the graph-replay p50 where measured, else the "
                          "plain p50; '!' outside 1 +- %.0f%%, see the WARNING)\n",
                          100 * kLayerSumTolerance);
    absl::StrAppend(&out, TrafficLines(r));
  }
  absl::StrAppend(&out, "\nwhole model (us per run):\n");
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    absl::StrAppendFormat(&out, "%s plan: cold start: load %.1f ms, first run %.1f ms\n", b->label,
                          b->load_ms, b->first_run_ms);
    absl::StrAppend(&out, LatencyLine(gpu ? "compute (stream)" : "compute", b->compute, r.samples));
    if (gpu) {
      absl::StrAppend(&out, LatencyLine("host->device copy", b->h2d, r.samples));
    }
    absl::StrAppend(&out,
                    LatencyLine(gpu ? "device->host copy" : "output copy", b->d2h, r.samples));
    absl::StrAppend(&out, LatencyLine("total per run", b->total, r.samples));
    if (b->graph.count > 0) {
      absl::StrAppend(&out, LatencyLine("compute (CUDA graph)", b->graph, r.samples));
    } else if (gpu) {
      absl::StrAppendFormat(&out, "  %-26s not measured: %s\n", "compute (CUDA graph)",
                            b->runs.graph_status);
    }
  }
  if (r.sparse.compute.p50 > 0) {
    absl::StrAppendFormat(&out, "speedup (dense p50 / sparseflow p50): compute %.2fx",
                          r.dense.compute.p50 / r.sparse.compute.p50);
    if (r.sparse.graph.p50 > 0 && r.dense.graph.p50 > 0) {
      absl::StrAppendFormat(&out, ", CUDA graph %.2fx", r.dense.graph.p50 / r.sparse.graph.p50);
    }
    absl::StrAppend(&out, "\n");
  }
  if (r.sparse.replay_max_diff >= 0 || r.plans_max_diff >= 0) {
    absl::StrAppend(&out, "outputs: after timing vs first run: sparseflow ",
                    DiffText(r.sparse.replay_max_diff), ", dense ",
                    DiffText(r.dense.replay_max_diff),
                    "; sparseflow vs dense plan: ", DiffText(r.plans_max_diff), "\n");
  }
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    if (b->trace.kernels > 0) {
      const KernelTraceSummary& t = b->trace;
      absl::StrAppendFormat(&out,
                            "%s plan, one CUDA-graph replay on the GPU (CUPTI, median of %d): %s\n",
                            b->label, t.replays, KernelTraceTotals(t));
      if (!t.steps.empty()) {
        const double sum = StepsGraphUs(t);
        absl::StrAppendFormat(
            &out, "%s plan: per-step times inside the traced replay sum to %.1f us %s span",
            b->label, sum, StepsMatchSpan(t) ? "= the replay's" : "!= the replay's");
        if (b->graph.count > 0 && b->graph.p50 > 0) {
          absl::StrAppendFormat(&out, "; vs the CUDA-graph p50 (events) %.1f us: %.2fx",
                                b->graph.p50, sum / b->graph.p50);
        }
        absl::StrAppend(&out, " (per step in the --kernel-trace file)\n");
      } else if (!t.steps_error.empty()) {
        absl::StrAppend(&out, b->label, " plan, per-step times in the replay: ", t.steps_error,
                        "\n");
      }
    } else if (!b->trace_error.empty()) {
      absl::StrAppend(&out, b->label, " plan, kernel trace: ", b->trace_error, "\n");
    }
  }
  for (const std::string& w : OutputWarnings(r)) absl::StrAppend(&out, w, "\n");
  return out;
}

std::string FormatKernelTraceFile(const BenchReport& r) {
  std::string out = absl::StrFormat("model %s  device %s  precision %s  layout %s  input %s\n",
                                    r.model, r.device, r.precision, r.layout, r.input);
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    absl::StrAppend(&out, "\n",
                    b->trace.kernels > 0
                        ? FormatKernelTrace(b->label, b->trace)
                        : absl::StrCat(b->label, " plan: no trace: ", b->trace_error, "\n"));
  }
  return out;
}

std::string FormatJson(const BenchReport& r) {
  std::string out = absl::StrCat(
      "{\n  \"tool\": \"sfbench\",\n  \"model\": ", JsonString(r.model),
      ",\n  \"device\": ", JsonString(r.device), ",\n  \"precision\": ", JsonString(r.precision),
      ",\n  \"layout\": ", JsonString(r.layout),
      ",\n  \"fuse_neurons\": ", r.fuse_neurons ? "true" : "false",
      ",\n  \"overlap_branches\": ", r.overlap_branches ? "true" : "false",
      ",\n  \"input\": ", JsonString(r.input), ",\n  \"input_dims\": ", JsonInts(r.input_dims),
      ",\n  \"label\": ", JsonString(r.label),
      ",\n  \"batch\": ", r.batch > 0 ? absl::StrCat(r.batch) : std::string("null"),
      ",\n  \"steps\": ", r.steps, ",\n  \"rows_per_sample\": ", r.rows_per_sample,
      ",\n  \"samples_per_run\": ", r.samples, ",\n  \"warmup\": ", r.warmup,
      ",\n  \"iters\": ", r.iters, ",\n  \"layer_iters\": ", r.layer_iters,
      ",\n  \"plans\": {\n    \"sparseflow\": ", PlanJson(r.sparse, r.samples),
      ",\n    \"dense\": ", PlanJson(r.dense, r.samples),
      "\n  },\n  \"speedup\": {\"compute_p50\": ",
      JsonNumber(r.sparse.compute.p50 > 0 ? r.dense.compute.p50 / r.sparse.compute.p50 : 0),
      ", \"graph_p50\": ",
      r.sparse.graph.p50 > 0 && r.dense.graph.p50 > 0
          ? JsonNumber(r.dense.graph.p50 / r.sparse.graph.p50)
          : std::string("null"),
      "},\n  \"outputs\": {\"sparseflow_replay_max_diff\": ", DiffJson(r.sparse.replay_max_diff),
      ", \"dense_replay_max_diff\": ", DiffJson(r.dense.replay_max_diff),
      ", \"plans_max_diff\": ", DiffJson(r.plans_max_diff), "},\n  \"convs\": [");
  const std::vector<ConvRow> rows = ConvRows(r);
  for (size_t i = 0; i < rows.size(); ++i) {
    const ConvRow& row = rows[i];
    const LayerProfile& s = *row.sparse;
    absl::StrAppend(
        &out, i == 0 ? "\n" : ",\n", "    {\"name\": ", JsonString(s.name),
        ", \"H\": ", DimOr(s.input_dims, 2), ", \"W\": ", DimOr(s.input_dims, 3),
        ", \"C_in\": ", DimOr(s.input_dims, 1), ", \"C_out\": ", DimOr(s.output_dims, 1),
        ", \"kernel_hw\": [", s.kernel_hw[0], ", ", s.kernel_hw[1], "], \"stride\": [", s.stride[0],
        ", ", s.stride[1], "], \"block\": ", s.block,
        ", \"input_class\": ", JsonString(ToString(s.input_class)),
        ", \"element_density\": ", JsonOptional(s.element_density),
        ", \"tile_block\": ", row.tile.block,
        ", \"tile_density\": ", row.tile.block > 0 ? JsonNumber(row.tile.tile_density) : "null",
        ", \"group_tile_density\": ",
        row.tile.block > 0 ? JsonNumber(row.tile.group_tile_density) : "null",
        ", \"tiles\": ", TilesJson(s.tiles),
        ", \"dense_us\": ", row.dense ? JsonNumber(row.dense_us()) : "null",
        ", \"sparse_us\": ", JsonOptional(row.sparse_us()),
        ", \"prescan_us\": ", JsonOptional(s.prescan_us),
        ", \"speedup\": ", row.speedup() > 0 ? JsonNumber(row.speedup()) : "null",
        ", \"plan_us\": ", JsonNumber(s.median_us),
        ", \"plan_speedup\": ", row.dense ? JsonNumber(row.plan_speedup()) : "null",
        ", \"ran\": ", JsonString(row.ran()), ", \"kernel\": ", JsonString(s.kernel),
        ", \"kernel_detail\": ", JsonString(s.kernel_detail),
        ", \"dense_kernel_detail\": ", row.dense ? JsonString(row.dense->kernel_detail) : "null",
        ", \"crossover_tile_density\": ", CrossoverJson(s),
        ", \"fused_neuron\": ", s.fused_neuron.empty() ? "null" : JsonString(s.fused_neuron), "}");
  }
  absl::StrAppend(&out, rows.empty() ? "]" : "\n  ]", ",\n  \"warnings\": [");
  std::vector<std::string> warnings = VariationWarnings(r);
  for (std::string& w : LayerSumWarnings(r)) warnings.push_back(std::move(w));
  for (std::string& w : OutputWarnings(r)) warnings.push_back(std::move(w));
  for (size_t i = 0; i < warnings.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", JsonString(warnings[i]));
  }
  return out + "]\n}\n";
}

std::string FormatCsv(const BenchReport& r) {
  std::string out =
      "name,H,W,C_in,C_out,kernel_h,kernel_w,stride_h,stride_w,block,input_class,element_density,"
      "tile_block,tile_density,group_tile_density,dense_us,sparse_us,speedup,prescan_us,plan_us,"
      "ran,kernel_detail\n";
  for (const ConvRow& row : ConvRows(r)) {
    const LayerProfile& s = *row.sparse;
    std::string detail = s.kernel_detail;
    std::replace(detail.begin(), detail.end(), ',', ';');
    std::string name = s.name;
    std::replace(name.begin(), name.end(), ',', ';');
    absl::StrAppend(&out, name, ",", DimOr(s.input_dims, 2), ",", DimOr(s.input_dims, 3), ",",
                    DimOr(s.input_dims, 1), ",", DimOr(s.output_dims, 1), ",", s.kernel_hw[0], ",",
                    s.kernel_hw[1], ",", s.stride[0], ",", s.stride[1], ",", s.block, ",",
                    ToString(s.input_class), ",",
                    s.element_density < 0 ? "" : JsonNumber(s.element_density), ",", row.tile.block,
                    ",", row.tile.block > 0 ? JsonNumber(row.tile.tile_density) : "", ",",
                    row.tile.block > 0 ? JsonNumber(row.tile.group_tile_density) : "", ",",
                    row.dense ? JsonNumber(row.dense_us()) : "", ",",
                    row.sparse_us() < 0 ? "" : JsonNumber(row.sparse_us()), ",",
                    row.speedup() > 0 ? JsonNumber(row.speedup()) : "", ",",
                    s.prescan_us < 0 ? "" : JsonNumber(s.prescan_us), ",", JsonNumber(s.median_us),
                    ",", row.ran(), ",", detail, "\n");
  }
  return out;
}

std::string FormatProfileJson(const BenchReport& r) {
  std::string out = absl::StrCat("{\n  \"model\": ", JsonString(r.model),
                                 ",\n  \"device\": ", JsonString(r.device), ",\n  \"plans\": {");
  bool first_plan = true;
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    absl::StrAppend(&out, first_plan ? "\n" : ",\n", "    ", JsonString(b->label), ": [");
    first_plan = false;
    for (size_t i = 0; i < b->layers.size(); ++i) {
      absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "      ", LayerJson(b->layers[i]));
    }
    absl::StrAppend(&out, b->layers.empty() ? "]" : "\n    ]");
  }
  return out + "\n  }\n}\n";
}

}  // namespace sf::tools
