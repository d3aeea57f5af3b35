"""Keras 3 layer classes -> cnncalc kinds with PyTorch's argument names.

One entry per Keras class: the order of its positional arguments (Keras' signature) and a
function that turns the written arguments into a cnncalc layer. Arguments that change no
count or shape (initializers, regularizers, constraints, seeds, dtypes) are passed over; any
other argument the entry does not read is an error, never silently dropped, so that a
figure cnncalc prints is always the figure of the model as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..keras_names import activation_kind

NO_EFFECT = frozenset({
    "name", "dtype", "seed", "trainable_default", "autocast", "input_shape",
    "batch_input_shape", "input_dim", "batch_size", "fill_mode", "fill_value", "interpolation",
    "value_range", "noise_shape", "data_format_default", "momentum", "moving_mean_initializer",
    "synchronized", "sparse", "ragged", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
    "antialias", "bias_initializer",
})
NO_EFFECT_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
"""Arguments that change training, never a shape or a count."""


class KerasLayerError(Exception):
    """A layer's arguments cannot be written as a cnncalc layer; ``arg`` is the culprit."""

    def __init__(self, message: str, arg: str | None = None):
        super().__init__(message)
        self.arg = arg


class Written:
    """A layer's written arguments, read one by one; whatever is left unread at the end and
    has an effect is an error."""

    def __init__(self, cls: str, args: dict[str, Any], unknown_type: type):
        self.cls = cls
        self.args = dict(args)
        self.read: set[str] = set()
        self.unknown_type = unknown_type

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        value = self.args.get(name, default)
        if isinstance(value, self.unknown_type):
            line = getattr(value.node, "lineno", None)
            where = f" (line {line})" if line else ""
            raise KerasLayerError(f"{self.cls}'s {name}= cannot be read without running the "
                                  f"code: {value.why}{where}", name)
        return value

    def has(self, name: str) -> bool:
        return name in self.args

    def leftovers(self) -> None:
        for name, value in self.args.items():
            if name in self.read or name in NO_EFFECT or name.endswith(NO_EFFECT_SUFFIXES) \
                    or value is None:
                continue
            if name == "trainable" and value is True:
                continue
            if name == "data_format" and value in (None, "channels_last"):
                continue
            if name == "data_format":
                raise KerasLayerError(f"{self.cls}(data_format={value!r}): cnncalc reads "
                                      "channels-last Keras models only", name)
            if name == "trainable":
                raise KerasLayerError(f"{self.cls}(trainable=False): frozen weights are not "
                                      "expressible in a cnncalc spec", name)
            raise KerasLayerError(f"{self.cls} argument '{name}' is not one cnncalc reads",
                                  name)


def ints(value: Any, name: str, cls: str, minimum: int = 1) -> int | tuple[int, ...]:
    """A Keras size: an int or a tuple of ints, as a spec writes it (one int when equal)."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum
                             for v in values):
        raise KerasLayerError(f"{cls}'s {name}= must be whole numbers >= {minimum}, got "
                              f"{value!r}"[:160], name)
    return values[0] if len(set(values)) == 1 else tuple(values)


def per_axis(value: Any, n: int) -> list[int]:
    return list(value) if isinstance(value, tuple) else [value] * n


Converted = tuple[str, dict[str, Any], str | None]
"""(cnncalc kind, arguments, the kind of the activation row after it or None)."""


@dataclass(frozen=True)
class KerasLayer:
    positional: tuple[str, ...]
    convert: Callable[[Written, int], Converted]
    rank: int = 0


def _activation(w: Written) -> str | None:
    try:
        return activation_kind(w.get("activation"))
    except ValueError as exc:
        raise KerasLayerError(str(exc), "activation") from None


def _padding(w: Written, allowed: tuple[str, ...]) -> str:
    value = w.get("padding", "valid")
    if not isinstance(value, str) or value.lower() not in allowed:
        raise KerasLayerError(f"{w.cls}'s padding= must be one of {', '.join(allowed)}, got "
                              f"{value!r}", "padding")
    return value.lower()


def _conv(w: Written, n: int) -> Converted:
    args: dict[str, Any] = {
        "out_channels": ints(w.get("filters"), "filters", w.cls),
        "kernel_size": ints(w.get("kernel_size"), "kernel_size", w.cls),
    }
    stride = ints(w.get("strides", 1), "strides", w.cls)
    dilation = ints(w.get("dilation_rate", 1), "dilation_rate", w.cls)
    padding = _padding(w, ("valid", "same", "causal") if n == 1 else ("valid", "same"))
    groups = w.get("groups", 1)
    if stride != 1:
        args["stride"] = stride
    if padding != "valid":
        args["padding"] = padding
    if dilation != 1:
        args["dilation"] = dilation
    if groups != 1:
        args["groups"] = ints(groups, "groups", w.cls)
    if w.get("use_bias", True) is False:
        args["bias"] = False
    return f"conv{n}d", args, _activation(w)


def _conv_transpose(w: Written, n: int) -> Converted:
    """Keras' output size rules (``deconv_output_length``) as PyTorch's padding and
    output_padding: 'valid' gives in*s + max(k - s, 0), 'same' gives in*s."""
    kernel = ints(w.get("kernel_size"), "kernel_size", w.cls)
    stride = ints(w.get("strides", 1), "strides", w.cls)
    dilation = ints(w.get("dilation_rate", 1), "dilation_rate", w.cls)
    padding = _padding(w, ("valid", "same"))
    written_op = w.get("output_padding")
    pads, ops = [], []
    for k, s, d, op in zip(per_axis(kernel, n), per_axis(stride, n), per_axis(dilation, n),
                           per_axis(ints(written_op, "output_padding", w.cls, 0)
                                    if written_op is not None else None, n)):
        k_eff = d * (k - 1) + 1
        if op is not None:
            pads.append(k_eff // 2 if padding == "same" else 0)
            ops.append(op)
        elif padding == "valid":
            pads.append(0)
            ops.append(max(s - k_eff, 0))
        else:  # 'same': (in-1)*s - 2p + k_eff + op = in*s
            total = k_eff - s
            if total >= 0:
                pads.append((total + 1) // 2)
                ops.append(2 * ((total + 1) // 2) - total)
            else:
                pads.append(0)
                ops.append(-total)
    args: dict[str, Any] = {"out_channels": ints(w.get("filters"), "filters", w.cls),
                            "kernel_size": kernel}
    if stride != 1:
        args["stride"] = stride
    if any(pads):
        args["padding"] = pads[0] if len(set(pads)) == 1 else tuple(pads)
    if any(ops):
        if any(op >= max(s, d) for op, s, d in zip(ops, per_axis(stride, n),
                                                    per_axis(dilation, n))):
            raise KerasLayerError(f"{w.cls}'s output size needs output_padding {ops}, which "
                                  "PyTorch does not allow", "output_padding")
        args["output_padding"] = ops[0] if len(set(ops)) == 1 else tuple(ops)
    if dilation != 1:
        args["dilation"] = dilation
    if w.get("use_bias", True) is False:
        args["bias"] = False
    return f"conv_transpose{n}d", args, _activation(w)


def _pool(kind: str) -> Callable[[Written, int], Converted]:
    def convert(w: Written, n: int) -> Converted:
        if kind == "avgpool" and not w.has("pool_size"):
            raise KerasLayerError(f"{w.cls} needs pool_size (Keras gives average pools no "
                                  "default)", "pool_size")
        size = ints(w.get("pool_size", 2), "pool_size", w.cls)
        strides = w.get("strides")
        padding = _padding(w, ("valid", "same"))
        args: dict[str, Any] = {"kernel_size": size}
        if strides is not None and ints(strides, "strides", w.cls) != size:
            args["stride"] = ints(strides, "strides", w.cls)
        if padding == "same":
            args["padding"] = "same"
        return f"{kind}{n}d", args, None
    return convert


def _global_pool(kind: str) -> Callable[[Written, int], Converted]:
    def convert(w: Written, n: int) -> Converted:
        args = {"keepdims": True} if w.get("keepdims", False) else {}
        return kind, args, None
    return convert


def _dense(w: Written, n: int) -> Converted:
    args: dict[str, Any] = {"out_features": ints(w.get("units"), "units", w.cls)}
    if w.get("use_bias", True) is False:
        args["bias"] = False
    return "linear", args, _activation(w)


def _flatten(w: Written, n: int) -> Converted:
    return "flatten", {}, None


def _dropout(w: Written, n: int) -> Converted:
    rate = w.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise KerasLayerError(f"{w.cls}'s rate= must be a number in [0, 1), got {rate!r}",
                              "rate")
    return "dropout", {"p": float(rate)}, None


def _batchnorm(w: Written, n: int) -> Converted:
    axis = w.get("axis", -1)
    if axis not in (-1, [-1], (-1,)):
        raise KerasLayerError(f"{w.cls}(axis={axis!r}): cnncalc normalizes channels "
                              "(axis=-1) only", "axis")
    center, scale = w.get("center", True), w.get("scale", True)
    if center != scale:
        raise KerasLayerError(f"{w.cls}(center={center}, scale={scale}): a scale without a "
                              "shift (or the reverse) is not expressible", "center")
    eps = w.get("epsilon", 1e-3)
    args: dict[str, Any] = {"eps": float(eps)} if isinstance(eps, (int, float)) else {}
    if not center:
        args["affine"] = False
    return "batchnorm", args, None


def _activation_layer(w: Written, n: int) -> Converted:
    kind = _activation(w)
    if kind is None:
        return "identity", {}, None
    return kind, {}, None


def _relu(w: Written, n: int) -> Converted:
    max_value = w.get("max_value")
    slope = w.get("negative_slope", 0.0)
    if w.get("threshold", 0.0) not in (0, 0.0):
        raise KerasLayerError("ReLU(threshold=...) is not expressible", "threshold")
    if slope not in (0, 0.0):
        if max_value is not None:
            raise KerasLayerError("ReLU with both max_value and negative_slope is not "
                                  "expressible", "max_value")
        return "leaky_relu", {"negative_slope": float(slope)}, None
    if max_value is None:
        return "relu", {}, None
    if max_value == 6:
        return "relu6", {}, None
    raise KerasLayerError(f"ReLU(max_value={max_value!r}): cnncalc has relu and relu6",
                          "max_value")


def _leaky_relu(w: Written, n: int) -> Converted:
    slope = w.get("negative_slope", w.get("alpha", 0.3))
    return "leaky_relu", {"negative_slope": float(slope)}, None


def _elu(w: Written, n: int) -> Converted:
    return "elu", {"alpha": float(w.get("alpha", 1.0))}, None


def _softmax(w: Written, n: int) -> Converted:
    if w.get("axis", -1) != -1:
        raise KerasLayerError("Softmax over another axis than the last is not read", "axis")
    return "softmax", {}, None


def _same(kind: str, *keys: tuple[str, str, Any]) -> Callable[[Written, int], Converted]:
    """A layer that maps one to one, with (keras name, cnncalc name, default) arguments."""
    def convert(w: Written, n: int) -> Converted:
        args = {}
        for keras_name, name, default in keys:
            value = w.get(keras_name, default)
            if value != default:
                args[name] = value
        return kind, args, None
    return convert


def _rescaling(w: Written, n: int) -> Converted:
    scale, offset = w.get("scale"), w.get("offset", 0.0)
    for name, value in (("scale", scale), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise KerasLayerError(f"Rescaling's {name}= must be a number, got {value!r}", name)
    args: dict[str, Any] = {"scale": float(scale)}
    if offset:
        args["offset"] = float(offset)
    return "rescaling", args, None


def _factor(kind: str, keras_name: str) -> Callable[[Written, int], Converted]:
    def convert(w: Written, n: int) -> Converted:
        value = w.get(keras_name)
        if isinstance(value, (list, tuple)) and value:
            value = max(abs(v) for v in value if isinstance(v, (int, float)))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise KerasLayerError(f"{w.cls}'s {keras_name}= must be a number, got {value!r}",
                                  keras_name)
        if kind == "random_zoom":
            w.get("width_factor")
        return kind, {"factor": float(value)}, None
    return convert


def _random_flip(w: Written, n: int) -> Converted:
    mode = w.get("mode", "horizontal_and_vertical")
    return "random_flip", {"mode": mode}, None


def _shape_keeping(w: Written, n: int) -> Converted:
    """Augmentation layers with no weights and no shape change cnncalc has no kind for."""
    for name in list(w.args):
        w.read.add(name)
    return "identity", {}, None


def _padding_sides(kind: str, keras_name: str, default: Any) -> Callable[..., Converted]:
    """ZeroPadding/Cropping: int, one per axis, or ((before, after), ...) per axis."""
    def convert(w: Written, n: int) -> Converted:
        value = w.get(keras_name, default)
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, (list, tuple))
                                                              for v in value):
            flat = [x for pair in value for x in pair]
            if len(flat) != 2 * len(value):
                raise KerasLayerError(f"{w.cls}'s {keras_name}= pairs must have two values",
                                      keras_name)
            value = tuple(flat)
        return f"{kind}{n}d", {"padding" if kind == "zeropad" else "cropping":
                               ints(value, keras_name, w.cls, 0)}, None
    return convert


def _upsampling(w: Written, n: int) -> Converted:
    size = ints(w.get("size", 2), "size", w.cls)
    mode = w.get("interpolation", "nearest")
    args: dict[str, Any] = {"scale_factor": size}
    if mode != "nearest":
        modes = {1: "linear", 2: "bilinear", 3: "trilinear"}
        if mode != "bilinear":
            raise KerasLayerError(f"UpSampling interpolation={mode!r} is not read",
                                  "interpolation")
        args["mode"] = modes[n]
    return "upsample", args, None


def _resizing(w: Written, n: int) -> Converted:
    height = ints(w.get("height"), "height", w.cls)
    width = ints(w.get("width"), "width", w.cls)
    mode = w.get("interpolation", "bilinear")
    return "upsample", {"size": (height, width),
                        "mode": "nearest" if mode == "nearest" else "bilinear"}, None


def _reshape(w: Written, n: int) -> Converted:
    target = w.get("target_shape")
    if not isinstance(target, (list, tuple)) or len(target) != 1:
        raise KerasLayerError("Reshape is read only to a flat shape (target_shape=(n,)): a "
                              "channels-last reshape does not map to channels first",
                              "target_shape")
    return "reshape", {"shape": [ints(target[0], "target_shape", w.cls)]}, None


def _merge(kind: str) -> Callable[[Written, int], Converted]:
    def convert(w: Written, n: int) -> Converted:
        if kind == "concat" and w.get("axis", -1) != -1:
            raise KerasLayerError("Concatenate is read along the channels (axis=-1) only",
                                  "axis")
        return kind, {}, None
    return convert


_C = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
      "activation", "use_bias")
_CT = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
       "dilation_rate", "activation", "use_bias")
_P = ("pool_size", "strides", "padding", "data_format")

LAYERS: dict[str, KerasLayer] = {}
for _n in (1, 2, 3):
    LAYERS[f"Conv{_n}D"] = KerasLayer(_C, _conv, _n)
    LAYERS[f"Convolution{_n}D"] = KerasLayer(_C, _conv, _n)
    LAYERS[f"Conv{_n}DTranspose"] = KerasLayer(_CT, _conv_transpose, _n)
    LAYERS[f"MaxPooling{_n}D"] = KerasLayer(_P, _pool("maxpool"), _n)
    LAYERS[f"MaxPool{_n}D"] = KerasLayer(_P, _pool("maxpool"), _n)
    LAYERS[f"AveragePooling{_n}D"] = KerasLayer(_P, _pool("avgpool"), _n)
    LAYERS[f"AvgPool{_n}D"] = KerasLayer(_P, _pool("avgpool"), _n)
    for _g, _kind in (("GlobalAveragePooling", "global_avgpool"),
                      ("GlobalAvgPool", "global_avgpool"),
                      ("GlobalMaxPooling", "global_maxpool"), ("GlobalMaxPool", "global_maxpool")):
        LAYERS[f"{_g}{_n}D"] = KerasLayer(("data_format", "keepdims"), _global_pool(_kind), _n)
    LAYERS[f"ZeroPadding{_n}D"] = KerasLayer(("padding", "data_format"),
                                             _padding_sides("zeropad", "padding", 1), _n)
    LAYERS[f"Cropping{_n}D"] = KerasLayer(("cropping", "data_format"),
                                          _padding_sides("cropping", "cropping", 0), _n)
    LAYERS[f"UpSampling{_n}D"] = KerasLayer(("size", "data_format", "interpolation"),
                                            _upsampling, _n)
    LAYERS[f"SpatialDropout{_n}D"] = KerasLayer(("rate",), _dropout, _n)
LAYERS.update({
    "Dense": KerasLayer(("units", "activation", "use_bias"), _dense),
    "Flatten": KerasLayer(("data_format",), _flatten),
    "Dropout": KerasLayer(("rate", "noise_shape", "seed"), _dropout),
    "BatchNormalization": KerasLayer(("axis", "momentum", "epsilon", "center", "scale"),
                                     _batchnorm),
    "Activation": KerasLayer(("activation",), _activation_layer),
    "ReLU": KerasLayer(("max_value", "negative_slope", "threshold"), _relu),
    "LeakyReLU": KerasLayer(("negative_slope",), _leaky_relu),
    "ELU": KerasLayer(("alpha",), _elu),
    "Softmax": KerasLayer(("axis",), _softmax),
    "Rescaling": KerasLayer(("scale", "offset"), _rescaling),
    "Resizing": KerasLayer(("height", "width", "interpolation"), _resizing),
    "RandomFlip": KerasLayer(("mode", "seed"), _random_flip),
    "RandomRotation": KerasLayer(("factor",), _factor("random_rotation", "factor")),
    "RandomZoom": KerasLayer(("height_factor", "width_factor"),
                             _factor("random_zoom", "height_factor")),
    "RandomContrast": KerasLayer(("factor",), _shape_keeping),
    "RandomTranslation": KerasLayer(("height_factor", "width_factor"), _shape_keeping),
    "RandomBrightness": KerasLayer(("factor",), _shape_keeping),
    "GaussianNoise": KerasLayer(("stddev",), _shape_keeping),
    "GaussianDropout": KerasLayer(("rate",), _shape_keeping),
    "Identity": KerasLayer((), _shape_keeping),
    "Reshape": KerasLayer(("target_shape",), _reshape),
    "Add": KerasLayer((), _merge("add")),
    "Concatenate": KerasLayer(("axis",), _merge("concat")),
    "Multiply": KerasLayer((), _merge("multiply")),
})

MERGE_FUNCTIONS = {"add": "Add", "concatenate": "Concatenate", "multiply": "Multiply"}
"""keras.layers.add([a, b]) and friends: a merge layer made and applied in one call."""
