"""The command line: ``glmstat fit`` and ``glmstat datasets`` through ``main([...])`` and ``python -m glmstat``.

The CLI computes nothing itself, so a fit through it must print exactly the summary of the same fit made
in Python; the numbers in that summary are checked against R in the parity tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.cli import main

from conftest import FIXTURES, all_case_ids, family_of, load_data, load_ref

SEED = ["fit", "passed ~ hours + score", "students", "--family", "binomial"]


def quiet_summary(formula, data, family, **kw) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return str(gs.glm(formula, data, family=family, **kw).summary()).rstrip("\n")


def run(argv, capsys):
    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def assert_one_line_error(code, out, err, expected_code=1):
    assert code == expected_code
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "error:" in lines[0]
    return lines[0]


# -- the seed example ------------------------------------------------------------------------------------
def python_warnings(formula, data, family, **kw) -> list[str]:
    """The messages of the warnings the same fit raises in Python."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gs.glm(formula, data, family=family, **kw)
    return list(dict.fromkeys(str(w.message) for w in caught))


def test_seed_example_prints_summary_with_explanations(capsys):
    code, out, err = run(SEED, capsys)
    assert code == 0
    assert out.rstrip("\n") == quiet_summary("passed ~ hours + score", gs.load_dataset("students"), gs.Binomial())
    assert "score = 50 + 5 * hours" in out  # the aliasing explanation
    assert "complete separation" in out and "hours >= 4" in out  # the separation explanation
    # each warning once overall, in the Python warning's words: in the summary's warnings block, not again
    # on stderr
    msgs = python_warnings("passed ~ hours + score", gs.load_dataset("students"), gs.Binomial())
    assert len(msgs) == 2 and "score = 50 + 5 * hours" in msgs[0] and "separation" in msgs[1]
    for m in msgs:
        assert (out + err).count(m) == 1, m
    assert out.count("score = 50 + 5 * hours") == 1  # the aliasing relation listed once
    assert err == ""


def test_nonconvergence_warning_is_printed_once(capsys):
    code, out, err = run(["fit", "passed ~ hours", "students", "-f", "binomial", "--max-iter", "3"], capsys)
    assert code == 0
    assert "Coefficients:" in out
    msgs = python_warnings("passed ~ hours", gs.load_dataset("students"), gs.Binomial(), max_iter=3)
    assert any("did not converge in 3 iterations" in m for m in msgs)
    for m in msgs:
        assert out.count(m) == 1 and m not in err


def test_latex_has_no_warnings_block_so_they_go_to_stderr_once(capsys):
    code, out, err = run([*SEED, "--format", "latex"], capsys)
    assert code == 0
    msgs = python_warnings("passed ~ hours + score", gs.load_dataset("students"), gs.Binomial())
    assert err.splitlines() == [f"warning: {m}" for m in msgs]
    assert not any(m in out for m in msgs)


def test_a_data_warning_raised_before_the_fit_is_in_the_warnings_block_once(tmp_path, capsys):
    # a binomial response with non-integer successes: a data warning raised before the fit, not a note of it
    path = tmp_path / "d.csv"
    path.write_text("y,x,w\n0.5,1,3\n0.25,2,3\n0.75,3,2\n1,4,2\n0,5,3\n")
    code, out, err = run(["fit", "y ~ x", str(path), "-f", "binomial", "--weights", "w"], capsys)
    assert code == 0
    data = pd.read_csv(path).set_axis(pd.RangeIndex(1, 6), axis=0)  # the CLI labels rows 1..n, as R's read.csv
    msgs = python_warnings("y ~ x", data, gs.Binomial(), weights="w")
    assert any("non-integer number of successes" in m for m in msgs)
    for m in msgs:
        assert out.count(m) == 1, m
    assert err == ""


def test_firth_fit_prints_each_warning_once_in_the_warnings_words(capsys):
    code, out, err = run([*SEED, "--method", "firth"], capsys)
    assert code == 0
    msgs = python_warnings("passed ~ hours + score", gs.load_dataset("students"), gs.Binomial(), method="firth")
    assert msgs and all(out.count(m) == 1 for m in msgs) and err == ""
    assert out.count("score = 50 + 5 * hours") == 1


def test_a_warning_that_is_not_glmstats_goes_to_stderr_once(monkeypatch, capsys):
    import glmstat.cli as cli

    real = cli.glm

    def noisy(*args, **kwargs):
        warnings.warn("a library's own warning", RuntimeWarning)
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "glm", noisy)
    code, out, err = run(SEED, capsys)
    assert code == 0
    assert err == "warning: a library's own warning\n" and "library" not in out


# -- every reference case through the CLI equals the same fit in Python -------------------------------------
def cli_family_args(spec: dict) -> list[str]:
    name = spec["name"]
    if name == "tweedie":
        return ["--family", "tweedie", "--var-power", str(spec["var_power"]), "--link-power", str(spec["link_power"])]
    args = ["--family", {"negative.binomial.estimated": "negative.binomial"}.get(name, name.lower())]
    if spec.get("link"):
        args += ["--link", spec["link"]]
    if name == "negative.binomial":
        args += ["--theta", str(spec["theta"])]
    if name == "quasi":
        args += ["--variance", spec["variance"]]
    return args


@pytest.mark.parametrize("case_id", all_case_ids())
def test_reference_case_through_cli(case_id, capsys):
    ref = load_ref(case_id)
    csv = FIXTURES / "data" / f"{ref['data']}.csv"
    argv = ["fit", ref["formula"], str(csv), *cli_family_args(ref["family"])]
    kw = {}
    if ref.get("weights"):
        argv += ["--weights", ref["weights"]]
        kw["weights"] = ref["weights"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    data = load_data(ref["data"])
    data.index = pd.RangeIndex(1, len(data) + 1)  # the CLI labels a file's rows 1..n, as R's read.csv
    assert out.rstrip("\n") == quiet_summary(ref["formula"], data, family_of(ref["family"]), **kw)
    assert all(line.startswith("warning: ") for line in err.splitlines())


# -- options ---------------------------------------------------------------------------------------------
def test_offset_weights_and_control_options(tmp_path, capsys):
    ships = load_data("ships").assign(log_service=lambda d: np.log(d["service"].where(d["service"] > 0)))
    ships = ships[ships["service"] > 0]
    path = tmp_path / "ships.csv"
    ships.to_csv(path, index=False)
    argv = ["fit", "incidents ~ type + year", str(path), "-f", "poisson", "--offset", "log_service",
            "--tol", "1e-10", "--max-iter", "50"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert out.rstrip("\n") == quiet_summary("incidents ~ type + year", ships, gs.Poisson(), offset="log_service",
                                             tol=1e-10, max_iter=50)


def test_offset_expression_reads_its_columns(tmp_path, capsys):
    ships = load_data("ships")
    ships = ships[ships["service"] > 0]
    path = tmp_path / "ships.csv"
    ships.to_csv(path, index=False)
    code, out, err = run(["fit", "incidents ~ type", str(path), "-f", "poisson", "--offset", "log(service)"], capsys)
    assert code == 0, err
    assert out.rstrip("\n") == quiet_summary("incidents ~ type", ships, gs.Poisson(), offset="log(service)")


def test_subset_option_reads_only_the_columns_it_needs(tmp_path, capsys):
    # the condition's column is read from a CSV whose other unused columns are not (cli._columns_read)
    wb = load_data("warpbreaks")
    path = tmp_path / "wb.csv"
    wb.to_csv(path, index=False)
    argv = ["fit", "breaks ~ wool", str(path), "-f", "poisson", "--subset", 'tension != "M"']
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert "subset = tension != \"M\")" in out
    assert out.rstrip("\n") == quiet_summary("breaks ~ wool", wb, gs.Poisson(), subset='tension != "M"')


@pytest.mark.parametrize("argv, family", [
    (["-f", "negative.binomial", "--theta", "1.5"], gs.NegativeBinomial(theta=1.5)),
    (["-f", "quasi", "--variance", "mu", "--link", "log"], gs.Quasi(link="log", variance="mu")),
    (["-f", "tweedie", "--var-power", "1.5"], gs.Tweedie(var_power=1.5)),
])
def test_family_parameters(argv, family, capsys):
    quine = load_data("quine")
    code, out, err = run(["fit", "Days ~ Eth + Sex", str(FIXTURES / "data" / "quine.csv"), *argv], capsys)
    assert code == 0, err
    assert out.rstrip("\n") == quiet_summary("Days ~ Eth + Sex", quine, family)


@pytest.mark.parametrize("fmt, render", [("markdown", lambda s: s.to_markdown()), ("latex", lambda s: s.to_latex()),
                                         ("html", lambda s: s.to_html(full_document=True))])
def test_output_formats(fmt, render, capsys):
    code, out, _ = run([*SEED, "--format", fmt], capsys)
    assert code == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        expected = render(gs.glm("passed ~ hours + score", gs.load_dataset("students"), family=gs.Binomial())
                          .summary())
    assert out.rstrip("\n") == expected.rstrip("\n")
    if fmt == "html":
        assert out.startswith("<!DOCTYPE html>") and "<meta charset=\"utf-8\">" in out


# -- bad input: one line on stderr, no traceback, non-zero exit -----------------------------------------------
@pytest.mark.parametrize("argv, needle", [
    (["fit", "passed ~ nope", "students", "-f", "binomial"], "'nope'"),
    (["fit", "passed ~ hours +", "students", "-f", "binomial"], "cannot read the formula"),
    (["fit", "score ~ hours", "students", "-f", "binomial"], "must lie in"),
    (["fit", "passed ~ hours", "students", "-f", "binomal"], "unknown family 'binomal'"),
    (["fit", "passed ~ hours", "students", "-f", "binomial", "--link", "log2"], "link 'log2'"),
    (["fit", "passed ~ hours", "students", "-f", "binomial", "--weights", "w"], "weights='w'"),
    (["fit", "passed ~ hours", "students", "-f", "binomial", "--offset", "o"], "offset='o'"),
    (["fit", "passed ~ hours", "students", "-f", "poisson", "--theta", "2"], "--theta applies"),
    (["fit", "passed ~ hours", "students", "-f", "tweedie"], "--var-power"),
    (["fit", "passed ~ hours", "students", "-f", "tweedie", "--var-power", "0.5"], "var_power"),
    (["fit", "passed ~ hours", "no_such_file.csv", "-f", "binomial"], "no such file"),
    (["fit", "passed ~ hours", "no_such_dataset", "-f", "binomial"], "students"),
])
def test_bad_input_is_one_line(argv, needle, capsys):
    line = assert_one_line_error(*run(argv, capsys))
    assert line.startswith("glmstat: error: ")
    assert needle in line


@pytest.mark.parametrize("content, needle", [
    ('a,b\n1,2\n"3,4\n', "cannot read"),
    ("", "is empty"),
    ("a;b\n1;2\n3;4\n", "1 column"),
    (b"a,b\n\xff\xfe,1\n", "cannot read"),
])
def test_unreadable_csv(tmp_path, content, needle, capsys):
    path = tmp_path / "bad.csv"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    line = assert_one_line_error(*run(["fit", "a ~ b", str(path), "-f", "gaussian"], capsys))
    assert needle in line


def test_directory_is_not_data(tmp_path, capsys):
    line = assert_one_line_error(*run(["fit", "a ~ b", str(tmp_path), "-f", "gaussian"], capsys))
    assert "directory" in line


@pytest.mark.parametrize("argv, needle", [
    (["fit", "passed ~ hours", "students"], "--family"),
    (["fit", "passed ~ hours", "students", "-f", "binomial", "--max-iter", "0"], "--max-iter"),
    (["fit", "passed ~ hours", "students", "-f", "binomial", "--tol", "abc"], "--tol"),
    (["fit", "passed ~ hours", "students", "-f", "binomial", "--method", "newton"], "--method"),
    (["fit", "passed ~ hours", "students", "-f", "binomial", "--bogus"], "--bogus"),
    (["frobnicate"], "frobnicate"),
    ([], "COMMAND"),
])
def test_usage_errors_exit_2(argv, needle, capsys):
    line = assert_one_line_error(*run(argv, capsys), expected_code=2)
    assert needle in line


def test_a_command_line_of_many_arguments_is_refused_before_argparse_reads_it(capsys):
    # argparse's time grows with the square of the arguments (an option repeated 20,000 times: 6.6 s)
    line = assert_one_line_error(*run(SEED + ["--link", "logit"] * 20_000, capsys), expected_code=2)
    assert line == "glmstat: error: 40,005 arguments; a command line takes at most 1,000 (see 'glmstat --help')"


def test_a_usage_error_quotes_the_arguments_cut(capsys):
    # argparse quoted every argument it did not know (up to the cap: 990 arguments of 1,000 characters)
    line = assert_one_line_error(*run(SEED + ["z" * 1000] * 990, capsys), expected_code=2)
    assert line.startswith("glmstat: error: unrecognized arguments: zzz") and len(line) < 600


def test_help_exits_0(capsys):
    code, out, _ = run(["fit", "--help"], capsys)
    assert code == 0
    assert "--family" in out and "--var-power" in out


# -- data sources -----------------------------------------------------------------------------------------
def test_csv_file_equals_bundled_name(tmp_path, capsys):
    path = tmp_path / "s.csv"
    gs.load_dataset("students").to_csv(path, index=False)
    _, from_name, _ = run(SEED, capsys)
    code, from_file, _ = run(["fit", SEED[1], str(path), "--family", "binomial"], capsys)
    assert code == 0
    assert from_file == from_name


@pytest.mark.parametrize("suffix", [".parquet", ".pq"])
def test_parquet_round_trip(tmp_path, suffix, capsys):
    pytest.importorskip("pyarrow")
    quine = load_data("quine")
    path = tmp_path / f"quine{suffix}"
    quine.to_parquet(path, engine="pyarrow", index=False)
    code, out, err = run(["fit", "Days ~ Eth + Sex + Age", str(path), "-f", "poisson"], capsys)
    assert code == 0, err
    # the file is handed to glm() as its path (read a row group at a time, only the model's columns): the
    # summary of that streamed fit, whose coefficients and deviances are those of the rows in memory
    assert out.rstrip("\n") == quiet_summary("Days ~ Eth + Sex + Age", str(path), gs.Poisson())
    in_memory = quiet_summary("Days ~ Eth + Sex + Age", quine, gs.Poisson())
    assert out[out.index("Coefficients:"):].rstrip("\n") == in_memory[in_memory.index("Coefficients:"):]


def test_parquet_file_name_is_not_a_glob(tmp_path, capsys):
    """A file whose name holds glob characters is that file, not the files its name matches as a pattern."""
    pytest.importorskip("pyarrow")
    quine = load_data("quine")
    quine.to_parquet(tmp_path / "q[1].parquet", engine="pyarrow", index=False)
    quine.head(60).to_parquet(tmp_path / "q1.parquet", engine="pyarrow", index=False)  # what q[1] matches
    code, out, err = run(["fit", "Days ~ Eth", str(tmp_path / "q[1].parquet"), "-f", "poisson"], capsys)
    assert code == 0, err
    assert "on 145  degrees of freedom" in out  # every row of q[1].parquet, not the 60 of q1.parquet


def test_parquet_without_pyarrow(tmp_path, monkeypatch, capsys):
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1")  # never read: the missing engine is reported first
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` raise ImportError
    line = assert_one_line_error(*run(["fit", "y ~ x", str(path), "-f", "gaussian"], capsys))
    assert "pyarrow" in line and "glmstat[parquet]" in line


def test_corrupt_parquet(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    path = tmp_path / "d.parquet"
    path.write_bytes(b"not a parquet file")
    line = assert_one_line_error(*run(["fit", "y ~ x", str(path), "-f", "gaussian"], capsys))
    assert "cannot read" in line and "Parquet" in line


def test_datasets_lists_every_bundled_csv(capsys):
    code, out, err = run(["datasets"], capsys)
    assert code == 0 and err == ""
    header, *rows = out.splitlines()
    assert header.split() == ["name", "rows", "columns", "title"]
    listed = {r.split()[0]: r.split(None, 3) for r in rows}
    catalog = gs.list_datasets().set_index("name")
    assert set(listed) == set(catalog.index) and "students" in listed
    for name, (_, n_rows, n_cols, title) in listed.items():
        d = gs.load_dataset(name)
        assert (int(n_rows), int(n_cols)) == d.shape
        assert title == catalog.loc[name, "title"]
    assert listed["students"][1:3] == ["7", "3"]


# -- the installed entry point --------------------------------------------------------------------------------
def _python_m_glmstat(*args: str) -> subprocess.CompletedProcess:
    # run the same glmstat this test imported (a source tree or an installed wheel)
    root = str(Path(gs.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "glmstat", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_python_m_glmstat_seed_example():
    proc = _python_m_glmstat(*SEED)
    assert proc.returncode == 0, proc.stderr
    assert "score = 50 + 5 * hours" in proc.stdout and "complete separation" in proc.stdout
    # end to end: every warning of the fit printed exactly once, in the Python warning's words
    msgs = python_warnings("passed ~ hours + score", gs.load_dataset("students"), gs.Binomial())
    for m in msgs:
        assert (proc.stdout + proc.stderr).count(m) == 1, m
    assert proc.stderr == ""


def test_python_m_glmstat_bad_column_is_one_line():
    proc = _python_m_glmstat("fit", "passed ~ nope", "students", "--family", "binomial")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "'nope'" in proc.stderr


def test_internal_error_is_one_line_unless_traceback_asked(monkeypatch, capsys):
    import glmstat.cli as cli

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli, "glm", broken)
    line = assert_one_line_error(*run(SEED, capsys))
    assert "internal error: RuntimeError" in line and "--traceback" in line
    assert "boom" not in line  # an unexpected exception's message may hold data: shown only with --traceback
    with pytest.raises(RuntimeError, match="boom"):
        main(["--traceback", *SEED])


def test_a_wide_csv_file_is_read_for_the_model_s_columns(tmp_path, capsys):
    """Of a CSV file of more than 1,000 columns only the first 1,000 and the model's are read (a 4 MB file of
    300,000 empty columns took 7 s and 475 MB read whole); the summary is that of the model's columns alone."""
    from glmstat.cli import read_data

    rng = np.random.default_rng(4)
    d = pd.DataFrame({"y": rng.normal(size=20), **{f"c{j}": np.nan for j in range(3000)}, "x": rng.normal(size=20)})
    d["y"] += d["x"]
    path = tmp_path / "wide.csv"
    d.to_csv(path, index=False)
    data = read_data(str(path), frozenset({"y", "x"}))
    assert list(data.columns) == ["y"] + [f"c{j}" for j in range(999)] + ["x"]
    code, out, err = run(["fit", "y ~ x", str(path), "--family", "gaussian"], capsys)
    assert code == 0, err
    assert out.rstrip("\n").split("\n")[2:] == quiet_summary("y ~ x", d[["y", "x"]].set_axis(
        pd.RangeIndex(1, 21)), gs.Gaussian()).split("\n")[2:]  # (after the Call line, which names the file)
    code, out, err = run(["fit", "y ~ .", str(path), "--family", "gaussian"], capsys)  # ('.': every column)
    assert code == 1 and "max_terms" in err, err  # (3,001 columns read: 1,001 would have fitted)


def test_a_reader_that_closes_the_pipe_early_is_not_an_internal_error():
    # `glmstat datasets | head -8` printed "glmstat: internal error: BrokenPipeError (... please report it)"
    # whenever head had gone before the last line was written; the read end is closed here before glmstat
    # writes anything, so every write meets a closed pipe
    root = str(Path(gs.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-m", "glmstat", "datasets"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) != 0
    assert err == ""


def test_a_first_row_of_more_fields_than_the_header_and_a_name_is_refused_as_r_does(tmp_path, capsys):
    """R's read.csv takes one field more than the header as the rows' names and refuses more:
    ``read.csv(text = "y,x\\n1,2,3,4\\n")`` is the error "more columns than column names".  pandas made the extra
    fields a multi-level index of the rows (a first row of 100,000 fields: 25 s), so the first row's fields
    are counted from the header on, quoted commas and doubled quotes as fields' text."""
    body = "".join(f"{a},{b}\n" for a, b in [(1.2, 1), (0.7, 2), (2.9, 3), (2.1, 4)])
    (tmp_path / "extra.csv").write_text("y,x\n9,9,9," + body)
    code, out, err = run(["fit", "y ~ x", str(tmp_path / "extra.csv"), "--family", "gaussian"], capsys)
    assert_one_line_error(code, out, err)
    assert "more fields than the header's 2 names and one for the row's name" in err
    assert "more columns than column names" in err
    (tmp_path / "named.csv").write_text('y,x\n"r,1",1.2,1\n"r""2",0.7,2\nr3,2.9,3\nr4,2.1,4\n')
    code, out, err = run(["fit", "y ~ x", str(tmp_path / "named.csv"), "--family", "gaussian"], capsys)
    assert code == 0 and not err
    assert 'r,1    r"2' in out  # (the residuals labelled by the first field, R's row names)


# -- summary options -------------------------------------------------------------------------------------------
def test_summary_options_print_what_summary_prints(capsys, tmp_path):
    # --dispersion, --correlation, --digits and --no-stars are summary(dispersion=, correlation=, digits=,
    # stars=): the text the Python call prints
    path = tmp_path / "warpbreaks.csv"
    load_data("warpbreaks").to_csv(path, index=False)
    code, out, err = run(["fit", "breaks ~ wool + tension", str(path), "--family", "quasipoisson", "--dispersion",
                          "1", "--correlation", "--digits", "3", "--no-stars"], capsys)
    assert code == 0 and err == ""
    want = str(gs.glm("breaks ~ wool + tension", load_data("warpbreaks"), family=gs.QuasiPoisson())
               .summary(dispersion=1.0, correlation=True, digits=3, stars=False)).rstrip("\n")
    body = lambda text: text[text.index("Deviance Residuals"):].rstrip("\n")  # noqa: E731  (the Call differs)
    assert body(out) == body(want)
    assert "taken to be 1)" in out and "Correlation of Coefficients:" in out and "Signif. codes" not in out


def test_symbolic_cor_prints_what_summary_prints(capsys, tmp_path):
    # --symbolic-cor is summary(symbolic_cor=True): the symbols and symnum's legend
    path = tmp_path / "warpbreaks.csv"
    load_data("warpbreaks").to_csv(path, index=False)
    code, out, err = run(["fit", "breaks ~ wool + tension", str(path), "--family", "poisson", "--symbolic-cor"],
                         capsys)
    assert code == 0 and err == ""
    want = str(gs.glm("breaks ~ wool + tension", load_data("warpbreaks"), family=gs.Poisson())
               .summary(symbolic_cor=True)).rstrip("\n")
    body = lambda text: text[text.index("Deviance Residuals"):].rstrip("\n")  # noqa: E731  (the Call differs)
    assert body(out) == body(want)
    assert "[1] 0 ' ' 0.3 '.' 0.6 ',' 0.8 '+' 0.9 '*' 0.95 'B' 1" in out


@pytest.mark.parametrize("argv, message", [(["--digits", "23"], "from 1 to 22"), (["--digits", "0"], "positive"),
                                           (["--dispersion", "-1"], "positive")])
def test_summary_options_out_of_range_are_one_line_errors(argv, message, capsys):
    code, out, err = run(SEED + argv, capsys)
    line = assert_one_line_error(code, out, err, expected_code=2)
    assert message in line
