"""Names for people: what each output and each part of the loss is called in reports and charts."""

from __future__ import annotations

from impact.outputs import REGISTRY

__all__ = ["METRIC_LABELS", "PART_LABELS"]

METRIC_LABELS = {o.name: o.label for o in REGISTRY}

PART_LABELS = {
    "direct": "Direct: revenue not made while the platform was down",
    "attrition": "Attrition: users away for a while or for good",
    "engagement": "Engagement: activity that drained away and came back slowly",
    "latency": "Latency: degraded recommendations while feeds re-learned",
    "make_goods": "Make-goods: credits, refunds and make-good ads owed for the interruption",
}
