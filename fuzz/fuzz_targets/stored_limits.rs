//! A token's limits as the SQL backends store them: tollgate-store's `limits_text`, reached
//! through `tollgate_store::fuzzing` (public only under cargo-fuzz's `--cfg fuzzing`), and
//! the rate limit and quota columns, which hold `Rate` and `Quota` as text (`100/min`,
//! `10000/month`, the forms `POST /v1/tokens` takes too), and the signing key column, which
//! holds a `SignatureKey` as text (`ed25519:` and 32 bytes in standard base64, read with
//! `FromStr` as tollgate-store's `token_from` does). The first byte picks one: allowed
//! origins (patterns one a line; the empty text means any origin), grants (`{resource}
//! {access}...` one resource a line), ancestors (`{id} {rate limit or -} {quota or -}` one a
//! line), a rate limit, a quota, a signing key. Guarantees: text that reads is a value that,
//! written again, reads back equal (equal values write equal text, so the written form is a
//! fixed point); text that does not read is refused with an error, never a panic; every
//! grant listed is permitted; a rate is within itself and its burst covers its period; a
//! quota and a signing key have one spelling, and a signing key is the 32 bytes of an
//! `ed25519` key that `SignatureKey::from_parts` (what `POST /v1/tokens` calls) gives back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_limit::{Quota, Rate};
use tollgate_scope::SignatureKey;
use tollgate_store::fuzzing::{
    ancestors_from, ancestors_text, grants_from, grants_text, origins_from, origins_text,
};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 6 {
        0 => {
            let Ok(origins) = origins_from(text) else {
                return;
            };
            let stored = origins_text(origins.as_ref());
            assert_eq!(origins_from(&stored).as_ref(), Ok(&origins), "{stored:?}");
        }
        1 => {
            let Ok(Some(grants)) = grants_from(Some(text)) else {
                return;
            };
            let stored = grants_text(Some(&grants));
            assert_eq!(
                grants_from(stored.as_deref()),
                Ok(Some(grants.clone())),
                "{stored:?}"
            );
            for (resource, access) in grants.iter() {
                assert!(grants.permits(resource.as_str(), access));
            }
        }
        2 => {
            let Ok(ancestors) = ancestors_from(text) else {
                return;
            };
            let stored = ancestors_text(&ancestors);
            assert_eq!(
                ancestors_from(&stored).as_ref(),
                Ok(&ancestors),
                "{stored:?}"
            );
        }
        3 => {
            let Ok(rate) = text.parse::<Rate>() else {
                return;
            };
            let stored = rate.to_string();
            assert_eq!(stored.parse::<Rate>(), Ok(rate), "{text:?}");
            assert!(rate.is_within(&rate));
            assert!(rate.interval() * rate.count() >= rate.period(), "{stored}");
        }
        4 => {
            let Ok(quota) = text.parse::<Quota>() else {
                return;
            };
            assert_eq!(quota.to_string(), text, "a quota has one spelling");
            assert!(quota.is_within(&quota));
        }
        _ => {
            let Ok(key) = text.parse::<SignatureKey>() else {
                return;
            };
            let stored = key.to_string();
            assert_eq!(stored.parse::<SignatureKey>(), Ok(key), "{stored:?}");
            assert_eq!(stored, text, "a signing key has one spelling");
            assert_eq!((key.algorithm(), key.public_key().len()), ("ed25519", 32));
            let (algorithm, public_key) = stored.split_once(':').expect("alg:key");
            assert_eq!(SignatureKey::from_parts(algorithm, public_key), Ok(key));
        }
    }
});
