"""The price of evaluating a formula's text, read from the text before any of it is evaluated: the passes over the
rows it takes (:func:`evaluation_passes`, bounded by ``FormulaLimits.max_eval_work``), the columns of rows its values
hold at once (:func:`held_columns`, bounded by ``max_design_bytes``), the memory each distinct value holds while a
call codes rows by them (:data:`DISTINCT_BYTES`), and the refusal of a basis of several columns where one column is
taken (:func:`refuse_basis_arguments`).  Each price was measured (passes: CPU time a row; columns: tracemalloc on a
million rows), as the comments beside the tables say; the evaluator (:mod:`glmstat.formula.evaluate`) charges them."""

from __future__ import annotations

import math
from typing import Iterator

from ..errors import FormulaError
from .basis_functions import polym_columns
from .deparse import deparse
from .functions import BUILTINS, PASSES
from .limits import DEFAULT_LIMITS
from .nodes import BinOp, Call, Const, Dot, Name, Node, Num, Paren, Str, Unary

__all__ = ["evaluation_passes", "held_columns", "refuse_basis_arguments", "DISTINCT_BYTES"]


_LEAVES = (Num, Str, Const)


def _unwrapped(node: Node) -> Node:
    """``node`` without the signs and parentheses around it."""
    while isinstance(node, (Unary, Paren)):
        node = node.operand if isinstance(node, Unary) else node.body
    return node


def _signs(node: Node) -> int:
    """The signs and negations around ``node``, parentheses aside (``-x``: 1, ``-(!x)``: 2): each makes a column of
    its operand's (numpy's negative, R's ``!``), where the column itself is the data's own."""
    count = 0
    while isinstance(node, (Unary, Paren)):
        count += isinstance(node, Unary)
        node = node.operand if isinstance(node, Unary) else node.body
    return count


def _literal(node: Node) -> bool:
    """Whether ``node`` is a literal (``2``, ``"a"``, ``TRUE``, ``-1``, ``(3)``) or glmstat's operator or function of
    literals (``1:5``, ``c(0, 1)``, ``seq(0, 1, 0.1)``, ``log(2)``), which no pass over the rows makes."""
    node = _unwrapped(node)
    if isinstance(node, _LEAVES):
        return True
    if isinstance(node, BinOp):
        return isinstance(_unwrapped(node.left), _LEAVES) and isinstance(_unwrapped(node.right), _LEAVES)
    if isinstance(node, Call) and node.func in BUILTINS:
        return all(isinstance(_unwrapped(a), _LEAVES) for a in node.args) and all(
            isinstance(_unwrapped(v), _LEAVES) for _, v in node.kwargs)
    return False


#: the basis transforms, by the argument (name and position) that says how many columns they make
_BASIS_COLUMNS = {"poly": ("degree", 1), "bs": ("df", 1), "ns": ("df", 1)}


def _basis_columns(call: Call, most: int) -> int:
    """The columns a basis transform ``call`` (``poly(x, 100)``, ``bs(x, df = 30)``) makes, as its text says (one
    when it does not say it as a number), at most ``most`` (``max_basis``, which refuses more when it is made)."""
    func = call.func.rpartition(":")[2]
    name, position = _BASIS_COLUMNS[func]
    several = func == "poly" and len(call.args) > 1 and not _literal(call.args[1])
    if several:  # poly(x, z, degree = d), R's polym: C(d + m, m) - 1 columns of m variables
        position = len(call.args)
    given = dict(call.kwargs).get(name, call.args[position] if len(call.args) > position else None)
    given = _unwrapped(given) if given is not None else None
    degree = int(min(given.value, most)) if isinstance(given, Num) and math.isfinite(given.value) and given.value >= 1 \
        else 1
    return min(polym_columns(len(call.args), degree), most) if several else degree


def _operations(node: Node) -> Iterator[tuple[Node, tuple]]:
    """Every call and operator under ``node`` (itself too) with its arguments' nodes: one walk of the tree with a
    stack, a step a node (no recursion: a formula may nest deeper than Python's stack)."""
    stack = [node]
    while stack:
        nd = stack.pop()
        if isinstance(nd, Call):
            args = nd.args + tuple(v for _, v in nd.kwargs) if nd.kwargs else nd.args
        elif isinstance(nd, BinOp):
            args = (nd.left, nd.right)
        elif isinstance(nd, Unary):
            args = (nd.operand,)
        else:
            if isinstance(nd, Paren):
                stack.append(nd.body)
            continue
        stack += args
        yield nd, args


def evaluation_passes(node: Node, most_columns: int = DEFAULT_LIMITS.max_basis) -> int:
    """The passes over the rows that evaluating ``node`` takes, read from its text before any is made: an operator
    costs its :data:`~glmstat.formula.functions.PASSES` (one, unless priced), a call that for each argument that is
    not a literal (``pmax()`` of 3,000 columns makes 3,000 passes), at least one for a call of a ``context=``
    function; an operator or call of literals only (``log(2)``, ``-1``, ``c(0, 1)``) none; a basis transform that
    for each column it makes (``poly(x, 100)`` on a million rows: 6 s), at most ``most_columns``.  A name costs
    nothing: a column is read once."""
    total = 0
    for nd, args in _operations(node):
        read = sum(not _literal(a) for a in _row_arguments(nd, args))
        if not isinstance(nd, Call):
            total += PASSES.get(nd.op, 1) if read else 0
        elif nd.func == "cbind":  # (rowSums()' columns, added in long double; the response's two)
            total += PASSES["cbind"] * read
        elif nd.func not in BUILTINS and nd.func.rpartition(":")[2] not in BUILTINS:
            total += max(read, 1)  # (a context= function: its result may be one value a row whatever it gets)
        elif read:
            func = nd.func.rpartition(":")[2]
            columns = max(_basis_columns(nd, most_columns), _BASIS_LEAST) if func in _BASIS_COLUMNS else 1
            passes = _TEXT_IFELSE_PASSES if func == "ifelse" and _text_ifelse(nd) else PASSES.get(func, 1)
            total += passes * read * columns
    return total


#: the arguments, by name and position, of calls that take a contrast, a summary or a flag where other calls take a
#: column (``C(g, sum)``, ``ave(z, g, FUN = max)``, ``reorder(g, z, max)``): a name there is no column, and no pass
#: over the rows (C(x, sum) was priced for two)
_NOT_ROWS = {"C": (frozenset({"contr", "how.many", "levels", "base"}), 1),
             "ave": (frozenset({"FUN"}), None), "reorder": (frozenset({"FUN", "order", "decreasing"}), 2)}


def _row_arguments(node: Node, args: tuple) -> tuple:
    """The arguments ``args`` of ``node`` that may pass over the rows: all of them, but for the calls of
    :data:`_NOT_ROWS` those before its position and not named as its arguments that are no column."""
    func = node.func.rpartition(":")[2] if isinstance(node, Call) else None
    if func not in _NOT_ROWS:
        return args
    names, first = _NOT_ROWS[func]
    positional = node.args if first is None else node.args[:first]
    return positional + tuple(v for k, v in node.kwargs if k not in names)


#: the columns a basis transform is priced for at least: bs(x) and ns(x) took 120 ns a row of CPU time, priced 64,
#: where the knots, the sorted values and the basis's own passes cost about as much as a column more
_BASIS_LEAST = 2
#: the columns of rows an ifelse() of text holds beyond :data:`_OWN_COLUMNS`: its yes and no texts a row, the texts
#: chosen, pandas' hash table of them and their codes, as measured with tracemalloc on a million rows: 15 columns for
#: one ifelse() of two strings, 29 for one nested in another, where each was priced 4 (3.8 and 5.8 times)
_TEXT_IFELSE_COLUMNS = 16
#: the passes of an ifelse() of text (a string, or another such ifelse(), as its yes or no value): R's character
#: vector, a Python reference a row chosen and its distinct texts hashed into a factor (60 ns a row of CPU time, one
#: nested in another 310 for the two, where each was priced 8)
_TEXT_IFELSE_PASSES = 64


def _text_ifelse(call: Call) -> bool:
    """Whether the ifelse() ``call`` gives text: a string, or an ifelse() that does, as its yes or no value (a walk
    down the nested calls with a stack, no recursion)."""
    stack = [call]
    while stack:
        nd = stack.pop()
        for value in (nd.args[1:3] + tuple(v for k, v in nd.kwargs if k in ("yes", "no"))):
            value = _unwrapped(value)
            if isinstance(value, Str):
                return True
            if isinstance(value, Call) and value.func.rpartition(":")[2] == "ifelse":
                stack.append(value)
    return False


#: functions that fold each argument into one column as it is evaluated (pmax(), paste()'s codes of the combinations;
#: sprintf() makes each argument's value its codes before the next, which :func:`_own_columns` counts)
_FOLDING = frozenset({"pmin", "pmax", "paste", "paste0", "sprintf"})
#: columns of rows a call or an operator holds besides its arguments' values as it computes its own: its result and
#: a numpy step's scratch (ifelse's np.where, then the float copy of it, beside the test's missing mask)
_OWN_COLUMNS = 3
#: the columns of rows the calls that code their rows by the sorted distinct values of a column hold beyond
#: :data:`_OWN_COLUMNS` (:func:`~glmstat.formula.value_codes.sorted_codes`: the present values, their hash table's
#: codes, those codes in sorted order, the rows' codes), as measured with tracemalloc on a million rows of 100
#: distinct numbers: factor(x) and as.character(x) held 6.5 columns, paste(x) and sprintf("%f", x) 8.2,
#: interaction(x, h) 7.6, ave(z, x) 9.5, substring(g, 2, k) 12.2, the text functions, relevel() and addNA() of
#: numbers 6.5 (toupper(x), nchar(x), relevel(x, "1.5"), reorder(x, z)), x %in% c("1.5") 5.2 (pandas.factorize's own
#: peak) -- as np.unique's argsort held within 0.1, where each was priced 3 (reorder() and %in% not among them: 2.2
#: and 1.3 times their price); sprintf() holds the codes of each argument besides (:func:`_own_columns`).  What the
#: distinct values hold beside, their hash table and levels, is counted once they are found (:data:`DISTINCT_BYTES`)
_SORTING_COLUMNS = {**dict.fromkeys(("factor", "as.factor", "ordered", "as.ordered", "as.character", "interaction",
                                     "toupper", "tolower", "casefold", "trimws", "substr", "strtoi", "nchar", "grepl",
                                     "sub", "gsub", "relevel", "C", "reorder"), 3), "addNA": 5,
                    **dict.fromkeys(("paste", "paste0", "sprintf"), 4), "ave": 5, "substring": 6,
                    "%in%": 2, "is.element": 2}
#: the memory each distinct value of a column holds while a call codes its rows by them, beside the columns of rows
#: (:data:`_SORTING_COLUMNS`): the hash table's entry (pandas.factorize of a million distinct numbers peaked 17 MB
#: above that of 100), a level's Python float and its place in the tuple of levels (32 bytes); measured with
#: tracemalloc on a million rows of a million distinct numbers beyond the same call of 100: factor(x) and C(x) 17
#: MB, relevel(x, "1.5") 30, addNA(x) 31 (where x %in% c("1.5"), priced 4 columns, held 90 MB before it kept the
#: sorted values as they are: DoubleLevels.of_sorted)
DISTINCT_BYTES = 32
#: the columns of rows the functions of numbers whose steps are masks and copies of their rows hold beyond
#: :data:`_OWN_COLUMNS`, as measured with tracemalloc on a million rows: round(x, 2) 9.5 columns, lbeta(x, 2) 9.1,
#: beta(x, 2) 6.1, pnorm(x) 5.1 and dnorm(x) 5.0, where each was priced 3; a basis transform holds, beside its
#: columns, as many again and 6 more (the knots' and its steps': ns(x, df = 10) 27.6 columns, poly(x) 7, bs(x) 9.5,
#: priced 12, 3 and 3); the date functions' days, keys and codes: months(), weekdays(), quarters(), format() and
#: cut() of dates 7.3 columns with the dates, priced 4
_SCRATCH_COLUMNS = {"round": 7, "lbeta": 7, "beta": 4, "pnorm": 3, "dnorm": 2,
                    **dict.fromkeys(("months", "weekdays", "quarters", "format", "cut"), 3),
                    **_SORTING_COLUMNS}  # (one table for _own_columns: no function is in both)
_BASIS_SCRATCH = 6


def held_columns(node: Node, most_columns: int) -> int:
    """Columns of rows (the value of one expression on every row: a numeric column's 8 bytes a row) that values
    evaluated inside ``node`` hold at once at most, read from its text before any is made: a call or an operator
    holds the value of each argument evaluated while it evaluates the next (``ifelse(x > 1, 1, ifelse(x > 2, ...))``
    holds one test at each nesting: 190 of them on a million rows were 1.5 GB), then its own
    (:data:`_OWN_COLUMNS`, and :func:`_own_columns`); a column read or a literal holds none of its own, a basis
    transform the columns its text says (:func:`_basis_columns`), a sign or ``!`` of a column the column it makes
    (:func:`_signs`); pmax(), paste() and sprintf() fold each argument in as it comes (:data:`_FOLDING`).  One walk of
    the tree with a stack, no recursion."""
    peak: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        nd, done = stack.pop()
        body = _unwrapped(nd)
        if isinstance(body, Call):
            args = body.args + tuple(v for _, v in body.kwargs)
        elif isinstance(body, BinOp):
            args = (body.left, body.right)
        elif isinstance(body, Unary):
            args = (body.operand,)
        else:  # (a column read holds none of its own; a sign or ! of it makes one, and ! a step's scratch beside it)
            peak[id(nd)] = 2 if _signs(nd) and isinstance(body, (Name, Dot)) else 0
            continue
        if not done:
            stack.append((nd, True))
            stack.extend((a, False) for a in args)
            continue
        held = most = 0
        folds = isinstance(body, Call) and body.func.rpartition(":")[2] in _FOLDING
        for a in args:
            most = max(most, held + peak[id(a)])
            inner = _unwrapped(a)
            # (sprintf() of 40 times -x held 40 columns where its text was priced 3: -x is no column read)
            if not (_literal(a) or isinstance(inner, (Name, Dot)) and not _signs(a)):
                func = inner.func.rpartition(":")[2] if isinstance(inner, Call) else None
                held += _basis_columns(inner, most_columns) if func in _BASIS_COLUMNS else 1
                held = min(held, 1) if folds else held
        peak[id(nd)] = max(most, held + _own_columns(body, most_columns) + _OWN_COLUMNS - 1)
    return peak[id(node)]


def _own_columns(body: Node, most_columns: int) -> int:
    """The columns of rows a call or an operator ``body`` makes as it computes its value (:func:`held_columns`):
    one, a basis transform's its columns twice and its steps' (:func:`_basis_columns`, :data:`_BASIS_SCRATCH`), a call
    that codes its rows by sorting their values those it sorts with (:data:`_SORTING_COLUMNS`), sprintf() besides the
    codes of each argument, an ifelse() of text its texts' (:data:`_TEXT_IFELSE_COLUMNS`), a function of numbers its
    steps' (:data:`_SCRATCH_COLUMNS`, which holds the former too)."""
    func = body.func.rpartition(":")[2] if isinstance(body, Call) else body.op if isinstance(body, BinOp) else None
    if func in _BASIS_COLUMNS:
        return 2 * _basis_columns(body, most_columns) + _BASIS_SCRATCH
    if func == "sprintf":
        return 1 + _SORTING_COLUMNS[func] + sum(not _literal(a) for a in body.args)
    if func == "ifelse" and _text_ifelse(body):
        return 1 + _TEXT_IFELSE_COLUMNS
    return 1 + _SCRATCH_COLUMNS.get(func, 0)


#: glmstat's functions that take a basis of several columns as it is (``I(poly(x, 2))``); every other function, and
#: every operator, takes one column
_TAKES_COLUMNS = frozenset({"I", "as.vector", "unclass", "length"})


def refuse_basis_arguments(node: Node, most_columns: int = DEFAULT_LIMITS.max_basis) -> None:
    """Refuse, before anything is evaluated, a basis transform that its text says makes several columns
    (``poly(x, 100)``, :func:`_basis_columns`) as the argument of a function or an operator that takes one column
    (``pmax(poly(x, 100), 1)``, ``poly(x, 3) + 1``): each was refused only once the basis was computed, work the
    limits allow (``poly(x, 70)`` of a million rows: 4 s) for a term that cannot be.  A basis whose columns the
    text does not say is refused where its value is read."""
    for nd, args in _operations(node):
        func = nd.func.rpartition(":")[2] if isinstance(nd, Call) else None
        if func is None or func in BUILTINS and func not in _TAKES_COLUMNS:
            _refuse_basis(nd, args, most_columns)


def _refuse_basis(parent: Node, args: tuple, most_columns: int) -> None:
    for a in args:
        a = _unwrapped(a)
        if isinstance(a, Call) and a.func.rpartition(":")[2] in _BASIS_COLUMNS:
            k = _basis_columns(a, most_columns)
            if k > 1:
                raise FormulaError(f"{deparse(parent)}: the argument {deparse(a)} has several columns ({k}); use it as "
                                   "a term on its own")
