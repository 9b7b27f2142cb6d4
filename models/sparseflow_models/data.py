"""Fashion-MNIST from the gzip idx files (no torchvision needed)."""

import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot")
_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
          "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def _read_idx(path, magic, header_ints):
  with gzip.open(path, "rb") as f:
    data = f.read()
  header = np.frombuffer(data[:4 * header_ints], dtype=">u4")
  if header[0] != magic:
    raise ValueError(f"{path}: bad idx magic {header[0]:#x}, want {magic:#x}")
  dims = [int(d) for d in header[1:]]
  body = np.frombuffer(data[4 * header_ints:], dtype=np.uint8)
  if body.size != int(np.prod(dims)):
    raise ValueError(f"{path}: {body.size} bytes of data, header says {dims}")
  return body.reshape(dims)


def load(split, data_dir=DEFAULT_DIR, limit=None):
  """(images uint8 [N, 28, 28], labels int64 [N]) of split "train" or "test"."""
  image_file, label_file = _FILES[split]
  images = _read_idx(os.path.join(data_dir, image_file), 0x803, 4)
  labels = _read_idx(os.path.join(data_dir, label_file), 0x801, 2).astype(np.int64)
  if len(images) != len(labels):
    raise ValueError(f"{data_dir}: {len(images)} images but {len(labels)} labels")
  if limit is not None:
    images, labels = images[:limit], labels[:limit]
  return images, labels


def to_float(images):
  """uint8 [N, 28, 28] -> float32 [N, 1, 28, 28] in [0, 1]."""
  return (images.astype(np.float32) / np.float32(255.0))[:, None]
