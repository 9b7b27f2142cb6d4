#include "tools/bench_report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace sf::tools {
namespace {

// Tile edge a conv row reports: its planned block, else the middle granularity.
constexpr int kDefaultTileEdge = 8;

// One row of the per-conv table: the same conv in both plans.
struct ConvRow {
  const LayerProfile* sparse = nullptr;  // the SparseFlow plan's step (occupancy measured here)
  const LayerProfile* dense = nullptr;   // the all-cuDNN plan's step (nullptr if missing)
  TileOccupancy tile;                    // at the reported edge; block 0 when not measured
  double speedup() const {
    return dense != nullptr && sparse->median_us > 0 ? dense->median_us / sparse->median_us : 0;
  }
};

int64_t DimOr(const std::vector<int64_t>& dims, size_t i) { return i < dims.size() ? dims[i] : 0; }

std::vector<ConvRow> ConvRows(const BenchReport& r) {
  std::vector<ConvRow> rows;
  for (const LayerProfile& s : r.sparse.layers) {
    if (s.op != OpType::kConv) continue;
    ConvRow row;
    row.sparse = &s;
    for (const LayerProfile& d : r.dense.layers) {
      if (d.name == s.name) row.dense = &d;
    }
    const int edge = s.block > 0 ? s.block : kDefaultTileEdge;
    for (const TileOccupancy& t : s.tiles) {
      if (t.block == edge) row.tile = t;
    }
    rows.push_back(row);
  }
  return rows;
}

struct Totals {
  double all_us = 0, conv_us = 0;
  double conv_share() const { return all_us > 0 ? conv_us / all_us : 0; }
};

Totals SumLayers(const std::vector<LayerProfile>& layers) {
  Totals t;
  for (const LayerProfile& l : layers) {
    t.all_us += l.median_us;
    if (l.op == OpType::kConv) t.conv_us += l.median_us;
  }
  return t;
}

double PerSecond(int64_t samples, double us) { return us > 0 ? samples * 1e6 / us : 0; }

}  // namespace

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out += ch;
    }
  }
  return out + "\"";
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
  return absl::StrCat(
      "{\"count\": ", s.count, ", \"min\": ", JsonNumber(s.min), ", \"max\": ", JsonNumber(s.max),
      ", \"mean\": ", JsonNumber(s.mean), ", \"stddev\": ", JsonNumber(s.stddev),
      ", \"cv\": ", JsonNumber(s.cv()), ", \"p50\": ", JsonNumber(s.p50),
      ", \"p90\": ", JsonNumber(s.p90), ", \"p95\": ", JsonNumber(s.p95),
      ", \"p99\": ", JsonNumber(s.p99),
      ", \"high_variation\": ", HighVariation(s) ? "true" : "false", "}");
}

namespace {

// -1 densities are "not measured".
std::string JsonDensity(double v) { return v < 0 ? std::string("null") : JsonNumber(v); }

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

std::string LayerJson(const LayerProfile& l) {
  return absl::StrCat(
      "{\"name\": ", JsonString(l.name), ", \"op\": ", JsonString(ToString(l.op)),
      ", \"kernel\": ", JsonString(l.kernel), ", \"kernel_detail\": ", JsonString(l.kernel_detail),
      ", \"block\": ", l.block, ", \"input_class\": ", JsonString(ToString(l.input_class)),
      ", \"input_dims\": ", JsonInts(l.input_dims), ", \"output_dims\": ", JsonInts(l.output_dims),
      ", \"median_us\": ", JsonNumber(l.median_us), ", \"min_us\": ", JsonNumber(l.min_us),
      ", \"iters\": ", l.iters, ", \"element_density\": ", JsonDensity(l.element_density),
      ", \"tiles\": ", TilesJson(l.tiles), "}");
}

std::string PlanJson(const PlanBench& b, int64_t samples) {
  const Totals t = SumLayers(b.layers);
  return absl::StrCat(
      "{\"load_ms\": ", JsonNumber(b.load_ms), ", \"first_run_ms\": ", JsonNumber(b.first_run_ms),
      ", \"clock\": ", JsonString(b.runs.clock), ",\n      \"compute_us\": ", StatsJson(b.compute),
      ",\n      \"h2d_us\": ", StatsJson(b.h2d), ",\n      \"d2h_us\": ", StatsJson(b.d2h),
      ",\n      \"total_us\": ", StatsJson(b.total), ",\n      \"graph_replay_us\": ",
      StatsJson(b.graph), ", \"graph_status\": ", JsonString(b.runs.graph_status),
      ",\n      \"throughput_samples_per_s\": {\"compute_p50\": ",
      JsonNumber(PerSecond(samples, b.compute.p50)),
      ", \"total_p50\": ", JsonNumber(PerSecond(samples, b.total.p50)), ", \"graph_p50\": ",
      b.graph.count > 0 ? JsonNumber(PerSecond(samples, b.graph.p50)) : std::string("null"),
      "},\n      \"layer_sum_us\": ", JsonNumber(t.all_us), ", \"conv_sum_us\": ",
      JsonNumber(t.conv_us), ", \"conv_share\": ", JsonNumber(t.conv_share()), "}");
}

std::string Us(double us) { return absl::StrFormat("%.1f", us); }
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
    for (const auto& [what, s] : {std::pair<const char*, const LatencyStats*>{"compute", &b->compute},
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

std::string FormatConsole(const BenchReport& r) {
  const bool gpu = r.device != "cpu";
  std::string out = absl::StrFormat(
      "model %s  device %s  precision %s  layout %s  input %s %s\n"
      "samples per run %d (rows %d / T %d)  warmup %d  iters %d  layer iters %d  clock %s\n",
      r.model, r.device, r.precision, r.layout, r.input, ShapeToString(r.input_dims), r.samples,
      DimOr(r.input_dims, 0), r.steps, r.warmup, r.iters, r.layer_iters, r.sparse.runs.clock);
  if (!gpu) {
    absl::StrAppend(&out,
                    "CPU timing run: 'dense' below is the CPU reference conv, 'sparse' the CPU "
                    "block-sparse conv (no cuDNN involved)\n");
  }
  const std::vector<ConvRow> rows = ConvRows(r);
  if (!rows.empty()) {
    absl::StrAppend(&out, "\nper conv (each step alone on its real input; median us):\n");
    absl::StrAppendFormat(&out, "%-28s %9s %11s %5s %3s %5s %-15s %7s %5s %7s %7s %10s %10s %7s  %s\n",
                          "name", "HxW", "Cin->Cout", "k", "s", "block", "input_class",
                          "elem_d", "tile", "tile_d", "grp_d", gpu ? "cudnn_us" : "dense_us",
                          "sparse_us", "speedup", "kernel");
    for (const ConvRow& row : rows) {
      const LayerProfile& s = *row.sparse;
      absl::StrAppendFormat(
          &out, "%-28s %9s %11s %5s %3d %5d %-15s %7s %5s %7s %7s %10s %10s %7s  %s\n", s.name,
          absl::StrCat(DimOr(s.input_dims, 2), "x", DimOr(s.input_dims, 3)),
          absl::StrCat(DimOr(s.input_dims, 1), "->", DimOr(s.output_dims, 1)),
          absl::StrCat(s.kernel_hw[0], "x", s.kernel_hw[1]), s.stride[0], s.block,
          ToString(s.input_class), Density(s.element_density),
          row.tile.block > 0 ? absl::StrCat(row.tile.block) : "-",
          row.tile.block > 0 ? Density(row.tile.tile_density) : "-",
          row.tile.block > 0 ? Density(row.tile.group_tile_density) : "-",
          row.dense ? Us(row.dense->median_us) : "-", Us(s.median_us),
          row.dense ? absl::StrFormat("%.2fx", row.speedup()) : "-", s.kernel_detail);
    }
    absl::StrAppend(&out, "  (tile_d: fraction of tiles, halo included, not all zero; grp_d: the "
                          "same per 8-channel group; prescan is inside sparse_us)\n");
  }
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    if (b->layers.empty()) continue;
    const Totals t = SumLayers(b->layers);
    absl::StrAppendFormat(&out,
                          "%s plan: steps alone sum to %s us, convs %s us (%.1f%%), the rest "
                          "%.1f%%\n",
                          b->label, Us(t.all_us), Us(t.conv_us), 100 * t.conv_share(),
                          100 * (1 - t.conv_share()));
  }
  absl::StrAppend(&out, "\nwhole model (us per run):\n");
  for (const PlanBench* b : {&r.sparse, &r.dense}) {
    absl::StrAppendFormat(&out, "%s plan: cold start: load %.1f ms, first run %.1f ms\n", b->label,
                          b->load_ms, b->first_run_ms);
    absl::StrAppend(&out, LatencyLine(gpu ? "compute (stream)" : "compute", b->compute, r.samples));
    if (gpu) {
      absl::StrAppend(&out, LatencyLine("host->device copy", b->h2d, r.samples));
    }
    absl::StrAppend(&out, LatencyLine(gpu ? "device->host copy" : "output copy", b->d2h, r.samples));
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
  return out;
}

std::string FormatJson(const BenchReport& r) {
  std::string out = absl::StrCat(
      "{\n  \"tool\": \"sfbench\",\n  \"model\": ", JsonString(r.model),
      ",\n  \"device\": ", JsonString(r.device), ",\n  \"precision\": ", JsonString(r.precision),
      ",\n  \"layout\": ", JsonString(r.layout),
      ",\n  \"input\": ", JsonString(r.input), ",\n  \"input_dims\": ", JsonInts(r.input_dims),
      ",\n  \"steps\": ", r.steps, ",\n  \"samples_per_run\": ", r.samples,
      ",\n  \"warmup\": ", r.warmup, ",\n  \"iters\": ", r.iters,
      ",\n  \"layer_iters\": ", r.layer_iters,
      ",\n  \"plans\": {\n    \"sparseflow\": ", PlanJson(r.sparse, r.samples),
      ",\n    \"dense\": ", PlanJson(r.dense, r.samples), "\n  },\n  \"speedup\": {\"compute_p50\": ",
      JsonNumber(r.sparse.compute.p50 > 0 ? r.dense.compute.p50 / r.sparse.compute.p50 : 0),
      ", \"graph_p50\": ",
      r.sparse.graph.p50 > 0 && r.dense.graph.p50 > 0
          ? JsonNumber(r.dense.graph.p50 / r.sparse.graph.p50)
          : std::string("null"),
      "},\n  \"convs\": [");
  const std::vector<ConvRow> rows = ConvRows(r);
  for (size_t i = 0; i < rows.size(); ++i) {
    const ConvRow& row = rows[i];
    const LayerProfile& s = *row.sparse;
    absl::StrAppend(
        &out, i == 0 ? "\n" : ",\n", "    {\"name\": ", JsonString(s.name),
        ", \"H\": ", DimOr(s.input_dims, 2), ", \"W\": ", DimOr(s.input_dims, 3),
        ", \"C_in\": ", DimOr(s.input_dims, 1), ", \"C_out\": ", DimOr(s.output_dims, 1),
        ", \"kernel_hw\": [", s.kernel_hw[0], ", ", s.kernel_hw[1], "], \"stride\": [",
        s.stride[0], ", ", s.stride[1], "], \"block\": ", s.block,
        ", \"input_class\": ", JsonString(ToString(s.input_class)),
        ", \"element_density\": ", JsonDensity(s.element_density),
        ", \"tile_block\": ", row.tile.block,
        ", \"tile_density\": ", row.tile.block > 0 ? JsonNumber(row.tile.tile_density) : "null",
        ", \"group_tile_density\": ",
        row.tile.block > 0 ? JsonNumber(row.tile.group_tile_density) : "null",
        ", \"tiles\": ", TilesJson(s.tiles),
        ", \"dense_us\": ", row.dense ? JsonNumber(row.dense->median_us) : "null",
        ", \"sparse_us\": ", JsonNumber(s.median_us), ", \"prescan_us\": null",
        ", \"speedup\": ", row.dense ? JsonNumber(row.speedup()) : "null",
        ", \"kernel\": ", JsonString(s.kernel), ", \"kernel_detail\": ",
        JsonString(s.kernel_detail),
        ", \"dense_kernel_detail\": ", row.dense ? JsonString(row.dense->kernel_detail) : "null",
        "}");
  }
  absl::StrAppend(&out, rows.empty() ? "]" : "\n  ]", ",\n  \"warnings\": [");
  const std::vector<std::string> warnings = VariationWarnings(r);
  for (size_t i = 0; i < warnings.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", JsonString(warnings[i]));
  }
  return out + "]\n}\n";
}

std::string FormatCsv(const BenchReport& r) {
  std::string out =
      "name,H,W,C_in,C_out,kernel_h,kernel_w,stride,block,input_class,element_density,"
      "tile_block,tile_density,group_tile_density,dense_us,sparse_us,speedup,kernel_detail\n";
  for (const ConvRow& row : ConvRows(r)) {
    const LayerProfile& s = *row.sparse;
    std::string detail = s.kernel_detail;
    std::replace(detail.begin(), detail.end(), ',', ';');
    std::string name = s.name;
    std::replace(name.begin(), name.end(), ',', ';');
    absl::StrAppend(
        &out, name, ",", DimOr(s.input_dims, 2), ",", DimOr(s.input_dims, 3), ",",
        DimOr(s.input_dims, 1), ",", DimOr(s.output_dims, 1), ",", s.kernel_hw[0], ",",
        s.kernel_hw[1], ",", s.stride[0], ",", s.block, ",", ToString(s.input_class), ",",
        s.element_density < 0 ? "" : JsonNumber(s.element_density), ",", row.tile.block, ",",
        row.tile.block > 0 ? JsonNumber(row.tile.tile_density) : "", ",",
        row.tile.block > 0 ? JsonNumber(row.tile.group_tile_density) : "", ",",
        row.dense ? JsonNumber(row.dense->median_us) : "", ",", JsonNumber(s.median_us), ",",
        row.dense ? JsonNumber(row.speedup()) : "", ",", detail, "\n");
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
