"""A data column of date-times (R's POSIXct) as the date functions read it, and the same reading of new data.

Only ``as.Date()``, ``as.numeric()``, ``unclass()``, ``format()``, ``months()``, ``weekdays()``, ``quarters()`` and
``julian()`` of the column itself reach its date-times (:class:`~glmstat.formula.values.DateTimes`).  Such a call
remembers, in the model's state, that it read date-times: new data for ``predict()`` and each chunk of streamed
data must then hold date-times there too, and a call that read text or numbers must not be given date-times.
Either way the same call would mean another thing (text read as days, seconds read as days since 1970), so that
a prediction would be silently wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .call_arguments import call_error
from .deparse import deparse
from .nodes import Call, Node
from .values import DateTimes

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["DateTimesRead", "date_times_argument", "date_times_read"]


@dataclass(frozen=True)
class DateTimesRead:
    """The state of a call that read a column of date-times when the model was fitted."""


def date_times_read(_values) -> DateTimesRead:
    """The state of a call that read a column of date-times: the same whatever the values (the learner of streamed
    data, which may hold another stateful call inside: ``difftime(t, as.Date("2024-01-01"), units = "days")``)."""
    return DateTimesRead()


def date_times_argument(ev: "Evaluator", call: Call, node: Node, which: str | None = None) -> DateTimes | None:
    """The date-times of the data column ``node`` names, the argument of ``call`` (None: no such column); on new
    data, refused where the fit read something else there, or read date-times and these are not.  ``which`` names
    the argument of a call that may read date-times in more than one (``difftime(time1, time2)``): each remembers
    its own."""
    key = call if which is None else Call(f"{call.func}:{which}", call.args, call.kwargs)
    times = ev.date_times(node)
    if ev.mode == "apply":
        fitted = isinstance(ev.state.get(key), DateTimesRead)
        if fitted and times is None:
            raise call_error(call, f"{deparse(node)} held date-times when the model was fitted; new data must hold "
                             "them too (a datetime64 column), or the same call would read other values otherwise")
        if times is not None and not fitted:
            raise call_error(call, f"{deparse(node)} holds date-times, where the model was fitted on other values "
                             "(text or numbers); give new data the fit's kind of values")
        return times
    if times is not None:  # (remembered for new data: every chunk's record learns the same)
        ev.transform_state(key, np.zeros(0), date_times_read)
    return times
