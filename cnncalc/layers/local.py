"""Locally-connected convolution: a convolution's sliding window without weight sharing
(Keras' LocallyConnected1D/2D; Taigman et al. 2014's DeepFace). Every output position has its
own filters and its own biases, so the parameters grow with the output's area while the
MACs stay a convolution's: CS231n's example, AlexNet's conv1 (96 filters of 11x11x3 on a
227x227x3 image, 55x55 outputs) without parameter sharing, has 55*55*96*(11*11*3 + 1) =
105,705,600 parameters."""

from __future__ import annotations

import math
from typing import Any

from ..errors import SourcePos
from ..worked import Line, axis_names, params_line, product_line
from .base import Call, Result, numel, register
from .conv import CONV_ARGS, Conv

_SHARED = {"groups": 1, "padding_mode": "zeros"}
"""Arguments of a convolution that a locally-connected layer does not take, at the value
that makes the convolution's rules (shape, window, MACs) its own."""


@register
class LocalConv(Conv):
    """Convolution without weight sharing: one filter bank and one bias per output position
    (Keras LocallyConnected1D/2D)."""

    base = "local_conv"
    dims = (1, 2, 3, None)
    aliases_by_dim = {1: ("locally_connected1d",), 2: ("locally_connected2d",)}
    arguments = tuple(a for a in CONV_ARGS if a.name not in _SHARED)
    sample_args = {"kernel_size": 3}

    def validate(self, raw: dict[str, Any], arg_pos: dict[str, SourcePos],
                 pos: SourcePos | None, label: str) -> dict[str, Any]:
        """A convolution's arguments, less groups and padding_mode (set to the values that
        leave the convolution's rules unchanged)."""
        return {**super().validate(raw, arg_pos, pos, label), **_SHARED}

    def positions(self, call: Call | Result) -> int:
        """Output positions, each with its own weights."""
        return numel(call.out[1:])

    def weights(self, call: Call) -> int:
        return self.positions(call) * call.args["out_channels"] * call.x[0] * math.prod(
            call.axes("kernel_size"))

    def biases(self, call: Call) -> int:
        return self.positions(call) * call.args["out_channels"] if call.args["bias"] else 0

    def explain(self, call: Result, layout: str = "chw") -> list[Line]:
        """A convolution's shape and MACs, with weights and biases per output position."""
        lines = [line for line in super().explain(call, layout)
                 if line.topic not in ("weights", "biases", "params")]
        names = axis_names(call.ndim)
        kernel = call.axes("kernel_size")
        o_sym = " * ".join(f"{n}_out" for n in names)
        k_sym = " * ".join(f"k_{n.lower()}" for n in names)
        cin, cout = call.x[0], call.args["out_channels"]
        at = next(i for i, line in enumerate(lines) if line.topic == "macs")
        own = [product_line("weights", "weights", f"{o_sym} * C_out * {k_sym} * C_in (no "
                            "sharing: every output position has its own filters)",
                            [*call.out[1:], cout, *kernel, cin])]
        if call.args["bias"]:
            own.append(product_line("biases", "biases", f"{o_sym} * C_out",
                                    [*call.out[1:], cout]))
        else:
            own.append(Line("biases", "biases = 0 (bias: false)"))
        own.append(params_line(call.weights, call.biases))
        return lines[:at] + own + lines[at:]

    def torch_module(self, call: Result):
        from ..torch.modules import LocallyConnected

        assert call.window is not None
        return LocallyConnected(call.x[0], call.args["out_channels"], tuple(call.out[1:]),
                                call.window.kernel, call.window.stride, call.window.pads,
                                call.window.dilation, call.args["bias"])


# -- Keras side (export --to keras, analyze --style keras) ----------------------------------
# Keras 2's LocallyConnected1D/2D are gone from Keras 3, and no other Keras 3 layer has one
# filter bank per output position: export refuses the kind (without this side it would
# inherit the convolution's and be written as a Conv2D, with shared weights).

from .keras_part import KerasSide, Refused, Use  # noqa: E402


def _keras_refuse_local(use: Use) -> str:
    raise Refused("Keras 3 has no locally-connected layer (Keras 2's LocallyConnected1D/2D "
                  "were removed) and no other layer with unshared weights per position")


LocalConv.keras = KerasSide(write=_keras_refuse_local, summary="LocallyConnected{n}D")
