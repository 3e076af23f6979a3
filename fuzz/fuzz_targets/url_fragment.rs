#![no_main]

use fuzz_targets::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Target::UrlFragment.run(data);
});
