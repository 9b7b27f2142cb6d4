# Session 32 run 2 (H200): every cuDNN backend engine config vs the legacy timed search, trained Spiking-ResNet18's conv shapes (N=64, fp16 NHWC), CUDA-graph timing; plus build time per plan, engine notes, plain-launch time.
R=$OUT/r; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
ls /usr/local/cuda/lib64/libcudnn.so* /usr/lib/x86_64-linux-gnu/libcudnn.so* 2>&1 | head -3
timeout 400 build-bin/cudnn_engines > $R/engines.txt 2>&1; echo "rc=$?" >> $R/engines.txt
grep -E "legacy/backend|rc=|cudnn " $R/engines.txt
