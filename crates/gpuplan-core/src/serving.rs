//! Sizing a deployment to a latency target (issue 14 §3).
