"""Limits that keep one short formula from asking for unbounded work.

Every limit is checked *before* the work it bounds: the formula's length before it is read, its nesting
depth while it is parsed, the number of terms before ``^``, ``*`` and ``/`` are expanded (counted, not
built), and the number of design columns and the design's memory before a column is allocated.  A refusal is
a :class:`~glmstat.errors.FormulaError` that names the limit and how to raise it:
``gs.glm(..., limits=gs.FormulaLimits(max_terms=5000))``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .._arguments import shown
from ..errors import FormulaError, GLMStatError

__all__ = ["FormulaLimits", "DEFAULT_LIMITS", "refuse", "refuse_dense", "check_variables", "factor_bytes",
           "too_deep"]

#: Bytes a factor's level holds at least: its place in the tuple of levels and, for a level of numbers, the
#: Python float itself (the texts of a column of strings are the data's own)
LEVEL_BYTES = 32


@dataclass(frozen=True)
class FormulaLimits:
    """Bounds on what a formula may ask for; every field can be raised by passing a new instance.

    Parameters
    ----------
    max_length : int
        Characters in the formula text.
    max_depth : int
        Nesting of parentheses, calls and operators.  The right-hand side's chain of terms joined by ``+`` and
        ``-`` does not nest (``y ~ x1 + ... + x500``); every other chain does, the left-hand side's included
        (``y + 0 + ... + 0 ~ x`` with 200 operators is refused: a response is one expression).
    max_terms : int
        Model terms after expanding ``*``, ``^``, ``/`` and ``%in%`` (R's ``(a+b+c)^2`` has 6).
    max_columns : int
        Columns of the design matrix (the cross-product X'WX has ``max_columns**2`` entries).
    max_basis : int
        Columns of one basis term: the degree of ``poly()``, the ``df`` of ``bs()``.
    max_design_bytes : int
        Memory a fit needs for its design, estimated before any column is allocated: the dense part of the
        design, rows x dense columns x 8 bytes (factor main effects are stored as codes and do not count),
        plus the fit's working matrices: ``glmstat.formula.encode.WORK_MATRICES`` (12) p x p matrices of
        8-byte numbers for p design columns (the cross-products, their factors and inverses, the QR
        reducer's stack; p counts every cell of a term of contrasts stored as codes, the columns of its store).  The
        model's variables count against it as each is evaluated, before the next: a numeric column 8 bytes a
        row, a factor its codes and levels (:func:`factor_bytes`); and before a variable is evaluated, the columns
        of rows its calls hold at once, each call's values while the calls inside it are evaluated
        (:func:`glmstat.formula.evaluation_prices.held_columns`: 190 nested ``ifelse()`` held 1.5 GB on a million rows),
        and beside them the texts the formula's text functions write, each call's priced before it writes them
        (:func:`glmstat.formula.text_memory.hold_texts`: 200 bytes a distinct text and its characters).
        For data read from Parquet files, also the bytes that one read of the model's columns (a row group, or a
        batch of one) expands to by the file's metadata, which a row group beyond it is refused for before it is
        read: compressed pages can hold far more than memory does.
    max_pass_work : int
        Multiply-adds of one iteration: rows x dense design columns squared, the cost of forming X'WX
        (factors stored as codes do not count), plus the number of columns of sum, Helmert or polynomial
        contrasts stored as codes cubed, the cost of solving their dense block of X'WX.  A design with more
        dense columns than rows counts dense columns cubed instead, the cost of factoring (or multiplying) its
        p x p matrices, which then exceeds that of forming X'WX: ``poly(x, 70):poly(z, 70)`` on 100 rows
        (4,901 columns, 1.2e11) is refused.  Every iteration pays
        it: the bound on a fit's time as ``max_design_bytes`` is on its memory.  The default, 1e11, is some
        seconds on one core (a minute for a fit): 1e6 rows with 300 dense columns pass, a sum-coded
        5,000-level factor (1.25e11 to solve) does not.  For data read in chunks, the rows of a chunk.
    max_listed : int
        Directory entries (files, directories and links alike) that a directory or a glob given as data may
        list, counted as they are listed: ``"/**/*.parquet"`` would walk every directory of the file system,
        and a directory given as data is looked through for Parquet files in its subdirectories.
    max_footer_bytes : int
        Bytes of a Parquet file's footer (its metadata: the schema, the row groups and their column chunks, and
        key-value metadata of any size), read from the file's last 8 bytes before pyarrow parses it: pyarrow holds a
        footer parsed in some 5 (key-value metadata) to 20 (many row groups of small column chunks) times its bytes,
        and a footer of 155 MB aborted it in a process of tight memory.  The footers of a directory's or a glob's
        files count together (each is kept while the data is read).  The default, 16 MiB, is some 300 MB parsed: a
        file of 2,000 columns in 100 row groups has a footer of 12 MB, one of 20 columns in one row group 4 KB.
    max_files : int
        Parquet files a directory or a glob given as data (or new data) names, counted once they are listed,
        before any is opened: each costs a fit its opening, its footer and schema, and a check and a read at every
        pass however few its rows, some 1.3 ms of CPU time (20,000 copies of a 763-byte file of two rows, their
        footers within ``max_footer_bytes``, took 26 s to fit ``y ~ x``).  The default, 5,000, takes 640 GB in
        files of 128 MB; data of tiny files is better merged first.
    max_row_groups : int
        Row groups a Parquet data's footers declare, the files of a directory or a glob together, counted once a
        footer is parsed, before its schema is built or any row group read: every pass over the data reads each
        row group (some 10 us of CPU time however few its rows) and pyarrow holds some 1.7 KB of each parsed.  The
        footer's bound does not hold them: a footer written compactly (every required field once, no
        statistics) takes 55 bytes a row group of two columns, and one of 16.5 MB declared 300,000 row groups of
        one row (505 MB parsed, 7.5 s of CPU time to fit ``y ~ x``).  The default, 100,000, takes a billion rows
        in row groups of 10,000.
    max_column_chunks : int
        Column chunks a Parquet data's footers declare (each file's row groups times its columns, the files
        together), counted as ``max_row_groups`` is: pyarrow holds some 840 bytes of each parsed, and a file's
        columns cost each pass some microseconds each whether the model reads them or not (one row group of
        300,000 columns, a footer of 14.7 MB, took 8.3 s and 1.47 GB to fit ``y ~ x`` of two of them).  The
        default, 250,000, is what a footer of ``max_footer_bytes`` holds as pyarrow writes them (some 66 bytes a
        column chunk with its statistics): 2,500 row groups of 100 columns.
    max_partitions : int
        Partitions of a dask DataFrame given as data: every pass of a fit is a task a partition, some
        milliseconds each to schedule whatever its rows, and the first passes build a graph of them (900
        partitions of one row each took 15 s to fit, 2,700 a minute).  Counted from the DataFrame's metadata,
        before any partition is computed.  The default, 10,000, takes data of a billion rows in partitions of
        100,000 (minutes of that overhead, against the hours beyond it); data of tiny partitions is better merged
        first (``ddf.repartition(partition_size="100MB")``).
    max_eval_work : int
        Work of evaluating the formula's variables (the response, ``weights=``, ``offset=`` and ``subset=`` among
        them): rows x passes over them, counted from the formula's text before each variable is evaluated
        (:func:`glmstat.formula.evaluation_prices.evaluation_passes`: an operator or a call is a pass over the rows per
        argument that is not a literal, a slow function several, as :data:`glmstat.formula.functions.PASSES`
        prices them, a basis transform as many for each column it makes).  Each node's result is one column,
        but a formula of 20,000 characters holds thousands of nodes: ``pmax()`` of 60 sums of 150 ``x`` (9,000
        additions) on a million rows took 4 s, of 50 ``choose(x, 3)`` 24 s.
        The default, 5e9, is some seconds on one core: a thousand nodes on 5 million rows.  For data read in
        chunks, the rows of a chunk.
    max_date_steps : int
        Steps of Python that the formula's date functions take together (``as.Date()`` reading texts,
        ``format()``, ``months()``, ``weekdays()`` and ``quarters()`` writing them), counted before each call
        reads or writes any (:func:`glmstat.formula.date_steps.count_steps`): a character of a distinct text
        or of its format a step, a month's or weekday's name read 24.  Each call's distinct texts are bounded, but
        not its format's length: a format of 2,000 spaces (which match any white space, so that every text walks
        the whole format) read 100,000 distinct dates in 17 s.  The default, 6e6, is a second or two: as.Date()
        of 100,000 distinct ``"2024-01-31"`` takes 3.6e6 (each read with R's two formats).  For data read in
        chunks, the distinct texts of a chunk.
    max_text_chars : int
        Characters of distinct texts that the formula's text functions (``toupper()``, ``substr()``, ``paste()``,
        ``as.Date()``, ...) read together, counted before each call reads them: each call is bounded in its
        distinct texts (20 times ``max_columns``), not their length, and 20 ``toupper()`` of 10,000 texts of
        10,000 characters took 3.5 s where a formula has room for a thousand calls.  The default, 5e8, is a
        second or two (some nanoseconds a character).
    max_regex_chars : int
        Characters of distinct texts that the formula's ``grepl()``, ``sub()`` and ``gsub()`` search together,
        counted before each call searches any: glmstat's own automaton reads a character in 300 ns (600 on a busy
        machine), and five ``grepl()`` of 10 million characters took 31 s.  The matches of ``sub()`` and ``gsub()``
        count among them (:meth:`glmstat.formula.regex.RegexBudget.matched`: the characters read for each match's
        extent, and a match's own steps, each about a character searched's work): ``gsub("(((((.)))))", "\\5", g)``
        of 900,000 characters took 8 s.  The default, 4e6, is a second or two.
    max_regex_written : int
        Characters that the formula's ``sub()`` and ``gsub()`` write together for their matches, counted as each
        match is replaced: a replacement of 10,000 characters for each of a million matches is 10 GB (a
        MemoryError after 6 s).  The default, 2e7, is some tens of MB.
    (The regular expressions' other bounds -- automaton states of a pattern, 5,000, and of the formula's, 100,000;
    states visited outside the caches, 2 million; characters read for the longest matches, 5 million; steps
    finding back-references' groups, a million -- are on the patterns' complexity more than on the data's size,
    and stay the engine's constants: :mod:`glmstat.formula.regex`, whose refusals say to write a simpler pattern.)
    """

    max_length: int = 20_000
    max_depth: int = 200
    max_terms: int = 2_000
    max_columns: int = 5_000
    max_basis: int = 100
    max_design_bytes: int = 4 * 2**30
    max_pass_work: int = 10**11
    max_listed: int = 100_000
    max_footer_bytes: int = 16 * 2**20
    max_files: int = 5_000
    max_row_groups: int = 100_000
    max_column_chunks: int = 250_000
    max_partitions: int = 10_000
    max_eval_work: int = 5 * 10**9
    max_date_steps: int = 6_000_000
    max_text_chars: int = 500_000_000
    max_regex_chars: int = 4_000_000
    max_regex_written: int = 20_000_000

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if type(v) is not int or v < 1:  # (a subclass's own >= ran here, and a bool is no count)
                raise FormulaError(f"FormulaLimits.{f.name} must be a positive integer, got {shown(v)}")


DEFAULT_LIMITS = FormulaLimits()


def refuse(limit: str, what: str, value: int, limits: FormulaLimits) -> FormulaError:
    """The error for ``what`` (a clause that says what is too large, of size ``value``) exceeding
    ``limits.<limit>``: "the design has more columns than allowed: 200,000, where the limit max_columns is
    5,000; ..."."""
    bound = getattr(limits, limit)
    # (a count of 4,300 digits or more -- the columns of poly() of 6,500 variables to degree 2^31 - 1 -- has no
    # text: Python's ValueError came out instead of the message; shown writes its magnitude past 1e30)
    count = f"{value:,}" if abs(value) < 10**30 else shown(value)
    return FormulaError(
        f"{what}: {count}, where the limit {limit} is {bound:,}; if this is intended, raise it with "
        f"glm(..., limits=glmstat.FormulaLimits({limit}=...))"
    )


def refuse_dense(what: str, size: int, limit: float, remedy: str, held: str = "") -> None:
    """Refuse, before it is allocated, a dense result (``what``: "the dfbeta table of 300,000 rows and 3,001
    columns") of ``size`` bytes when that is more than ``limit``, the formula limits' ``max_design_bytes``: a
    wide factor is fitted as its codes, in megabytes, where a table of its rows by its coefficients takes
    gigabytes (a raw MemoryError, or the machine's memory).  ``held`` says how it would be held (" dense",
    " in memory"); ``remedy`` what to do instead."""
    if size > limit:
        raise GLMStatError(f"{what} would take {size / 2**20:,.0f} MB{held}, more than the max_design_bytes of "
                           f"{limit / 2**20:,.0f} MB; {remedy}")


def factor_bytes(n_rows: int, n_levels: int) -> int:
    """The memory a factor of ``n_levels`` levels on ``n_rows`` rows holds: its codes (8 bytes a row) and its
    levels (:data:`LEVEL_BYTES` each)."""
    return n_rows * 8 + n_levels * LEVEL_BYTES


def check_variables(n_rows: int, held: int, dense: int, limits: FormulaLimits, factors: int = 0) -> None:
    """The limits on what the variables evaluated so far already need, checked as each one is evaluated,
    before the next: ``held`` numeric columns of values in memory (rows x 8 bytes each) and ``factors`` bytes
    of factors (:func:`factor_bytes`), part of the design's memory (``max_design_bytes``), ``dense`` of them
    (with the intercept) columns of the design for certain, as terms of their own (rows x dense^2 of work per
    iteration, dense^3 past the rows: ``max_pass_work``).  The design's own check comes after every variable
    is evaluated: a formula of 1,900 terms ``I(z^k)`` on 200,000 rows held 3 GB of values (or failed with a
    MemoryError) before it was refused, and one of 100 terms ``factor(x + k)`` on a million rows of distinct
    values 5 GB of codes and levels."""
    size = held * n_rows * 8 + factors
    if size > limits.max_design_bytes:
        what = "numeric variables" if not factors else "variables (numeric columns, factors' codes and levels)"
        raise refuse("max_design_bytes", f"the formula's {what} need more memory than allowed (bytes)", size,
                     limits)
    work = n_rows * dense * dense if dense <= n_rows else dense ** 3
    if work > limits.max_pass_work:
        raise refuse("max_pass_work", f"the formula's {dense:,} numeric columns of their own on {n_rows:,} rows "
                                      "need more work per iteration than allowed (rows x dense columns^2)",
                     work, limits)


def too_deep(what: str) -> FormulaError:
    """The error for ``what`` (a formula, a hypothesis) nesting deeper than Python's recursion allows: possible
    only with ``max_depth`` raised above its default, which every walker of the tree stays within."""
    import sys

    return FormulaError(
        f"{what} nests more deeply than Python's recursion limit ({sys.getrecursionlimit():,} frames) allows; "
        f"lower FormulaLimits.max_depth (the default, {DEFAULT_LIMITS.max_depth}, is within it)")
