#!/usr/bin/env python3
"""Reference figures of the zoo from torchvision itself: parameters and MACs, per model and
per layer, so that every expected number in ``tests/test_zoo.py`` can be regenerated.

MACs are ``torch.utils.flop_counter.FlopCounterMode`` FLOPs / 2 at batch 1 (the counter
counts 2 FLOPs per multiply-accumulate of convolutions and matrix products, and nothing for
biases, norms, activations or pools: exactly cnncalc's MACs). Parameters are
``sum(p.numel() for p in model.parameters())``.

It needs torch and torchvision, which cnncalc does not; use a separate environment::

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /tmp/tv/bin/python scripts/torchvision_figures.py                 # every model's totals
    /tmp/tv/bin/python scripts/torchvision_figures.py resnet50 --layers   # per leaf module

Variants beyond torchvision's constructors:

- ``googlenet_aux``, ``inception_v3_aux``: built with ``aux_logits=True`` and run in training
  mode (the only mode in which torchvision runs the auxiliary heads), batch norms kept in eval
  mode so that batch 1 works; their MACs include the heads.
- ``resnet50_v1``: torchvision's resnet50 with the stride of each stage's first bottleneck
  moved from the 3x3 (``conv2``, v1.5) to the first 1x1 (``conv1``), as in He et al. 2015.

Attention (the ViTs) is measured with ``nn.MultiheadAttention``'s fast path off and
``scaled_dot_product_attention``'s math backend: on the CPU, torch 2.13's fused kernels have
no flop formula, and FlopCounterMode would count nothing for the attention products (nor,
under ``no_grad``, for the whole layer; docs/conventions.md). An ``nn.MultiheadAttention``
is one row (its forward never calls its ``out_proj`` module, it reads its weight), and so are
MaxViT's ``PartitionAttentionLayer`` (its attention products are counted on the layer, not on
a leaf module; cnncalc's ``partition_attention`` is that whole layer) and a Swin
``ShiftedWindowAttention`` (V2), whose forward reads its ``qkv`` and ``proj`` weights, with
its ``cpb_mlp`` (v2) and its own parameters.
"""

from __future__ import annotations

import argparse
import sys

SEGMENTATION = {"aux_loss": False, "weights_backbone": None}
"""Segmentation models' keywords: without the auxiliary head and without downloading the
backbone's ImageNet weights (they change no count)."""

MODELS = {
    # name: (constructor, keyword arguments, input: a square image's side or a sample's shape)
    "googlenet": ("googlenet", {"aux_logits": False, "init_weights": False}, 224),
    "googlenet_aux": ("googlenet", {"aux_logits": True, "init_weights": False}, 224),
    "inception_v3": ("inception_v3", {"aux_logits": False, "init_weights": False}, 299),
    "inception_v3_aux": ("inception_v3", {"aux_logits": True, "init_weights": False}, 299),
    "vgg11": ("vgg11", {}, 224),
    "vgg13": ("vgg13", {}, 224),
    "vgg16": ("vgg16", {}, 224),
    "vgg19": ("vgg19", {}, 224),
    "vgg16_bn": ("vgg16_bn", {}, 224),
    "resnet18": ("resnet18", {}, 224),
    "resnet34": ("resnet34", {}, 224),
    "resnet50": ("resnet50", {}, 224),
    "resnet101": ("resnet101", {}, 224),
    "resnet152": ("resnet152", {}, 224),
    "resnet50_v1": ("resnet50", {}, 224),
    "mobilenet_v2": ("mobilenet_v2", {}, 224),
    "squeezenet1_0": ("squeezenet1_0", {}, 224),
    "squeezenet1_1": ("squeezenet1_1", {}, 224),
    "densenet121": ("densenet121", {}, 224),
    "efficientnet_b0": ("efficientnet_b0", {}, 224),
    "efficientnet_b1": ("efficientnet_b1", {}, 240),
    "efficientnet_b2": ("efficientnet_b2", {}, 260),
    "efficientnet_b3": ("efficientnet_b3", {}, 300),
    "efficientnet_b4": ("efficientnet_b4", {}, 380),
    "efficientnet_b5": ("efficientnet_b5", {}, 456),
    "efficientnet_b6": ("efficientnet_b6", {}, 528),
    "efficientnet_b7": ("efficientnet_b7", {}, 600),
    "mobilenet_v2_050": ("mobilenet_v2", {"width_mult": 0.5}, 224),
    "convnext_tiny": ("convnext_tiny", {}, 224),
    "convnext_small": ("convnext_small", {}, 224),
    "convnext_base": ("convnext_base", {}, 224),
    "convnext_large": ("convnext_large", {}, 224),
    "shufflenet_v2_x0_5": ("shufflenet_v2_x0_5", {}, 224),
    "shufflenet_v2_x1_0": ("shufflenet_v2_x1_0", {}, 224),
    "shufflenet_v2_x1_5": ("shufflenet_v2_x1_5", {}, 224),
    "shufflenet_v2_x2_0": ("shufflenet_v2_x2_0", {}, 224),
    "efficientnet_v2_s": ("efficientnet_v2_s", {}, 384),
    "efficientnet_v2_m": ("efficientnet_v2_m", {}, 480),
    "efficientnet_v2_l": ("efficientnet_v2_l", {}, 480),
    "vit_b_16": ("vit_b_16", {}, 224),
    "vit_b_32": ("vit_b_32", {}, 224),
    "vit_l_16": ("vit_l_16", {}, 224),
    "vit_l_32": ("vit_l_32", {}, 224),
    "vit_h_14": ("vit_h_14", {}, 224),
    "maxvit_t": ("maxvit_t", {}, 224),
    # v2 at 256 x 256, the resolution of its weights
    "swin_t": ("swin_t", {}, 224),
    "swin_s": ("swin_s", {}, 224),
    "swin_b": ("swin_b", {}, 224),
    "swin_v2_t": ("swin_v2_t", {}, 256),
    "swin_v2_s": ("swin_v2_s", {}, 256),
    "swin_v2_b": ("swin_v2_b", {}, 256),
    # video (torchvision.models.video): a clip of 16 frames, (C, T, H, W)
    "r3d_18": ("video.r3d_18", {}, (3, 16, 112, 112)),
    "mc3_18": ("video.mc3_18", {}, (3, 16, 112, 112)),
    "r2plus1d_18": ("video.r2plus1d_18", {}, (3, 16, 112, 112)),
    "s3d": ("video.s3d", {}, (3, 16, 224, 224)),
    "mobilenet_v3_large": ("mobilenet_v3_large", {}, 224),
    "mobilenet_v3_small": ("mobilenet_v3_small", {}, 224),
    # segmentation (torchvision.models.segmentation): no auxiliary head, no backbone weights;
    # their forward returns a dict, whose "out" is resized to the input's size
    "fcn_resnet50": ("segmentation.fcn_resnet50", SEGMENTATION, 224),
    "deeplabv3_resnet50": ("segmentation.deeplabv3_resnet50", SEGMENTATION, 224),
    "deeplabv3_mobilenet_v3_large": ("segmentation.deeplabv3_mobilenet_v3_large", SEGMENTATION,
                                     224),
    "lraspp_mobilenet_v3_large": ("segmentation.lraspp_mobilenet_v3_large", SEGMENTATION, 224),
}


def build(name: str):
    """The torchvision model called ``name`` (random weights), in the mode it is measured in."""
    import torch
    import torchvision

    ctor, kwargs, size = MODELS[name]
    namespace = torchvision.models
    for part in ctor.split(".")[:-1]:
        namespace = getattr(namespace, part)
    model = getattr(namespace, ctor.split(".")[-1])(weights=None, **kwargs)
    if name == "resnet50_v1":
        for layer in (model.layer2, model.layer3, model.layer4):
            layer[0].conv1.stride, layer[0].conv2.stride = (2, 2), (1, 1)
    model.eval()
    if name.endswith("_aux"):
        model.train()
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()
    return model, ((3, size, size) if isinstance(size, int) else size)


def counted_attention():
    """A context in which FlopCounterMode sees attention's products (see the docstring)."""
    import contextlib

    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel

    @contextlib.contextmanager
    def context():
        was = torch.backends.mha.get_fastpath_enabled()
        torch.backends.mha.set_fastpath_enabled(False)
        try:
            with sdpa_kernel(SDPBackend.MATH):
                yield
        finally:
            torch.backends.mha.set_fastpath_enabled(was)

    return context()


def attention_layers() -> tuple[type, ...]:
    """The modules measured as one row with everything inside them, their own parameters
    included (a Swin attention's bias table, ``logit_scale``)."""
    import torch
    from torchvision.models.maxvit import PartitionAttentionLayer
    from torchvision.models.swin_transformer import (
        ShiftedWindowAttention,
        ShiftedWindowAttentionV2,
    )

    return (torch.nn.MultiheadAttention, PartitionAttentionLayer, ShiftedWindowAttention,
            ShiftedWindowAttentionV2)


def measure(name: str):
    """(params, MACs, per-leaf rows [(module path, params, MACs)]) of one model at batch 1."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model, size = build(name)
    one_row = attention_layers()
    params = sum(p.numel() for p in model.parameters())
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counted_attention(), counter:
        model(torch.zeros(1, *size))
    by_module = counter.get_flop_counts()
    top = type(model).__name__
    rows = []
    inside: tuple[str, ...] = ()      # the children of an attention layer: in its row
    for path, module in model.named_modules():
        if inside and path.startswith(inside):
            continue
        attention = isinstance(module, one_row)
        if attention:
            inside += (f"{path}.",)
        elif any(True for _ in module.children()):
            # a parameter of a module that has children (ConvNeXt's layer_scale, ViT's
            # class_token at the root): its own row
            rows += [(f"{path}.{name}".lstrip("."), p.numel(), 0)
                     for name, p in module.named_parameters(recurse=False)]
            continue
        own = sum(p.numel() for p in module.parameters(recurse=attention))
        flops = sum(by_module.get(f"{top}.{path}", {}).values())
        rows.append((path, own, flops // 2))
    return params, counter.get_total_flops() // 2, rows


def layer_outputs(name: str) -> tuple[dict[str, tuple[int, ...]], int]:
    """Every conv and linear module's output shape (one sample, no batch axis) by module path,
    but those inside an attention layer's one row, and the model's float buffers (BatchNorm's
    running statistics; not its integer ``num_batches_tracked`` or MaxViT's
    ``relative_position_index``), the figure cnncalc reports as non-trainable."""
    import torch

    model, size = build(name)
    shapes: dict[str, tuple[int, ...]] = {}
    kinds = (torch.nn.modules.conv._ConvNd, torch.nn.Linear)
    one_row = attention_layers()      # their parts are inside their row (measure's rule)
    inside = tuple(f"{path}." for path, module in model.named_modules()
                   if isinstance(module, one_row))
    hooks = [module.register_forward_hook(
        lambda _m, _i, out, path=path: shapes.__setitem__(path, tuple(out.shape[1:])))
        for path, module in model.named_modules()
        if isinstance(module, kinds) and not (inside and path.startswith(inside))]
    with torch.no_grad():
        model(torch.zeros(1, *size))
    for hook in hooks:
        hook.remove()
    buffers = sum(b.numel() for b in model.buffers() if b.is_floating_point())
    return shapes, buffers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=list(MODELS), help="default: all")
    parser.add_argument("--layers", action="store_true", help="also print every leaf module")
    args = parser.parse_args(argv)
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {', '.join(MODELS)}")
    print(f"{'model':<18} {'params':>13} {'MACs':>16}")
    for name in args.models:
        params, macs, rows = measure(name)
        print(f"{name:<18} {params:>13,} {macs:>16,}")
        if args.layers:
            for path, own, layer_macs in rows:
                print(f"    {path:<48} {own:>12,} {layer_macs:>16,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
