#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| outfit_studio_fuzz::targets::feed_jsonl(data));
