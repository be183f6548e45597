"""The C allocator's settings: a training step frees and allocates the same large buffers again every step."""
import ctypes
import ctypes.util
import sys

# glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_MAX = 32 << 20  # the most glibc accepts on 64-bit machines
# glibc's defaults: blocks of 128 KiB and more are mapped afresh and given back when freed
DEFAULT_MMAP_THRESHOLD, DEFAULT_TRIM_THRESHOLD = 128 << 10, 128 << 10


def _mallopt(param, value):
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    return bool(getattr(libc, "mallopt", lambda *_: 0)(param, value))


def keep_freed_memory(keep=True):
    """Keep freed memory in the process (True) or give it back to the system at once (False, glibc's default).

    An activation of 64 images of 32x22x22 floats is 4 MB: by default glibc maps it afresh every step and the first
    touch of each of its pages faults, thousands of faults a training step of the final network (chapter 16 counts them).
    Kept, the same memory serves the next step. True when the setting took (glibc on Linux), else False."""
    mmap, trim = (MMAP_THRESHOLD_MAX, 1 << 30) if keep else (DEFAULT_MMAP_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
    return _mallopt(M_MMAP_THRESHOLD, mmap) and _mallopt(M_TRIM_THRESHOLD, trim)
