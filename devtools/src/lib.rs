//! Intentionally empty: this crate exists so that a workspace build of `miniapp` regenerates `generated/` (see the workspace Cargo.toml).
