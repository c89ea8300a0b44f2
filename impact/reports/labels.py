"""Names for people: what each output and each part of the loss is called in reports and charts.

Both are read from the output registry (`impact.outputs`), where each is declared once.
"""

from __future__ import annotations

from impact.outputs import REGISTRY

__all__ = ["METRIC_LABELS", "PART_LABELS"]

METRIC_LABELS = {o.name: o.label for o in REGISTRY}
PART_LABELS = {o.part: o.part_label for o in REGISTRY if o.part is not None}
