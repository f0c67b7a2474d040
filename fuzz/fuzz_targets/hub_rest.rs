//! Fuzz target: see `rail_fuzz::hub_rest` for the input format and the promises checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rail_fuzz::hub_rest::run(data));
