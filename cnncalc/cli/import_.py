"""``cnncalc import keras MODEL.py`` / ``import onnx MODEL.onnx``: a model written elsewhere,
as a cnncalc spec."""

from __future__ import annotations

import sys

import click

from ..errors import CnnCalcError
from .common import emit, parse_shape, report_errors

MAX_READ = 2_000_000


def _read(path: str) -> str:
    """The file's text, reading at most the limit plus one byte."""
    try:
        if path == "-":
            text = sys.stdin.read(MAX_READ + 1)
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(MAX_READ + 1)
    except FileNotFoundError:
        raise CnnCalcError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise CnnCalcError(f"{path} is a folder, not a Python file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CnnCalcError(f"cannot read {path}: {exc}") from None
    return text


@click.command("import")
@click.argument("framework", type=click.Choice(["keras", "torch", "onnx"]))
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the spec to this file (atomically) instead of stdout.")
@click.option("--model", "model_name", metavar="NAME",
              help="The variable holding the model, when the file builds several (default: "
                   "the last model built that no other model uses).")
@click.option("--input", "input_shape", metavar="SHAPE",
              help="keras: the input shape channels last, e.g. 180,180,3, where the code "
                   "leaves it open (None) or never gives it. torch: the input shape channels "
                   "first, without the batch (default 3,224,224). onnx: channels first, "
                   "where the file leaves it open.")
@click.option("--flat", is_flag=True,
              help="torch: write every row where it runs, without blocks: for module classes "
                   "used several times.")
@report_errors
def command(framework: str, source: str, output: str | None, model_name: str | None,
            input_shape: str | None, flat: bool) -> None:
    """Read a model written elsewhere and write it as a cnncalc spec.

    keras: SOURCE is Python code that builds a Keras model with Sequential([...]),
    model.add(...) or the functional API. It is read, never run: no TensorFlow or Keras is
    needed, and literal values, constants, loops over literal ranges and functions of the
    file are followed. What cannot be known without running the code is one error line
    naming the file and line. Rows keep Keras' layer names, so 'cnncalc analyze SPEC
    --style keras' lines up with model.summary().

    torch: SOURCE is MODULE:FACTORY or path/to/file.py:FACTORY, optionally with literal
    arguments (torchvision.models:resnet18(num_classes=10)). THIS RUNS THE CODE: the module
    is imported (or the file run), FACTORY called on PyTorch's meta device and forward run
    on a meta tensor, so import only code you trust. The model is traced with torch.fx
    (forward hooks where fx cannot trace, said on stderr); rows are named by module path
    (layer1.0.conv1), functional calls by the module that makes them (layer1.0.add). A
    module class used several times with the same layers is a block called at each use
    (--flat writes every row out). An op cnncalc has no kind for is one error naming the
    module path and the op.

    onnx (needs the onnx extra: pip install 'cnncalc[onnx]'): SOURCE is an ONNX file;
    its initializers give the parameters, and the header of the spec states the file's
    count, which 'cnncalc analyze' of the spec reproduces.

    \b
    Examples:
      cnncalc import keras model.py -o model.yaml
      cnncalc analyze model.yaml --style keras
      cnncalc import keras notebook.py --model classifier --input 224,224,3
      cnncalc import torch torchvision.models:resnet18 -o resnet18.yaml
      cnncalc import torch mynet.py:Net --input 1,28,28
      cnncalc import onnx resnet18.onnx -o resnet18.yaml
    """
    shape = parse_shape(input_shape) if input_shape else None
    if flat and framework != "torch":
        raise click.UsageError("--flat is for torch (keras and onnx imports write no blocks)")
    if framework == "onnx":
        from ..importers.onnx_spec import import_onnx

        if source == "-":
            raise click.UsageError("import onnx reads a file, not standard input")
        if model_name:
            raise click.UsageError("--model is for keras code; an ONNX file holds one model")
        emit(import_onnx(source, f"cnncalc import onnx {source}", shape), output)
        return
    if framework == "torch":
        if model_name:
            raise CnnCalcError("--model is for keras; for torch, name the factory in SOURCE "
                               "(MODULE:FACTORY)")
        from ..importers.torch_import import import_torch

        spec, notes = import_torch(source, shape, f"cnncalc import torch {source}", flat)
        for note in notes:
            click.echo(f"note: {note}", err=True)
        emit(spec, output)
        return
    from ..importers.keras_model import read_model
    from ..importers.write_spec import to_spec

    text = _read(source)
    filename = "<stdin>" if source == "-" else source
    model = read_model(text, filename, model_name, shape)
    command_line = f"cnncalc import {framework} {filename}"
    emit(to_spec(model, filename, command_line), output)
