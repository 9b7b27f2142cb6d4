# Reduces `nsys stats -r cuda_gpu_trace -f csv` output to what the analysis needs:
# one line per kernel, "start_ns duration_ns name_id", and the names after a "#names" line.
import csv, sys
names = {}
out = []
with open(sys.argv[1], newline="") as f:
    rows = csv.reader(f)
    header = None
    for row in rows:
        if header is None:
            if any("Start" in c for c in row) and any("Name" in c for c in row):
                header = row
                si = next(i for i, c in enumerate(row) if c.startswith("Start"))
                di = next(i for i, c in enumerate(row) if c.startswith("Duration"))
                ni = next(i for i, c in enumerate(row) if c == "Name")
            continue
        if len(row) <= max(si, di, ni):
            continue
        name = row[ni]
        if name.startswith("[CUDA mem"):
            name = name  # memcpy / memset lines stay, named
        k = names.setdefault(name, len(names))
        out.append(f"{row[si]} {row[di]} {k}")
with open(sys.argv[2], "w") as f:
    f.write("\n".join(out) + "\n#names\n")
    for n, k in sorted(names.items(), key=lambda x: x[1]):
        f.write(f"{k} {n}\n")
