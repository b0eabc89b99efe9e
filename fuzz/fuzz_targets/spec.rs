//! The generator's front end: a spec file from arbitrary bytes through the YAML parser, the
//! validator, lowering and emission.
//!
//! The input is read as one spec file, `spec/<group>.yaml`, parsed with the same serde mirror
//! `load` uses (`serde_yaml` into [`SpecFile`], unknown keys rejected). Beyond not panicking or
//! hanging: whatever validates must lower, and whatever lowers must emit Rust that `syn` parses
//! (otherwise the validator let through a spec the generator cannot handle).
#![no_main]

use libfuzzer_sys::fuzz_target;
use twitch_codegen::load::{Loaded, LoadedFile};
use twitch_codegen::spec::SpecFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The same parse as `load::load`.
    let Ok(spec) = serde_yaml::from_str::<SpecFile>(text) else {
        return;
    };
    let stem = spec.group.clone();
    let loaded = Loaded {
        files: vec![LoadedFile {
            display: format!("spec/{stem}.yaml"),
            stem,
            spec,
        }],
        examples: Vec::new(),
    };
    let resolved = match twitch_codegen::validate::validate(&loaded) {
        Ok(resolved) => resolved,
        Err(problems) => {
            assert!(!problems.0.is_empty());
            let _ = problems.to_string();
            return;
        }
    };
    let ir = match twitch_codegen::lower::lower(&resolved) {
        Ok(ir) => ir,
        Err(problems) => panic!("a validated spec failed to lower:\n{problems}"),
    };
    if let Err(problems) = twitch_codegen::emit::emit(&ir) {
        panic!("a validated spec failed to emit:\n{problems}");
    }
});
