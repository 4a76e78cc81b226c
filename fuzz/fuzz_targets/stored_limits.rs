//! A token's limits as the SQL backends store them: tollgate-store's `limits_text`, reached
//! through `tollgate_store::fuzzing` (public only under cargo-fuzz's `--cfg fuzzing`). The
//! first byte picks allowed origins (patterns one a line; the empty text means any origin) or
//! grants (`{resource} {access}...` one resource a line; the byte's second bit stands for
//! SQL `NULL`, every resource). Guarantees: text that reads is a value that, written again,
//! reads back equal (equal values write equal text, so the written form is a fixed point);
//! text that does not read is refused with an error, never a panic; every grant listed is
//! permitted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_store::fuzzing::{grants_from, grants_text, origins_from, origins_text};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if which & 1 == 0 {
        let Ok(origins) = origins_from(text) else {
            return;
        };
        let stored = origins_text(origins.as_ref());
        assert_eq!(origins_from(&stored).as_ref(), Ok(&origins), "{stored:?}");
    } else {
        let text = (which & 2 == 0).then_some(text);
        let Ok(grants) = grants_from(text) else {
            return;
        };
        let stored = grants_text(grants.as_ref());
        assert_eq!(
            grants_from(stored.as_deref()).as_ref(),
            Ok(&grants),
            "{stored:?}"
        );
        if let Some(grants) = &grants {
            for (resource, access) in grants.iter() {
                assert!(grants.permits(resource.as_str(), access));
            }
        }
    }
});
