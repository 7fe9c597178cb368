"""The cycle's workflow: transitions, gates, the executive decision and approved snapshots."""
