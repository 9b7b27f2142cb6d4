# Twenty-third run (docs/benchmarks.md), 2026-11-28, one fresh H200 per run. Each runN.sh
# ran on the device machine from the repository root, with the binaries built here
# (nvcc 13.0, sm_90, Release) carried xz-compressed in build-bin/ and the Debian
# libraries of .device-debs; its outputs are in runN/.
#   run1.sh  A (5e82121) against N (a334860: counters zeroed once per run, the prescan
#            by programmatic dependent launch): focused tests, gbench A/N interleaved
#            twice, neuron + conv pairs, memcheck, the whole CUDA suite.
#   run2.sh  N2 (kAuto times the sparse path as runs queue it): the whole suite, the zoo,
#            gbench over all densities (crossovers); nsys was not on the machine.
#   run3.sh  N3 (each spike-occupancy link timed once): the link tests, the whole
#            suite, the zoo.
#   run4.sh  N4 (steps timed alone as they run): the whole suite, sfbench on two zoo
#            ResNets.
#   run5.sh  fab6f6a under compute-sanitizer: memcheck, racecheck, synccheck.
#   run6.sh  f95f370 (profiling executors time their links): the whole suite.
#   run7.sh  13cc742 (links timed on the run's own inputs): the timed-link test, the
#            whole suite, the zoo.
#   run8.sh  d3d5093 (the review's mend): the timed-link test, the whole suite, the zoo.
#   run9.sh  the final code (the rig on AsInARun): the whole suite, gbench on CIFAR 128@16.
# The zoo (build-bin/zoo.tgz) came from: /usr/bin/python3 models/make_test_models.py /tmp/zoo/snn/models
for n in 1 2 3 4 5 6 7 8 9; do echo "docs/bench/s23/run$n.sh"; done
