#!/usr/bin/env python3
"""Plots an sfbench --json report as SVG: per-conv speedup (cuDNN time / the sparse
kernel's time alone, prescan included) against the tile density of the conv's
input, one point per conv.

    python3 tools/plot_bench.py bench.json -o bench.svg [--title TEXT]

Pure Python (no matplotlib): writes SVG text. Points above the dashed line at 1x
are faster than cuDNN; colour says which kernel the SparseFlow plan ran ("ran":
sparse orange, cudnn/dense blue; reports older than "ran" use the planned
"kernel"). Convs without a measured tile density, cuDNN time or sparse time are
skipped and counted in the caption; the caption also gives each plan's share of
time in convs ("totals") where the report has it.
"""
import argparse
import html
import json
import math
import sys

WIDTH, HEIGHT = 720, 480
LEFT, RIGHT, TOP, BOTTOM = 70, 30, 50, 70
COLORS = {"sparse": "#e6550d", "dense": "#3182bd", "cudnn": "#3182bd"}


def load_points(report):
    points, skipped = [], 0
    for conv in report.get("convs", []):
        density, speedup = conv.get("tile_density"), conv.get("speedup")
        if density is None or speedup is None or speedup <= 0:
            skipped += 1
            continue
        ran = conv.get("ran") or conv.get("kernel", "dense")
        points.append((float(density), float(speedup), ran, conv.get("name", "?"),
                       conv.get("tile_block", 0)))
    return points, skipped


def log_range(values):
    lo = min(values + [1.0]) / 1.25
    hi = max(values + [1.0]) * 1.25
    return math.log10(lo), math.log10(hi)


def render(report, title):
    points, skipped = load_points(report)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y_lo, y_hi = log_range([p[1] for p in points])

    def px(density):
        return LEFT + density * plot_w

    def py(speedup):
        return TOP + (y_hi - math.log10(speedup)) / (y_hi - y_lo) * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15">'
           f'{html.escape(title)}</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
           f'stroke="black"/>']
    for i in range(6):
        d = i / 5
        out.append(f'<line x1="{px(d):.1f}" y1="{TOP + plot_h}" x2="{px(d):.1f}" '
                   f'y2="{TOP + plot_h + 5}" stroke="black"/>')
        out.append(f'<text x="{px(d):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
                   f'{d:.1f}</text>')
    for e in range(math.floor(y_lo), math.ceil(y_hi) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if y_lo <= math.log10(v) <= y_hi:
                out.append(f'<line x1="{LEFT - 5}" y1="{py(v):.1f}" x2="{LEFT + plot_w}" '
                           f'y2="{py(v):.1f}" stroke="#ddd"/>')
                out.append(f'<text x="{LEFT - 8}" y="{py(v) + 4:.1f}" text-anchor="end">'
                           f'{v:g}x</text>')
    out.append(f'<line x1="{LEFT}" y1="{py(1):.1f}" x2="{LEFT + plot_w}" y2="{py(1):.1f}" '
               f'stroke="black" stroke-dasharray="6,4"/>')
    for density, speedup, kernel, name, block in points:
        color = COLORS.get(kernel, "#636363")
        label = html.escape(f"{name}: tile density {density:.3f} (tile {block}), "
                            f"speedup {speedup:.2f}x, {kernel}")
        out.append(f'<circle cx="{px(density):.1f}" cy="{py(speedup):.1f}" r="5" '
                   f'fill="{color}" fill-opacity="0.8"><title>{label}</title></circle>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 28}" text-anchor="middle">'
               f'tile density of the conv input (fraction of tiles not all zero)</text>')
    out.append(f'<text transform="translate(18 {TOP + plot_h / 2}) rotate(-90)" '
               f'text-anchor="middle">speedup vs cuDNN (log)</text>')
    caption = (f'{html.escape(str(report.get("model", "")))} on '
               f'{html.escape(str(report.get("device", "")))}, '
               f'{html.escape(str(report.get("precision", "")))}; '
               f'{len(points)} convs; ran: orange sparse, blue cuDNN')
    if skipped:
        caption += f"; {skipped} without density or time skipped"
    for label, plan in report.get("plans", {}).items():
        totals = plan.get("totals") or {}
        if totals.get("conv_share") is not None:
            caption += f"; {html.escape(label)}: convs {100 * totals['conv_share']:.0f}%"
    out.append(f'<text x="{LEFT}" y="{HEIGHT - 8}">{caption}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help="sfbench --json output")
    parser.add_argument("-o", "--output", required=True, help="SVG file to write")
    parser.add_argument("--title", default="SparseFlow vs cuDNN, per conv")
    args = parser.parse_args(argv)
    try:
        with open(args.report) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        print(f"error: {args.report}: {e}", file=sys.stderr)
        return 1
    svg = render(report, args.title)
    with open(args.output, "w") as f:
        f.write(svg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
