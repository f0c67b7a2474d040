//! Fuzz target: see `rail_fuzz::printer_chit` for the promises checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rail_fuzz::printer_chit::run(data));
