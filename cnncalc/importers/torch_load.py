"""``MODULE:FACTORY`` or ``path/to/file.py:FACTORY``: the user's PyTorch module, built.

This is the one importer that runs the user's code: importing MODULE (or running the file)
and calling FACTORY execute whatever they contain, which is why ``cnncalc import torch`` says
so in its help. The factory is called under ``torch.device("meta")``, so that parameters
take no memory and initializers do no arithmetic: a 600-million-parameter model builds in
seconds. The factory may carry literal arguments, ``torchvision.models:googlenet(aux_logits=
False)``; they are read with ``ast.literal_eval``, never evaluated as code.

Every failure the user can cause (a malformed reference, a missing module or file, a
factory that raises or returns something other than a module) is one ``CnnCalcError`` line
that names the reference and what went wrong.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from ..errors import CnnCalcError, clean, quote


@dataclass(frozen=True)
class Reference:
    """What ``MODULE:FACTORY(args)`` names: where the code is, and what to call with what."""

    text: str
    module: str
    factory: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def is_file(self) -> bool:
        return self.module.endswith(".py") or os.sep in self.module or "/" in self.module


def parse_reference(text: str) -> Reference:
    """``MODULE:FACTORY`` with optional literal arguments, or a one-line error.

    >>> parse_reference("torchvision.models:resnet18(num_classes=10)").kwargs
    {'num_classes': 10}
    """
    module, sep, call = text.rpartition(":")
    if not sep or not module or not call.strip():
        raise CnnCalcError(f"{quote(text)} is not MODULE:FACTORY (e.g. torchvision.models:"
                           "resnet18, or model.py:build)")
    try:
        tree = ast.parse(call.strip(), mode="eval").body
    except SyntaxError:
        raise CnnCalcError(f"{quote(text)}: {quote(call)} is not a factory name or a call "
                           "with literal arguments") from None
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}
    if isinstance(tree, ast.Call):
        try:
            args = tuple(ast.literal_eval(a) for a in tree.args)
            kwargs = {k.arg: ast.literal_eval(k.value) for k in tree.keywords if k.arg}
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise CnnCalcError(f"{quote(text)}: the factory's arguments must be literals "
                               "(numbers, strings, True/False/None, lists)") from None
        if any(k.arg is None for k in tree.keywords):
            raise CnnCalcError(f"{quote(text)}: **kwargs is not a literal argument")
        tree = tree.func
    name = _dotted(tree)
    if name is None:
        raise CnnCalcError(f"{quote(text)}: {quote(call)} is not a factory name")
    return Reference(text, module, name, args, kwargs)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _load_namespace(ref: Reference) -> Any:
    """The module object MODULE names (imported) or the file runs as."""
    if ref.is_file:
        path = ref.module
        if not os.path.isfile(path):
            raise CnnCalcError(f"{quote(ref.text)}: no such file: {quote(path)}")
        spec = importlib.util.spec_from_file_location("_cnncalc_user_model", path)
        if spec is None or spec.loader is None:
            raise CnnCalcError(f"{quote(ref.text)}: {quote(path)} is not a Python file")
        namespace = importlib.util.module_from_spec(spec)
        folder = os.path.dirname(os.path.abspath(path))
        sys.path.insert(0, folder)       # the file's own imports of its neighbours
        try:
            _run(ref, f"running {quote(path)}", spec.loader.exec_module, namespace)
        finally:
            sys.path.remove(folder)
        return namespace
    sys.path.insert(0, os.getcwd())
    try:
        return _run(ref, f"importing {quote(ref.module)}", importlib.import_module, ref.module)
    finally:
        sys.path.remove(os.getcwd())


def _run(ref: Reference, doing: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """``func(...)``, the user's code: anything it raises is one line naming ``doing``."""
    try:
        return func(*args, **kwargs)
    except CnnCalcError:
        raise
    except ModuleNotFoundError as exc:
        raise CnnCalcError(f"{quote(ref.text)}: {doing}: no module named "
                           f"{quote(exc.name)}") from None
    except SystemExit as exc:
        raise CnnCalcError(f"{quote(ref.text)}: {doing} called exit({exc.code})") from None
    except (Exception, RecursionError) as exc:  # the user's code may raise anything
        raise CnnCalcError(f"{quote(ref.text)}: {doing} raised {type(exc).__name__}: "
                           f"{clean(str(exc))[:300]}") from None


def build_module(ref: Reference) -> Any:
    """The ``torch.nn.Module`` the factory returns, built on the meta device, in eval mode."""
    import torch

    namespace = _load_namespace(ref)
    target: Any = namespace
    for part in ref.factory.split("."):
        if not hasattr(target, part):
            where = quote(ref.module)
            raise CnnCalcError(f"{quote(ref.text)}: {where} has no {quote(ref.factory)}")
        target = getattr(target, part)
    if isinstance(target, torch.nn.Module):
        model = target.to("meta")           # a module object: its structure, no memory
    elif callable(target):
        model = _build_on_meta(ref, target)
    else:
        raise CnnCalcError(f"{quote(ref.text)}: {quote(ref.factory)} is a "
                           f"{type(target).__name__}, not a function or class that builds a "
                           "torch.nn.Module")
    if not isinstance(model, torch.nn.Module):
        raise CnnCalcError(f"{quote(ref.text)}: {quote(ref.factory)} returned a "
                           f"{type(model).__name__}, not a torch.nn.Module")
    return model.eval()


def _build_on_meta(ref: Reference, factory: Any) -> Any:
    """``factory(...)`` with every tensor on the meta device; where the factory computes
    with tensors while building (RegNet's widths from ``torch.arange(...).tolist()``), only
    parameters and buffers are moved to meta as they are registered."""
    import torch

    doing = f"calling {quote(ref.factory)}"
    try:
        with torch.device("meta"):
            return factory(*ref.args, **ref.kwargs)
    except Exception:  # noqa: BLE001 - retried below, where a real failure is reported
        pass
    with _parameters_on_meta():
        return _run(ref, doing, factory, *ref.args, **ref.kwargs)


class _parameters_on_meta:  # noqa: N801 - used as a context manager, like torch.device
    """Parameters and buffers move to the meta device as modules register them, so that the
    initializers that follow do no arithmetic and a large model takes no memory."""

    def __enter__(self) -> None:
        import torch

        module = torch.nn.Module
        self.saved = (module.register_parameter, module.register_buffer)
        register_parameter, register_buffer = self.saved

        def parameter(self_: Any, name: str, param: Any) -> None:
            if param is not None and param.device.type != "meta":
                param = type(param)(param.to("meta"), requires_grad=param.requires_grad)
            register_parameter(self_, name, param)

        def buffer(self_: Any, name: str, tensor: Any, persistent: bool = True) -> None:
            if tensor is not None:
                tensor = tensor.to("meta")
            register_buffer(self_, name, tensor, persistent)

        module.register_parameter = parameter  # type: ignore[method-assign]
        module.register_buffer = buffer  # type: ignore[method-assign]

    def __exit__(self, *exc: object) -> None:
        import torch

        torch.nn.Module.register_parameter, torch.nn.Module.register_buffer = self.saved
