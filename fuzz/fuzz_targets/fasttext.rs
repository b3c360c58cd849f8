//! Fuzz target `fasttext`: see `targets::fasttext`.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::fasttext(data));
