"""``cnncalc import keras``: Keras code read statically into a spec (no Keras needed).

The figures of the three model files in ``examples/keras`` are Keras' own
(``model.count_params()`` and ``model.summary()`` with keras 3.15.1, KERAS_BACKEND=torch),
and ``tests/test_keras_real.py`` rechecks them wherever Keras is installed.
"""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner
from helpers import ROOT

from cnncalc import analyze, load_spec
from cnncalc.cli import main
from cnncalc.importers.keras_model import read_model
from cnncalc.importers.write_spec import to_spec

MODELS = ROOT / "examples" / "keras"
# file: (Keras' count_params(), trainable, non-trainable)
KERAS_FIGURES = {
    "cats_dogs.py": (991_041, 991_041, 0),
    "mnist_add.py": (44_294, 44_102, 192),
    "residual.py": (23_125, 23_125, 0),
    "two_heads.py": (1_809, 1_809, 0),
}


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def imported(path) -> str:
    text = path.read_text()
    return to_spec(read_model(text, str(path)), str(path), "test")


@pytest.mark.parametrize("name", sorted(KERAS_FIGURES))
def test_model_files_import_to_keras_own_counts(name):
    report = analyze(load_spec(imported(MODELS / name), "spec.yaml"))
    total, trainable, frozen = KERAS_FIGURES[name]
    assert report.ok
    assert report.totals.params == trainable
    assert report.totals.non_trainable == frozen
    assert report.totals.params + report.totals.non_trainable == total


def test_the_source_note_convnet_imports_and_analyzes_to_991041(tmp_path):
    out = tmp_path / "cats_dogs.yaml"
    result = invoke("import", "keras", str(MODELS / "cats_dogs.py"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    analyzed = invoke("analyze", str(out))
    assert analyzed.exit_code == 0
    assert "Params (trainable)                        991,041 (991.04 k)" in analyzed.stdout
    assert "Output                                    dense_activation: 1" in analyzed.stdout


def test_the_spec_keeps_keras_names_and_splits_activations():
    text = imported(MODELS / "cats_dogs.py")
    assert "input_layout: hwc\ninput: [180, 180, 3]\n" in text
    assert "  - conv2d: {name: conv2d, out_channels: 32, kernel_size: 3}\n" \
           "  - relu: {name: conv2d_activation}\n" in text
    assert "  - name: sequential\n    layers:\n      - random_flip: {name: random_flip, " \
           "mode: horizontal}\n" in text
    assert "  - linear: {name: dense, out_features: 1}\n  - sigmoid: {name: dense_activation}\n" \
           in text


def test_a_functional_branch_is_written_with_references():
    text = imported(MODELS / "residual.py")
    assert "  - {name: add, add: [[{from: conv2d_1_activation}], [{from: cropping2d}]]}" in text
    assert "{name: conv2d_4, conv2d: {out_channels: 32, kernel_size: 1, stride: 2}, " \
           "from: add}" in text
    assert "conv_transpose2d: {name: conv2d_transpose, out_channels: 16, kernel_size: 3, " \
           "stride: 2, padding: 1, output_padding: 1}" in text


def test_stdin_and_the_input_override():
    code = "import keras\nm = keras.Sequential([keras.layers.Dense(4)])\n"
    result = invoke("import", "keras", "-", "--input", "8", input=code)
    assert result.exit_code == 0, result.stderr
    assert "input: [8]\n" in result.stdout
    assert "  - linear: {name: dense, out_features: 4}\n" in result.stdout


def test_model_picks_one_of_several():
    code = textwrap.dedent("""
        from keras import layers, Sequential
        a = Sequential([layers.Input((4,)), layers.Dense(3)])
        b = Sequential([layers.Input((4,)), layers.Dense(5)])
    """)
    last = invoke("import", "keras", "-", input=code)
    assert "out_features: 5" in last.stdout
    first = invoke("import", "keras", "-", "--model", "a", input=code)
    assert "out_features: 3" in first.stdout and "out_features: 5" not in first.stdout


def test_loops_functions_constants_and_fstrings_are_followed():
    code = textwrap.dedent("""
        import keras
        from keras import layers
        BASE = 8
        def block(x, n, i):
            x = layers.Conv2D(n, 3, padding="same", name=f"block{i}_conv")(x)
            return layers.MaxPooling2D()(x)
        inputs = keras.Input((32, 32, 3))
        x = inputs
        for i in range(3):
            x = block(x, BASE * 2 ** i, i + 1)
        model = keras.Model(inputs, layers.Flatten()(x))
    """)
    text = to_spec(read_model(code, "m.py"), "m.py", "test")
    report = analyze(load_spec(text, "spec.yaml"))
    assert [r.name for r in report.rows][1:4] == ["block1_conv", "max_pooling2d", "block2_conv"]
    assert report.rows[-1].output_shape == (32 * 4 * 4,)
    assert report.totals.params == (3 * 9 * 8 + 8) + (8 * 9 * 16 + 16) + (16 * 9 * 32 + 32)


# -- bad input: one line, file:line:col, exit 2 ------------------------------------------------
BAD = [
    ("syntax", "import keras\nmodel = keras.Sequential([\n",
     "m.py:2:26: Python syntax error: '[' was never closed"),
    ("not a model", "print('hello')\nx = 3\n", "m.py:1:1: no Keras model found"),
    ("unsupported layer", "import keras\nfrom keras import layers\nm = keras.Sequential(["
     "layers.Input((8, 8, 3)),\n    layers.SeparableConv2D(8, 3)])\n",
     "m.py:4:5: cannot read a layer of 'sequential' without running the code: the Keras "
     "layer SeparableConv2D is not one cnncalc can read (needed at line 3)"),
    ("used before defined", "import keras\ninputs = keras.Input((8, 8, 3))\n"
     "x = augment(inputs)\naugment = keras.Sequential([keras.layers.RandomFlip()])\n"
     "m = keras.Model(inputs, x)\n",
     "m.py:3:5: cannot read the model's outputs without running the code: 'augment' is not "
     "defined in the file before this line (needed at line 5)"),
    ("value from a data set", "import keras\nimport numpy as np\nn = np.load('n.npy')\n"
     "m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(n)])\n",
     "m.py:4:42: in layer 'dense' (Dense): Dense's units= cannot be read without running the "
     "code: 'numpy.load(...)' is not read (line 3)"),
    ("shared layer", "import keras\nd = keras.layers.Dense(4)\ni = keras.Input((4,))\n"
     "m = keras.Model(i, d(d(i)))\n",
     "m.py:4:20: layer 'dense' (Dense) is applied a second time"),
    ("subclassed", "import keras\nclass Net(keras.Model):\n    pass\n",
     "m.py:2:1: class 'Net' subclasses a Keras class"),
    ("no input shape", "import keras\nm = keras.Sequential([keras.layers.Dense(4)])\n",
     "m.py:2:5: Sequential 'sequential' never gives its input shape"),
    ("open input size", "import keras\ni = keras.Input((None, None, 3))\n"
     "m = keras.Model(i, keras.layers.Conv2D(4, 3)(i))\n",
     "m.py:2:5: the input shape (None, None, 3) has a size left open (None)"),
    ("channels first", "import keras\ni = keras.Input((3, 8, 8))\nm = keras.Model(i, "
     "keras.layers.Conv2D(4, 3, data_format='channels_first')(i))\n",
     "m.py:3:20: in layer 'conv2d' (Conv2D): Conv2D(data_format='channels_first'): cnncalc "
     "reads channels-last Keras models only"),
    ("frozen", "import keras\nm = keras.Sequential([keras.Input((4,)), "
     "keras.layers.Dense(4, trainable=False)])\n", "frozen weights are not expressible"),
    ("unknown argument", "import keras\nm = keras.Sequential([keras.Input((4,)), "
     "keras.layers.Dense(4, units_typo=3)])\n", "Dense argument 'units_typo' is not one "
     "cnncalc reads"),
    ("unknown activation", "import keras\nm = keras.Sequential([keras.Input((4,)), "
     "keras.layers.Dense(4, activation='rellu')])\n", "activation 'rellu' is not one cnncalc "
     "knows"),
    ("loop bomb", "import keras\nn = 0\nfor i in range(10**9):\n    n += 1\n",
     "m.py:3:10: range of 1,000,000,000 steps; the limit is 200,000"),
    ("recursion", "import keras\ndef f(x):\n    return f(x)\ny = f(1)\n",
     "calls nest deeper than 32 (recursion?)"),
    ("two inputs", "import keras\na = keras.Input((4,))\nb = keras.Input((4,))\n"
     "m = keras.Model([a, b], keras.layers.add([a, b]))\n", "m.py:4:5: model 'functional' has "
     "2 inputs; a cnncalc spec has one"),
    ("average pool without size", "import keras\nm = keras.Sequential([keras.Input((8, 8, 3)), "
     "keras.layers.AveragePooling2D()])\n", "m.py:2:47: in layer 'average_pooling2d' "
     "(AveragePooling2D): AveragePooling2D needs pool_size (Keras gives average pools no "
     "default)"),
]


@pytest.mark.parametrize("case, code, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_located_line(tmp_path, monkeypatch, case, code, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(code)
    result = invoke("import", "keras", "m.py")
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: m.py:"), lines[0]
    assert message in lines[0]


def test_input_layer_and_hostile_values_are_bounded():
    code = textwrap.dedent("""
        import keras
        from keras import layers
        big = f"{1:999999999}" + "x" * 10 ** 9
        wide = (10 ** 15) ** 64
        table = {keras: 1, (layers, 2): 3}
        item = {"a": 1}[[1]]
        m = keras.Sequential([layers.InputLayer(input_shape=(6,)), layers.Dense(2)])
    """)
    text = to_spec(read_model(code, "m.py"), "m.py", "test")
    assert "input: [6]\n" in text and "out_features: 2" in text


def test_the_note_order_names_the_line_where_the_name_is_missing(tmp_path):
    """The source note prints the augmentation model after its use; Python would fail there
    too, and the error says so rather than guessing."""
    text = (MODELS / "cats_dogs.py").read_text()
    start = text.index("data_augmentation = ")
    end = text.index("inputs = ")
    moved = text[:start] + text[end:] + text[start:end]
    (tmp_path / "note.py").write_text(moved)
    result = invoke("import", "keras", str(tmp_path / "note.py"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'note.py'}:7:5: cannot read the "
                                    "model's outputs without running the code: "
                                    "'data_augmentation' is not defined in the file before "
                                    "this line (needed at line 21)")


def test_the_file_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    code = (f"open({str(marker)!r}, 'w').write('x')\nimport keras\n"
            "m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n")
    (tmp_path / "m.py").write_text(code)
    assert invoke("import", "keras", str(tmp_path / "m.py")).exit_code == 0
    assert not marker.exists()


def test_missing_file_and_folder(tmp_path):
    assert invoke("import", "keras", str(tmp_path / "nope.py")).stderr.startswith(
        "error: no such file")
    assert "is a directory" in invoke("import", "keras", str(tmp_path)).stderr


def test_import_loads_no_framework():
    """Reading Keras code needs neither Keras nor TensorFlow nor torch (nor numpy)."""
    import subprocess
    import sys

    code = ("import sys\nfrom cnncalc.cli import main\n"
            f"main(['import', 'keras', {str(MODELS / 'residual.py')!r}], "
            "standalone_mode=False)\n"
            "heavy = [m for m in ('keras', 'tensorflow', 'torch', 'numpy') if m in sys.modules]\n"
            "sys.stderr.write('HEAVY=' + ','.join(heavy))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stderr.endswith("HEAVY=")
    assert "name: functional" in result.stdout


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(KERAS_FIGURES))
def test_imported_specs_verify_in_pytorch(name, tmp_path):
    """The spec an import writes builds in PyTorch with every layer's figures equal."""
    pytest.importorskip("torch")
    spec = tmp_path / "spec.yaml"
    spec.write_text(imported(MODELS / name))
    result = invoke("verify", str(spec))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "OK: all" in result.stdout
