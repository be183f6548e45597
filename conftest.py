import os

# Notebooks collected by nbval run as smoke runs: one epoch on a few thousand images.
os.environ.setdefault("MNIST_BOOK_SMOKE", "1")
# Chapters run with their own folder as working directory, so a relative data root is made absolute here.
if os.environ.get("MNIST_DATA"):
    os.environ["MNIST_DATA"] = os.path.abspath(os.environ["MNIST_DATA"])
# Under pytest-xdist, each worker and each chapter's kernel it starts computes on one thread: two workers of two
# threads each on two cores spend their time waiting for one another's threads. Where a chapter asks for two
# threads (chapter 12 times them), they wait for each other asleep rather than spinning: a kernel runs in a session,
# and so a scheduling group, of its own, which gets one core while the other worker is busy, and two spinning
# threads on one core ran chapter 12's two-thread step at 64 images/s, against 830 with passive waiting.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
