import os

# Notebooks collected by nbval run as smoke runs: one epoch on a few thousand images.
os.environ.setdefault("MNIST_BOOK_SMOKE", "1")
# Chapters run with their own folder as working directory, so a relative data root is made absolute here.
if os.environ.get("MNIST_DATA"):
    os.environ["MNIST_DATA"] = os.path.abspath(os.environ["MNIST_DATA"])
# Under pytest-xdist, each worker and each chapter's kernel it starts computes on one thread: two workers of two
# threads each on two cores spend their time waiting for one another's threads.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"
