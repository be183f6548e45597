import os

# Notebooks collected by nbval run as smoke runs: one epoch on a few thousand images.
os.environ.setdefault("MNIST_BOOK_SMOKE", "1")
# Chapters run with their own folder as working directory, so a relative data root is made absolute here.
if os.environ.get("MNIST_DATA"):
    os.environ["MNIST_DATA"] = os.path.abspath(os.environ["MNIST_DATA"])
