//! Test-only crate: see `tests/` for the generator snapshots and the loopback integration tests.
