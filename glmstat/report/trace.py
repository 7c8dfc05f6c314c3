"""The lines ``glm(..., trace=True)`` prints while fitting, as R's ``glm.fit`` prints them."""

from __future__ import annotations

import math

from .rformat import format_r

__all__ = ["print_iteration"]


def print_iteration(event: str, iteration: int, deviance: float) -> None:
    """Print one iteration as R's ``glm(..., trace = TRUE)``: ``Deviance = 12.3456 Iterations - 1`` after a
    step, ``Step halved: new deviance = 12.3456`` after its halvings; the steps glmstat takes beyond R's
    criterion (to the exact optimum) as ``Polishing step 1: deviance = 12.3456``.  The deviance is written
    as R's ``cat`` writes it (7 significant digits; ``NaN`` for a step whose deviance is not a number, as R's sum
    of its NaN terms, where a table would show NA)."""
    dev = "NaN" if math.isnan(deviance) else format_r([deviance], 7)[0].strip()
    if event == "step":
        print(f"Deviance = {dev} Iterations - {iteration}")
    elif event == "halved":
        print(f"Step halved: new deviance = {dev}")
    else:
        print(f"Polishing step {iteration}: deviance = {dev}")
