//! Fuzz target `conll`: see `targets::conll`.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::conll(data));
