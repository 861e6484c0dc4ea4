"""booklet: per-chapter YAML content and images → print-ready catalogue PDF."""

import os

# numpy (the total ink and the photos' ink limit) would start OpenBLAS's thread pool on import: native
# threads that a later fork of the layout workers must not copy (core/parallel.native_threads_ended).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
