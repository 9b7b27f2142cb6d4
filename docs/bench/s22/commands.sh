# Session 22 device runs (H200). Binaries built on the development machine (nvcc 13.0, sm_90,
# Release), compressed into build-bin/ and carried; each script ran as `bash build-bin/run.sh`.
# run 1  run1.sh   the walk's barrier as barrier.sync (unaligned): focused tests, synccheck,
#                  racecheck, memcheck, H/N timing
