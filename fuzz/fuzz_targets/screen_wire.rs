//! Fuzz target: see `rail_fuzz::screen_wire` for the input format and the promises checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rail_fuzz::screen_wire::run(data));
