"""One run's hyperparameters, declared once for the notebooks, the CLI and the tests.

The defaults are the book's final recipe (step 12); every earlier step states where it differs.
"""
from dataclasses import asdict, dataclass, field, fields, replace

OPTIMIZERS = ("sgd", "adam")
SCHEDULERS = ("none", "step", "onecycle", "plateau")
VALIDATION_IMAGES = 10000  # the last training images, held out of training to decide on: the validation split
# Where and how fast a run computes, not what it learns: like the number of threads, they change only the order in
# which floating-point sums are taken (chapter 16 checks channels-last on five validation seeds each way).
EXECUTION = ("device", "channels_last", "eval_batch_size")
# How runs recorded before these fields existed were computed, and what they learnt from: without a random crop or
# intensity jitter, and without a teacher (stated here too, so that a later default cannot change what an old record
# reads as).
BEFORE_RECORDED = {"channels_last": False, "eval_batch_size": 1000, "crop_scale": 0.0, "jitter": 0.0, "distill": 0.0,
                   "teacher": "", "temperature": 4.0}


def param(default, help):
    """A config field whose help text travels with its default (the CLI reads both)."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class RunConfig:
    model: str = param("Model_6", "registered model name (python -m mnist_lib models lists them)")
    epochs: int = param(15, "passes over the training set; the target allows at most 15")
    batch_size: int = param(64, "images per optimiser step")
    optimizer: str = param("sgd", "sgd (with momentum) or adam")
    lr: float = param(0.1, "learning rate; the peak rate when scheduler is onecycle")
    momentum: float = param(0.9, "SGD momentum")
    weight_decay: float = param(0.0, "L2 penalty added by the optimiser")
    scheduler: str = param("step", "none, step, onecycle or plateau")
    step_size: int = param(6, "epochs between decays (step scheduler)")
    gamma: float = param(0.1, "decay factor (step and plateau schedulers)")
    label_smoothing: float = param(0.0, "share of the target spread over all classes")
    ema: float = param(0.999, "evaluate and keep a moving average of the weights with this decay per step (0 = off)")
    rotation: float = param(7.0, "augmentation: random rotation within +-degrees (0 = off)")
    translate: float = param(0.1, "augmentation: random shift within +- this fraction of 28 px")
    scale: float = param(0.0, "augmentation: random zoom within 1 +- this fraction")
    shear: float = param(0.0, "augmentation: random shear within +-degrees")
    crop_scale: float = param(0.0, "augmentation: zoom into a random crop of at least this share of the image's area, "
                                   "aspect ratio 3/4 to 4/3, as torchvision's RandomResizedCrop (0 = off)")
    jitter: float = param(0.0, "augmentation: scale brightness, then contrast, by random factors within 1 +- this, "
                               "as torchvision's ColorJitter (0 = off)")
    distill: float = param(0.0, "share of the loss taken from a teacher's softened predictions (distillation; "
                                "0 = off); needs teacher")
    teacher: str = param("", "folder of a finished run (history.json and model.pt) to distil from, trained on the "
                             "same split")
    temperature: float = param(4.0, "divides both networks' logits before their predictions are compared "
                                    "(distillation)")
    holdout: int = param(0, "last N training images held out and evaluated instead of the test set")
    train_subset: int = param(0, "train on the first N training images (0 = all)")
    test_subset: int = param(0, "evaluate on the first N evaluation images (0 = all)")
    seed: int = param(1, "seeds the weights, the shuffling, dropout and augmentation")
    device: str = param("auto", "auto (cuda, then mps, then cpu), or a torch device name")
    channels_last: bool = param(True, "hold activations and weights channels-last (NHWC), which the "
                                      "convolution kernels run faster (chapter 16 measures it)")
    eval_batch_size: int = param(1000, "images per batch when evaluating (no effect on the figures)")

    def __post_init__(self):
        def require(ok, message):
            if not ok:
                raise ValueError(f"RunConfig: {message}")

        require(isinstance(self.model, str) and self.model, "model must be a model name")
        require(self.epochs >= 1, f"epochs must be at least 1, got {self.epochs}")
        require(self.batch_size >= 1, f"batch_size must be at least 1, got {self.batch_size}")
        require(self.optimizer in OPTIMIZERS, f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        require(self.scheduler in SCHEDULERS, f"scheduler must be one of {SCHEDULERS}, got {self.scheduler!r}")
        require(self.lr > 0, f"lr must be positive, got {self.lr}")
        require(0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}")
        require(self.weight_decay >= 0, f"weight_decay must be >= 0, got {self.weight_decay}")
        require(self.step_size >= 1, f"step_size must be at least 1, got {self.step_size}")
        require(0 < self.gamma <= 1, f"gamma must be in (0, 1], got {self.gamma}")
        require(0 <= self.label_smoothing < 1, f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        require(0 <= self.ema < 1, f"ema must be in [0, 1), got {self.ema}")
        require(0 <= self.rotation <= 180, f"rotation must be in [0, 180] degrees, got {self.rotation}")
        require(0 <= self.translate < 1, f"translate must be in [0, 1), got {self.translate}")
        require(0 <= self.scale < 1, f"scale must be in [0, 1), got {self.scale}")
        require(0 <= self.shear < 90, f"shear must be in [0, 90) degrees, got {self.shear}")
        require(0 <= self.crop_scale < 1, f"crop_scale must be in [0, 1) (0 = off), got {self.crop_scale}")
        require(0 <= self.jitter < 1, f"jitter must be in [0, 1) (0 = off), got {self.jitter}")
        require(0 <= self.distill < 1, f"distill must be in [0, 1) (0 = off), got {self.distill}")
        require(not self.distill or self.teacher, "distill needs a teacher: the folder of a finished run")
        require(self.temperature > 0, f"temperature must be positive, got {self.temperature}")
        require(0 <= self.holdout < 60000, f"holdout must be in [0, 60000), got {self.holdout}")
        require(self.train_subset >= 0, f"train_subset must be >= 0, got {self.train_subset}")
        require(self.test_subset >= 0, f"test_subset must be >= 0, got {self.test_subset}")
        require(self.eval_batch_size >= 1, f"eval_batch_size must be at least 1, got {self.eval_batch_size}")

    def smoke(self):
        """The same run shrunk to one epoch on 1,024 training images, scored on 1,024, to prove that it executes."""
        return replace(self, epochs=1, train_subset=1024, test_subset=1024)

    def on_validation(self):
        """The same run scored on the validation split: the last VALIDATION_IMAGES training images held out of
        training and evaluated in place of the test set."""
        return replace(self, holdout=VALIDATION_IMAGES)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_record(cls, config):
        """The RunConfig a history's meta["config"] records; a field added since reads as what runs did before."""
        return cls(**{**BEFORE_RECORDED, **config})

    def recipe(self):
        """The fields that decide what a run learns: every field but those of EXECUTION."""
        return {name: value for name, value in asdict(self).items() if name not in EXECUTION}


def config_fields():
    """(name, type, default, help) for every hyperparameter, in declaration order."""
    return [(f.name, f.type, f.default, f.metadata["help"]) for f in fields(RunConfig)]
