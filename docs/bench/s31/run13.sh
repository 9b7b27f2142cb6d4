# Session 31 run 13 (H200): run 12's zoo check again (C), to see whether cnn_bn_pools_view's 5 grouped-vs-one-tile
# logit differences repeat; then that model's two runs alone, 3 times each, sequentially.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
tar xzf build-bin/zoo.tgz -C /tmp
timeout 250 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; grep cnn_bn_pools_view $R/zoo.txt; snap
Z=/tmp/zoo/snn/models; C="$Z/cnn_bn_pools_view.onnx --input input=$Z/cnn_bn_pools_view.input.npy --device cuda --precision fp16 --layout nhwc --sparse on"
for rep in 1 2 3; do
  /tmp/bin/sfrun $C --output /tmp/g$rep.npy > /dev/null 2>&1; SF_SPARSE_F16_GROUP_TILES=off /tmp/bin/sfrun $C --output /tmp/o$rep.npy > /dev/null 2>&1
done
/tmp/bin/sfrun $C --plan > $R/plan.txt 2>&1
python3 -c "
import numpy as np
g=[np.load(f'/tmp/g{i}.npy') for i in (1,2,3)]; o=[np.load(f'/tmp/o{i}.npy') for i in (1,2,3)]
for n,a in (('grouped',g),('one tile',o)): print(n, 'runs equal to run 1:', [bool((x==a[0]).all()) for x in a])
print('grouped run 1 vs one tile run 1: differing values', int((g[0]!=o[0]).sum()))
" | tee $R/sequential.txt
snap
