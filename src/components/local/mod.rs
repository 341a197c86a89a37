//! `local.*` components: values read from the machine the agent runs on.

pub mod file;
