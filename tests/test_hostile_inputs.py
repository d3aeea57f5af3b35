"""Issue 11's hostile inputs outside the spec language, each pinned with its own input: odd YAML
scalars, files that never end or are not text, text that could forge a line or colour a
terminal, output files that are devices or links, huge figures, unbounded searches, and the
exit status of every outcome (README's table)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.cli import main
from cnncalc.diagnose import diagnose
from cnncalc.source import MAX_BYTES, read_source

ROOT = Path(__file__).resolve().parent.parent
HEAD = "input: [3, 32, 32]\nlayers:\n"


def spec_error(text: str) -> str:
    with pytest.raises(CnnCalcError) as info:
        analyze(load_spec(text, "net.yaml"))
    message = str(info.value)
    assert "\n" not in message
    return message


def cli(*args: str, input: bytes | str | None = None, env: dict | None = None):  # noqa: A002
    """cnncalc in process; stdout and stderr apart."""
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


def one_error_line(result, status: int = 2) -> str:
    assert result.exit_code == status, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# -- 1. YAML scalars ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "message"), [
    ("!!float abc", "net.yaml:3:28: 'abc' is not a valid !!float (ValueError)"),
    ("!!int abc", "net.yaml:3:28: 'abc' is not a valid !!int (ValueError)"),
    ("!!bool maybe", "net.yaml:3:28: 'maybe' is not a valid !!bool (KeyError)"),
    # dates and timestamps are read as the text written, then refused where a number belongs
    ("!!timestamp xyz", "net.yaml:3:28: in layer 'conv1' (conv2d): 'out_channels' must be an "
                        "integer, got 'xyz'"),
    ("2001-02-30", "net.yaml:3:28: in layer 'conv1' (conv2d): 'out_channels' must be an "
                   "integer, got '2001-02-30'"),
    ("!!binary aGVsbG8=", "net.yaml:3:28: the YAML tag '!!binary' is not allowed: specs are "
                          "plain YAML"),
    ("9" * 5000, "net.yaml:3:28: an integer of 5,000 digits; cnncalc reads integers of at most "
                 "1,000 digits"),
])
def test_odd_scalars_are_one_located_line(value, message):
    assert spec_error(HEAD + f"  - conv2d: {{out_channels: {value}, kernel_size: 3}}\n") == message


def test_a_date_elsewhere_is_text():
    report = analyze(load_spec("name: 2001-02-03\n" + HEAD + "  - relu\n", "net.yaml"))
    assert report.name == "2001-02-03"


def test_a_huge_integer_on_the_command_line_is_one_line():
    line = one_error_line(cli("conv", "--input", "9" * 5000 + "x32x3", "--filters", "4",
                              "--kernel", "3"))
    assert "a size of more than 1,000 digits" in line
    line = one_error_line(cli("analyze", "architectures/lenet5.yaml", "--input",
                              f"1,{'9' * 5000},32"))
    assert "a size of more than 1,000 digits" in line


def test_a_figure_too_large_to_print_is_refused():
    big = "1" + "0" * 999
    text = (f"input: [{big}, {big}, {big}, {big}]\nlayers:\n"
            f"  - conv3d: {{out_channels: {big}, kernel_size: {big}}}\n")
    assert spec_error(text) == ("net.yaml:3:5: in layer 'conv1' (conv3d): a figure of this layer "
                                "(a size, a count or its receptive field) exceeds 10^4000, "
                                "beyond what cnncalc prints")


# -- 2. reading input --------------------------------------------------------------------------

@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_files_are_read_to_the_limit_only(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with pytest.raises(CnnCalcError) as info:
        read_source(device)
    assert str(info.value) == (f"{device}:1:1: {device!r} is longer than 2,000,000 bytes, the "
                               "limit for a spec; refusing to read it")


def test_a_50_mb_file_is_refused_after_the_limit(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.truncate(50 * 10**6)  # sparse: costs no disk
    reads = []

    class Counting:
        def __init__(self, raw):
            self.raw = raw

        def read(self, n=-1):
            data = self.raw.read(n)
            reads.append(len(data))
            return data

    with open(path, "rb") as raw, pytest.raises(CnnCalcError):
        read_source("-", Counting(raw))
    assert sum(reads) == MAX_BYTES + 1
    line = one_error_line(cli("analyze", str(path)))
    assert "longer than 2,000,000 bytes" in line


def test_invalid_utf8_in_a_file_and_on_stdin(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_bytes(b"input: [3, 32, 32]\nlayers:\n  - re\xfflu\n")
    assert one_error_line(cli("analyze", str(path))) == (
        f"error: {path}:3:7: byte 0xff is not UTF-8 text (save the file as UTF-8)")
    assert one_error_line(cli("analyze", "-", input=path.read_bytes())) == (
        "error: <stdin>:3:7: byte 0xff is not UTF-8 text (save the file as UTF-8)")


@pytest.mark.parametrize(("char", "code"), [("\x00", "0000"), ("\x01", "0001"), ("\x1b", "001B"),
                                            ("\x7f", "007F")])
def test_control_characters_are_one_line_at_their_place(char, code):
    assert spec_error(HEAD + f"  - re{char}lu\n") == (
        f"net.yaml:3:7: control character U+{code} is not allowed in YAML text")


# -- 3. text, terminals, pipes -----------------------------------------------------------------

def test_a_newline_in_a_name_cannot_forge_a_line():
    text = HEAD + '  - conv2d: {name: "a\\nerror: forged", out_channels: 4, kernel_size: 99}\n'
    assert spec_error(text).startswith("net.yaml:3:70: in layer 'a\\nerror: forged' (conv2d): ")
    result = cli("check-spec", "-", input=text)
    assert not any(line.startswith("error: forged") for line in result.output.splitlines())


def test_escape_sequences_are_never_printed_raw():
    text = HEAD + ('  - conv2d: {name: "\\e[31mred\\e]0;title\\a", out_channels: 4, '
                   'kernel_size: 99}\n')
    for command in ("analyze", "check-spec"):
        result = cli(command, "-", input=text)
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "\\x1b[31mred\\x1b]0;title\\x07" in result.output
    good = HEAD + '  - conv2d: {name: "\\e[31mred", out_channels: 4, kernel_size: 3}\n'
    table = cli("analyze", "-", input=good).stdout
    assert "\x1b" not in table and "\\x1b[31mred" in table


def test_usage_errors_escape_what_was_typed():
    line = one_error_line(cli("analyze", "architectures/lenet5.yaml", "-f", "\x1b[31m"))
    assert "'\\x1b[31m' is not one of" in line


def test_no_color_and_dumb_terminals(monkeypatch):
    from cnncalc.cli.analyze import wants_color

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert wants_color(True) and not wants_color(False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_color(True)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not wants_color(True)


def test_tables_fit_columns():
    result = cli("analyze", "architectures/vgg16.yaml", env={"COLUMNS": "60"})
    lines = result.stdout.splitlines()
    table = lines[2:lines.index(lines[3], 4) + 1]  # the header to the closing rule
    assert len(table) > 30 and all(len(line) <= 60 for line in table)
    assert "(not shown to fit 60 columns: RF, Activations, Kind)" in result.stdout
    wide = cli("analyze", "architectures/vgg16.yaml", env={"COLUMNS": "200"}).stdout
    assert "left out" not in wide and "RF" in wide.splitlines()[2]


def test_a_closed_pipe_ends_quietly_with_141(monkeypatch):
    import cnncalc.cli.analyze as module

    def closed(*args, **kwargs):  # what writing to `| head -1` raises once head has exited
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(module, "emit", closed)
    monkeypatch.setattr("cnncalc.cli.common._quiet_pipe", lambda: None)  # CliRunner's stdout
    result = cli("analyze", "architectures/lenet5.yaml")
    assert (result.exit_code, result.stderr) == (141, "")


# -- 4. output files ---------------------------------------------------------------------------

def test_unwritable_targets_are_one_line(tmp_path):
    for target in ("/proc/cnncalc.json", str(tmp_path / "no" / "such" / "x.json")):
        line = one_error_line(cli("analyze", "architectures/lenet5.yaml", "-o", target))
        assert line.startswith(f"error: cannot write '{target}"), line
    if os.path.exists("/dev/full"):
        assert one_error_line(cli("analyze", "architectures/lenet5.yaml", "-o", "/dev/full")) \
            == "error: cannot write '/dev/full': No space left on device"
    assert "is a directory" in one_error_line(cli("analyze", "architectures/lenet5.yaml", "-o",
                                                  str(tmp_path)))


def test_devices_links_and_fifos_are_written_through(tmp_path):
    assert cli("analyze", "architectures/lenet5.yaml", "-o", "/dev/null").exit_code == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if os.path.islink("/dev/stdout"):
        proc = subprocess.run([sys.executable, "-m", "cnncalc", "analyze",
                               "architectures/lenet5.yaml", "-f", "csv", "-o", "/dev/stdout"],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0 and proc.stdout.startswith("name,kind")
        assert os.path.islink("/dev/stdout")
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert cli("analyze", "architectures/lenet5.yaml", "-f", "json", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and json.loads(real.read_text())["layers"]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    assert cli("analyze", "architectures/lenet5.yaml", "-f", "csv", "-o", str(fifo)).exit_code == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got[0].startswith("name,kind")


def test_output_files_keep_the_umask_and_an_old_mode(tmp_path):
    old = os.umask(0o022)
    try:
        new = tmp_path / "new.csv"
        assert cli("analyze", "architectures/lenet5.yaml", "-f", "csv", "-o", str(new)
                   ).exit_code == 0
        assert stat.S_IMODE(os.stat(new).st_mode) == 0o644
        kept = tmp_path / "kept.csv"
        kept.write_text("")
        kept.chmod(0o640)
        cli("analyze", "architectures/lenet5.yaml", "-f", "csv", "-o", str(kept))
        assert stat.S_IMODE(os.stat(kept).st_mode) == 0o640
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.csv", "new.csv"]  # no temp


# -- 5. arithmetic on huge values --------------------------------------------------------------

def test_huge_kernels_and_strides_are_counted_exactly():
    big = 10**400
    report = analyze(load_spec(f"input: [3, {big}, {big}]\nlayers:\n"
                               f"  - conv2d: {{out_channels: 4, kernel_size: {big}}}\n", "n"))
    (row,) = report.rows
    assert row.output_shape == (4, 1, 1)
    assert row.params == 4 * 3 * big * big + 4 and row.receptive_field == (big, big)
    stride = 10**200
    report = analyze(load_spec(
        f"input: [3, {big}, {big}]\nlayers:\n" + 2 * ("  - conv2d: {out_channels: 4, "
                                                      f"kernel_size: 3, stride: {stride}, "
                                                      "padding: 1}\n"), "n"))
    assert report.rows[-1].receptive_field == (3 + 2 * stride, 3 + 2 * stride)


@pytest.mark.parametrize(("layer", "message"), [
    ("upsample: {scale_factor: 1e300}", "'scale_factor' must be an integer or a list of "
                                        "integers, got '1e300'"),
    ("upsample: {scale_factor: 1.0e+300}", "'scale_factor' must be an integer or a list of "
                                           "integers, got 1e+300"),
    ("dropout: .nan", "'p' must be a finite number, got nan"),
    ("dropout: .inf", "'p' must be a finite number, got inf"),
    ("batchnorm2d: {eps: .nan}", "'eps' must be a finite number, got nan"),
])
def test_meaningless_floats_are_refused(layer, message):
    assert spec_error(HEAD + f"  - {layer}\n").endswith(message)


def test_upsampling_keeps_the_receptive_field_exact():
    report = analyze(load_spec(HEAD + "  - upsample: 3\n  - conv2d: {out_channels: 4, "
                               "kernel_size: 3}\n", "n"))
    assert report.rows[-1].receptive_field == (2, 2)  # 1 + 2 * (1/3), rounded


# -- 6. bounded work ---------------------------------------------------------------------------

def test_adaptive_pool_to_a_billion_is_closed_form():
    report = analyze(load_spec(HEAD + "  - adaptive_avgpool2d: 1000000000\n", "n"))
    assert report.rows[0].output_shape == (3, 10**9, 10**9)


def test_min_input_on_a_huge_input_names_its_limit(tmp_path):
    spec = tmp_path / "big.yaml"
    spec.write_text("input: [3, 10000000, 10000000]\nlayers:\n"
                    "  - conv2d: {out_channels: 4, kernel_size: 3}\n  - maxpool2d: 2\n")
    out = cli("analyze", str(spec), "--min-input").stdout
    assert "smallest input that survives every layer: 3x4x4" in out
    assert "sizes from 4 to 4099 that lose no pixel" in out


def test_fix_search_on_a_1e20_input_ends():
    text = ("input: [3, 100000000000000000000, 32]\nlayers:\n"
            "  - conv2d: {out_channels: 4, kernel_size: 64}\n"
            "  - add: [[maxpool2d: {kernel_size: 3, stride: 1}], []]\n")
    found = diagnose(load_spec(text, "n"))
    assert len(found.problems) == 2


def test_many_failing_windows_share_one_search_budget():
    text = "input: [3, 8, 8]\nlayers:\n" + 400 * "  - conv2d: {out_channels: 4, kernel_size: 9}\n"
    found = diagnose(load_spec(text, "n"))
    needs = ["needs an input of at least" in " ".join(p.fixes) for p in found.problems]
    assert len(needs) == 400 and needs[0] and not needs[-1]


def test_check_spec_on_an_even_pool_in_a_residual_branch():
    result = cli("check-spec", "-", input=HEAD + "  - add: [[maxpool2d: {kernel_size: 2, "
                 "stride: 1}], []]\n")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: <stdin>:3:5: in layer 'add1' (add): shapes differ: 3x31x31, 3x32x32",
        "  fix: the branch from the network input gives 3x32x32 but the main path 3x31x31"]
    assert result.stdout == "verdict: <stdin> does NOT work: 1 error, 0 warnings\n"


# -- 7. exit statuses (README's table) ---------------------------------------------------------

def test_exit_statuses(monkeypatch):
    assert cli("analyze", "architectures/lenet5.yaml").exit_code == 0
    assert cli("solve", "--input", "5", "--output", "10", "--kernel", "3", "--padding", "?"
               ).exit_code == 1
    assert cli("analyze", "-", input=HEAD + "  - conv7d\n").exit_code == 2
    assert cli("analyze", "--no-such-flag").exit_code == 2
    assert cli().exit_code == 2  # no command: the help, as a usage mistake

    import cnncalc.cli.analyze as module

    def boom(*args, **kwargs):
        raise RuntimeError("a bug\nsecond line")

    monkeypatch.setattr(module, "analyze", boom)
    monkeypatch.delenv("CNNCALC_DEBUG", raising=False)
    line = one_error_line(cli("analyze", "architectures/lenet5.yaml"), 3)
    assert line == ("error: internal error in cnncalc (RuntimeError: a bug second line); please "
                    "report it with the command and the spec (rerun with --debug or "
                    "CNNCALC_DEBUG=1 for the traceback)")
    for result in (cli("--debug", "analyze", "architectures/lenet5.yaml"),
                   cli("analyze", "architectures/lenet5.yaml", env={"CNNCALC_DEBUG": "1"})):
        assert result.exit_code == 3 and "Traceback" in result.stderr
    monkeypatch.delenv("CNNCALC_DEBUG", raising=False)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "analyze", interrupted)
    assert cli("analyze", "architectures/lenet5.yaml").exit_code == 130


def test_readme_documents_the_exit_statuses():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for row in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 130 |", "| 141 |"):
        assert row in readme


# -- 8. every command alike --------------------------------------------------------------------

def test_json_honours_depth():
    data = json.loads(cli("analyze", "architectures/vgg16.yaml", "-f", "json", "--depth", "0"
                          ).stdout)
    names = [layer["name"] for layer in data["layers"]]
    assert names[:5] == ["stage1", "stage2", "stage3", "stage4", "stage5"]
    assert sum(layer["params"] for layer in data["layers"]) == data["totals"]["params"]


def test_min_input_honours_json():
    data = json.loads(cli("analyze", "architectures/vgg16.yaml", "--min-input", "-f", "json"
                          ).stdout)
    assert data["schema"] == "cnncalc.min-input/1"
    assert data["smallest"] == [3, 32, 32] and data["lossless"]["sizes"][:2] == [32, 64]


def test_csv_honours_layout():
    rows = cli("analyze", "architectures/vgg16.yaml", "-f", "csv", "--layout", "hwc"
               ).stdout.splitlines()
    assert rows[1].startswith("stage1.conv1,conv2d,224x224x64,")


def test_check_spec_diagnostics_on_stderr_verdict_on_stdout():
    result = cli("check-spec", "-", input=HEAD + "  - conv2d: {out_channels: 4, kernel: 99}\n")
    assert result.stdout.startswith("verdict: <stdin> does NOT work")
    assert result.stderr.startswith("error: <stdin>:3:5: in layer 'conv1' (conv2d): kernel")


def test_unclosed_bracket_is_reported_where_it_opens():
    text = HEAD + "  - conv2d: {out_channels: 8, kernel_size: 3\n\n\n  - relu\n"
    assert spec_error(text) == (
        "net.yaml:3:13: YAML syntax error: while parsing a flow mapping that starts here: did "
        "not find expected ',' or '}' (the parser gave up at line 7, column 1)")


def test_analyze_lists_every_error_and_no_table():
    text = (HEAD + "  - conv2d: {out_channels: 8, kernal_size: 3}\n"
            "  - conv2d: {filters: 8, kernel: 3, strde: 2}\n  - linear: 10\n  - relu6x\n")
    result = cli("analyze", "-", input=text)
    assert result.exit_code == 2 and result.stdout == ""
    assert [line.split(": in ")[0].split(": unknown")[0] for line in
            result.stderr.splitlines()] == ["error: <stdin>:3:44", "error: <stdin>:4:44",
                                             "error: <stdin>:5:5", "error: <stdin>:6:5"]
