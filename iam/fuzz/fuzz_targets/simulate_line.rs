//! One simulator line on arbitrary text, stateless and against the demo.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static DEMO: OnceLock<iam::Directory> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = iam::simulate::simulate_line(text, None);
        let _ = iam::simulate::simulate_line(text, Some(DEMO.get_or_init(iam::Directory::demo)));
    }
});
