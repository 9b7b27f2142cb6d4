"""SparseFlow model zoo: exact spiking neurons, architectures and ONNX export."""
