"""A generic point of the input space shared by the model and engine tests."""

# Every effect on, every break (Tr, L) inside the horizon.
POINT: dict[str, float] = {
    "outage.hours": 36.0,
    "outage.severity": 0.8,
    "outage.zero_view_hours": 12.0,
    "revenue.hourly_loss": 400_000.0,
    "engagement.max_drop": 0.2,
    "engagement.decay_hours": 48.0,
    "engagement.recovery_half_life_hours": 120.0,
    "algorithm.quality_loss": 0.1,
    "algorithm.latency_hours": 96.0,
    "users.count": 1e8,
    "users.churn_max": 0.05,
    "users.churn_scale_hours": 200.0,
    "users.return_share": 0.8,
    "users.return_after_hours": 500.0,
    "users.rival_share": 0.3,
    "creators.count": 1e6,
    "creators.churn_max": 0.04,
    "creators.churn_scale_hours": 300.0,
    "creators.zero_view_weight": 0.5,
    "creators.return_share": 0.6,
    "creators.earnings_per_hour": 200_000.0,
    "horizon.hours": 2160.0,
    "algorithm.degrade_hours": 24.0,
}
