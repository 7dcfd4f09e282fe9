#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| outfit_studio_fuzz::engine_targets::engine_api(data));
