"""What a model is made of: torchinfo's summary and a receptive-field table read off the model itself."""
import torch
import torch.nn as nn
from torchinfo import summary
from torchinfo.enums import Units

from .blocks import Ensemble

INPUT_SIZE = (1, 1, 28, 28)


def model_summary(model, depth=3):
    """torchinfo's ModelStatistics for one 28x28 image: output shapes, parameters and multiply-adds, its total
    multiply-adds printed in full (torchinfo would print millions under the label "M", as if they were bytes)."""
    stats = summary(model, input_size=INPUT_SIZE, depth=depth, verbose=0, device="cpu",
                    col_names=("output_size", "num_params", "mult_adds"), row_settings=("var_names",))
    stats.formatting.macs_units = Units.NONE
    return stats


def macs(model):
    """Multiply-adds for one image."""
    return model_summary(model).total_mult_adds


def _pair(v):
    return v[0] if isinstance(v, tuple) else v


def _layers_in_call_order(model):
    """[(name, module, input spatial size, output spatial size)] for layers that change the receptive field."""
    kinds = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.Linear)
    names = {module: name for name, module in model.named_modules()}
    calls, hooks = [], []

    def record(module, inputs, output):
        size_in = inputs[0].shape[-1] if inputs[0].ndim == 4 else None
        size_out = output.shape[-1] if output.ndim == 4 else 1
        calls.append((names[module], module, size_in, size_out))

    for module in model.modules():
        if isinstance(module, kinds):
            hooks.append(module.register_forward_hook(record))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(INPUT_SIZE, device=next(model.parameters()).device))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return calls


def receptive_fields(model):
    """One row per layer: output size, jump (input pixels between neighbouring outputs) and receptive field.
    An ensemble's rows are its members', which must share one layout."""
    if isinstance(model, Ensemble):
        if len({repr(member) for member in model.members}) > 1:
            raise ValueError("the ensemble's members differ in layout: give one member to read its receptive field")
        return receptive_fields(model.members[0])
    rows, rf, jump, size = [], 1, 1, INPUT_SIZE[-1]
    for name, module, size_in, size_out in _layers_in_call_order(model):
        if isinstance(module, nn.Linear):
            kernel, stride, padding = size, 1, 0  # every position of the flattened map at once
        elif isinstance(module, nn.AdaptiveAvgPool2d):
            kernel, stride, padding = size_in, size_in, 0
        else:
            kernel, stride, padding = (_pair(module.kernel_size), _pair(module.stride), _pair(module.padding))
        rf += (kernel - 1) * jump
        jump *= stride
        size = size_out
        rows.append(dict(layer=name, kind=type(module).__name__, kernel=kernel, stride=stride, padding=padding,
                         size=size, jump=jump, rf=rf))
    return rows


def final_receptive_field(model):
    return receptive_fields(model)[-1]["rf"]
