"""Names for people: what each output and each part of the loss is called in reports and charts."""

from __future__ import annotations

__all__ = ["METRIC_LABELS", "PART_LABELS"]

METRIC_LABELS = {
    "outage_hours": "Outage duration",
    "direct_revenue_loss_usd": "Direct revenue loss (while down)",
    "attrition_revenue_loss_usd": "Attrition revenue loss",
    "engagement_revenue_loss_usd": "Engagement revenue loss",
    "latency_revenue_loss_usd": "Latency revenue loss",
    "total_revenue_loss_usd": "Total revenue loss",
    "loss_hours": "Hours of normal revenue lost",
    "users_churned": "Users who left",
    "users_lost": "Users lost for good",
    "users_to_rivals": "Users gone to rival apps",
    "creators_lost": "Creators lost for good",
    "creator_earnings_loss_usd": "Creator earnings lost",
}

PART_LABELS = {
    "direct": "Direct: revenue not made while the platform was down",
    "attrition": "Attrition: users away for a while or for good",
    "engagement": "Engagement: activity that drained away and came back slowly",
    "latency": "Latency: degraded recommendations while feeds re-learned",
}
