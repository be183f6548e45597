"""python -m mnist_lib models | train | book."""
import argparse
import sys

from .config import RunConfig, config_fields


def _bool(text):
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def parser():
    p = argparse.ArgumentParser(prog="python -m mnist_lib", description="The MNIST drill-down's models and runs.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("models", help="list every model with its parameters, multiply-adds and receptive field")
    train = sub.add_parser("train", help="train one model; writes OUT/history.json and OUT/model.pt",
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    for name, kind, default, help in config_fields():
        train.add_argument(f"--{name.replace('_', '-')}", type=_bool if kind is bool else kind, default=default,
                           help=help)
    train.add_argument("--out", default="runs/latest", help="folder for history.json and model.pt")
    train.add_argument("--data", default=None, help="MNIST root holding MNIST/raw (default: MNIST_DATA, else download)")
    train.add_argument("--smoke", action="store_true", help="one epoch on 1,024 training images")
    train.add_argument("--no-progress", action="store_true", help="no progress bar or per-epoch lines")
    book = sub.add_parser("book", help="execute every chapter in _toc.yml with papermill")
    book.add_argument("--smoke", action="store_true", help="tiny runs, outputs under _build/smoke, book/ untouched")
    book.add_argument("--only", nargs="*", default=None, help="chapter names to run (default: all)")
    book.add_argument("--jobs", type=int, default=2,
                      help="step chapters run this many at a time, one thread each (default: 2, one per core)")
    book.add_argument("--repository", metavar="URL", default=None,
                      help="run nothing; set the repository (https://github.com/OWNER/NAME) in _config.yml and in "
                           "every chapter's Colab install cell")
    book.add_argument("--branch", default=None, help="with --repository: the branch (default: _config.yml's)")
    return p


def cmd_models():
    from .anatomy import final_receptive_field, macs
    from .models import build_model, count_parameters, model_names

    print(f"{'model':10s} {'params':>8s} {'MACs':>10s} {'RF':>4s}")
    for name in model_names():
        model = build_model(name)
        print(f"{name:10s} {count_parameters(model):8,d} {macs(model):10,d} {final_receptive_field(model):4d}")


def cmd_train(args):
    from .data import load_mnist
    from .models import build_model
    from .target import meets_target, summarise
    from .train import fit

    cfg = RunConfig(**{name: getattr(args, name) for name, *_ in config_fields()})
    cfg = cfg.smoke() if args.smoke else cfg
    model = build_model(cfg.model, seed=cfg.seed)
    history = fit(model, load_mnist(args.data), cfg, out=args.out, progress=not args.no_progress)
    s = summarise(history)
    print(f"{cfg.model}: {s['params']:,} parameters, best {history.meta['eval_set']} accuracy {s['best_test']:.2f}%, "
          f"minimum of the last 5 epochs {s['last5_min']:.2f}%, target met: {meets_target(history)}")
    print(f"wrote {args.out}/history.json and {args.out}/model.pt")


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if args.command == "book" and args.branch and not args.repository:
        p.error("--branch needs --repository")
    try:
        if args.command == "models":
            cmd_models()
        elif args.command == "train":
            cmd_train(args)
        elif args.repository:
            from .publish import repository, set_repository
            set_repository(args.repository, args.branch)
            print("_config.yml and every chapter's install cell now name {} at branch {}".format(*repository()))
        else:
            from .book import run_book
            run_book(smoke=args.smoke, only=args.only, jobs=args.jobs)
    except (ValueError, FileNotFoundError, FloatingPointError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished epochs are in the history file", file=sys.stderr)
        return 130
    return 0
