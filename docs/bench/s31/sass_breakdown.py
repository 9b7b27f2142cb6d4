#!/usr/bin/python3
# Where a kernel's instructions and warp-state samples go, from Nsight Compute's source page
# (`ncu --import R.ncu-rep --page source --print-source sass --csv > R.csv`): groups SASS
# instructions by how often each ran (instructions executed the same number of times ran in
# the same loop or once per the same unit of work) and prints each group's share.
# Usage: /usr/bin/python3 docs/bench/s31/sass_breakdown.py R.csv
import csv, sys
from collections import defaultdict
rows = list(csv.reader(open(sys.argv[1])))
hdr, data = rows[1], rows[2:]
ix = {h: i for i, h in enumerate(hdr)}
groups = defaultdict(lambda: [0, 0, 0])
for r in data:
  e = int(r[ix["Instructions Executed"]] or 0)
  s = int(r[ix["Warp Stall Sampling (All Samples)"]] or 0)
  if e == 0: continue
  groups[e][0] += 1; groups[e][1] += e; groups[e][2] += s
tot_e = sum(g[1] for g in groups.values()); tot_s = sum(g[2] for g in groups.values())
print(f"{sys.argv[1]}: {tot_e} warp instructions executed, {tot_s} warp-state samples")
print("times each ran | SASS instructions | executed (share) | samples (share)")
for k, g in sorted(groups.items(), key=lambda kv: -kv[1][1])[:15]:
  print(f"{k:14d} | {g[0]:17d} | {g[1]:9d} ({100*g[1]/tot_e:4.1f}%) | {g[2]:5d} ({100*g[2]/tot_s:4.1f}%)")
