//! Workspace-only crate: depending on `miniapp` with the `codegen` feature makes every
//! workspace build regenerate `generated/` from `schema/` (registry users never build
//! the generator) and compile the generator's fixture platforms as `miniapp::fixtures`.
