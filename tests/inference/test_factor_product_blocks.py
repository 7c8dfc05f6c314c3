"""Products x_i'F of a wide design with a covariance factor F (prediction standard errors ||x_i'F||, leverages,
the sandwich's meat in F's coordinates) are formed a block of rows at a time, the blocks sized by the design
layer's budget of ``PRODUCT_CELLS`` cells (``rows_within``), not a fixed 4,096 rows: at 2,000 levels those were
65 MB a block, and the structured design's matmat copied F twice per block besides.  Checked against the dense
products (a closed form: numpy on the dense design) and by the memory the product takes (tracemalloc)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from glmstat.design import base
from glmstat.design.structured import Factor, StructuredDesign
from glmstat.inference.covariance_factor import factor_gram, factor_rows_norm2

N, LEVELS = 20_000, 1_500


def _wide(n=N, levels=LEVELS):
    """An intercept, two numeric columns, a factor of ``levels`` levels (the first the reference) and a g:x
    interaction's values on 3 levels: p = 3 + (levels - 1) + 3 columns, n rows."""
    rng = np.random.default_rng(7)
    codes = rng.integers(0, levels, n)
    inter = rng.integers(0, 3, n)
    dense = np.asfortranarray(rng.normal(size=(n, 2)))
    p = 3 + levels - 1 + 3
    factors = (Factor(codes, np.r_[-1, np.arange(3, 3 + levels - 1)]),
               Factor(inter, np.arange(p - 3, p), values=dense[:, 0].copy()))
    X = StructuredDesign(p, 0, dense, [1, 2], factors)
    return X, rng.normal(size=(p, p)) / np.sqrt(p)


def _peak(f) -> tuple[float, object]:
    tracemalloc.start()
    try:
        out = f()
        return tracemalloc.get_traced_memory()[1], out
    finally:
        tracemalloc.stop()


def test_factor_row_norms_are_the_dense_products_in_blocks_of_the_budget():
    X, F = _wide()
    dense = X.rows(0, 2_000).toarray()
    want = np.einsum("ij,ij->i", dense @ F, dense @ F)
    peak, got = _peak(lambda: factor_rows_norm2(X, F))
    np.testing.assert_allclose(got[:2_000], want, rtol=1e-12)
    # blocks of PRODUCT_CELLS cells (8 MB): a block's x'F and the factors' rows of F gathered for it, the last
    # block's x'F until it is replaced, and the output; a fixed 4,096 rows took 4,096 x 1,505 x 8 B = 49 MB
    # for each such block, and two copies of F (18 MB each) per block
    block = 8 * base.PRODUCT_CELLS
    assert peak < 3.5 * block + 8 * N, peak / 2**20


def test_factor_gram_is_the_dense_product_in_blocks_of_the_budget(monkeypatch):
    X, F = _wide(3_000, 300)
    monkeypatch.setattr(base, "PRODUCT_CELLS", 50_000)  # (many blocks)
    f = np.random.default_rng(8).uniform(size=X.n_rows)
    Z = X.toarray() @ F
    np.testing.assert_allclose(factor_gram(X, F, f), Z.T @ (f[:, None] * Z), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(factor_rows_norm2(X, F), np.einsum("ij,ij->i", Z, Z), rtol=1e-12)
