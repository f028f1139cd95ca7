"""The failover benchmark's driver (bench/failover/run): lab control, the clients it runs side
by side, the per-run analysis and the report."""
