"""R's rule for coding factors in interaction terms, on top of formulaic.

formulaic (like patsy) keeps every design structurally full rank: for ``y ~ a:b`` it adds a ``b[T.q]``
column and codes ``a`` by contrasts.  R's ``model.matrix`` instead decides, factor by factor, between
contrasts and indicator columns, and lets the fit alias what is redundant.  The two span the same space (the
fitted values agree) but the coefficients differ, so a model with an interaction whose margins are missing
would not match R.  :class:`RCodingMaterializer` applies R's rule (``TermCode`` in R's ``model.c``):

* a factor ``F`` in a term ``T`` is coded by contrasts (``F[T.level]``) when ``T`` without ``F`` is empty
  or is contained in an earlier term of the formula (terms ordered by degree, as both R and formulaic
  order them); otherwise by one indicator column per level (``F[level]``);
* in a model without an intercept, the first factor of the first term that has one is coded by
  indicators (so ``y ~ a + b - 1`` has every level of ``a``).

For main effects this is exactly formulaic's coding; it differs only where margins are missing.
"""

from __future__ import annotations

import functools
import operator
from typing import Any, Iterable, Iterator

from formulaic.materializers import PandasMaterializer
from formulaic.materializers.types import ScopedFactor, ScopedTerm
from formulaic.parser.types import Factor, Term

try:  # formulaic's materializers check that overrides say so (interface_meta, a formulaic dependency)
    from interface_meta import override
except ImportError:  # pragma: no cover
    def override(f):
        return f

__all__ = ["RCodingMaterializer"]


class RCodingMaterializer(PandasMaterializer):
    """formulaic's pandas materializer with R's contrasts-or-indicators rule (see the module docstring)."""

    REGISTER_NAME = "glmstat_r"  # registered by name only: formulaic's own "pandas" stays the default

    @override
    def _get_scoped_terms(
        self, terms: Iterable[Term], ensure_full_rank: bool = True
    ) -> Iterator[tuple[Term, Iterable[ScopedTerm]]]:
        if not ensure_full_rank:
            yield from super()._get_scoped_terms(terms, ensure_full_rank=False)
            return
        evaluated = []
        for term in terms:
            factors = [
                self.factor_cache[f.expr]
                for f in term.factors
                if self.factor_cache[f.expr].values.__wrapped__ is not None
            ]
            evaluated.append((term, factors))
        intercept = any(
            factors and all(f.metadata.kind is Factor.Kind.CONSTANT for f in factors) for _, factors in evaluated
        )
        indicator_given = intercept  # without an intercept, one factor still gets every level
        earlier: list[frozenset] = []
        for term, factors in evaluated:
            if not factors:
                yield term, []
                continue
            variables = [f for f in factors if f.metadata.kind is not Factor.Kind.CONSTANT]
            names = frozenset(f.expr for f in variables)
            scale: Any = functools.reduce(
                operator.mul, [f.values for f in factors if f.metadata.kind is Factor.Kind.CONSTANT], 1
            )
            scoped = []
            for f in variables:
                if not f.metadata.spans_intercept:  # numeric: one column, nothing to choose
                    scoped.append(ScopedFactor(f))
                    continue
                rest = names - {f.expr}
                contrasts = not rest or any(rest <= t for t in earlier)
                if not indicator_given:
                    contrasts, indicator_given = False, True
                scoped.append(ScopedFactor(f, reduced=contrasts))
            earlier.append(names)
            yield term, [ScopedTerm(factors=scoped, scale=scale)]
