# Session 21 device scripts (2026-11-28). As in session 20, nothing was built on the device: the binaries
# were built on the development machine (Debian 12, nvcc 13.0, build-cuda with
# -DCMAKE_CUDA_ARCHITECTURES=90, Release), copied into the ignored folder build-bin/, xz-compressed, and
# carried with .device-debs (run: `bash build-bin/run.sh`, carry ["build-bin", ".device-debs"], kind
# nvidia-h100-x1); docs/ and models/resnet18_fmnist/*.part* were moved out of the tree during most runs
# (64 MiB). Variants were built with a temporary `#define NAME 1` on the first line of
# cuda/kernels/sparse_conv_f16.cu or an environment switch in the patch that ran. Every run on a fresh H100
# 80GB HBM3 (driver 580.159.04). A = HEAD f7dbe00 unless said otherwise. The zoo of runs 5 and 6
# (build-bin/zoo-all-48.tar.xz) was made here with `/usr/bin/python3 models/make_test_models.py DIR/snn/models`.
#
# run 1  eight_warps_rejected/run1.sh   8 warps on N (patch eight_warps.patch)
# run 2  acc_sets_rejected/run2.sh      two accumulator sets per thread (acc_sets.patch)
# run 3  item_timing/run3.sh            clock64() inside one active item (item_timing.patch)
# run 4  loader_warps/run4.sh           loader and MMA warps behind SF_SPARSE_F16_ROLES (run4_switch.patch)
# run 5  loader_warps/run5.sh           the same as the only walk, named arrive/wait barriers
#                                       (run5_named_barriers.patch); full suite, sanitizers, benches, zoo
# run 6  (run5.sh, changes noted there) the walk with block barriers from both loops and ConvMinBlocks
# run 7  loader_warps/run7.sh           the committed walk (bar.sync 1 from both loops): focused tests,
#                                       synccheck, racecheck, a short A/H timing
