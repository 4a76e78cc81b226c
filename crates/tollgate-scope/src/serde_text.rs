//! serde support for the types whose serialized form is their canonical text.
//!
//! Each type serializes as its `Display` text and deserializes through its `FromStr`, so the
//! serde form accepts exactly what parsing accepts and reports the same errors.

use core::fmt;
use core::marker::PhantomData;
use core::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::{Access, ResourceName, Role, Scope};

/// A value read from text by `FromStr`, and for [`Scope`] also from a Part-DB level number.
trait FromText: FromStr<Err: fmt::Display> {
    /// What the value should look like, for "invalid type" messages.
    const EXPECTING: &'static str;

    /// The value for a number, if the type has a numeric form.
    fn from_number<E: de::Error>(number: u64) -> Result<Self, E> {
        Err(E::invalid_type(
            de::Unexpected::Unsigned(number),
            &Self::EXPECTING,
        ))
    }
}

impl FromText for Scope {
    const EXPECTING: &'static str =
        "a token scope: `read-only`, `edit`, `admin`, `full`, or a code 1-4";

    fn from_number<E: de::Error>(number: u64) -> Result<Self, E> {
        Scope::from_code(number).map_err(E::custom)
    }
}

impl FromText for Role {
    const EXPECTING: &'static str = "a role: `reader`, `editor` or `admin`";
}

impl FromText for Access {
    const EXPECTING: &'static str = "a resource access: `read`, `write` or `delete`";
}

impl FromText for ResourceName {
    const EXPECTING: &'static str = "a resource name";
}

struct TextVisitor<T>(PhantomData<T>);

impl<T: FromText> Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<T, E> {
        T::from_number(number)
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<T, E> {
        match u64::try_from(number) {
            Ok(number) => T::from_number(number),
            Err(_) => Err(E::invalid_type(
                de::Unexpected::Signed(number),
                &T::EXPECTING,
            )),
        }
    }
}

/// Reads text; a [`Scope`] also reads a number where the format says what it holds (JSON, TOML:
/// `is_human_readable`), while compact formats are asked for text only.
fn deserialize_text<'de, T: FromText, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    if deserializer.is_human_readable() {
        deserializer.deserialize_any(TextVisitor(PhantomData))
    } else {
        deserializer.deserialize_str(TextVisitor(PhantomData))
    }
}

macro_rules! serde_as_text {
    ($($name:ty),+) => {$(
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> de::Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserialize_text(deserializer)
            }
        }
    )+};
}

serde_as_text!(Scope, Role, Access, ResourceName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_uses_canonical_names_and_accepts_codes() {
        assert_eq!(
            serde_json::to_string(&Scope::ReadOnly).unwrap(),
            "\"read-only\""
        );
        assert_eq!(
            serde_json::from_str::<Scope>("\"READ_ONLY\"").unwrap(),
            Scope::ReadOnly
        );
        assert_eq!(serde_json::from_str::<Scope>("4").unwrap(), Scope::Full);
        for bad in ["\"owner\"", "0", "-1", "5", "null", "2.0"] {
            let error = serde_json::from_str::<Scope>(bad).unwrap_err().to_string();
            assert!(error.contains("scope"), "{bad}: {error}");
        }
    }

    #[test]
    fn every_text_type_round_trips_through_json() {
        for scope in Scope::ALL {
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), scope);
        }
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{role}\""));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        }
        for access in Access::ALL {
            let json = serde_json::to_string(&access).unwrap();
            assert_eq!(json, format!("\"{access}\""));
            assert_eq!(serde_json::from_str::<Access>(&json).unwrap(), access);
        }
        let name = ResourceName::new("aspects/cpu").unwrap();
        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(json, "\"aspects/cpu\"");
        assert_eq!(serde_json::from_str::<ResourceName>(&json).unwrap(), name);
    }

    #[test]
    fn roles_accesses_and_names_refuse_numbers_and_bad_text() {
        let error = serde_json::from_str::<Role>("2").unwrap_err().to_string();
        assert!(error.contains("expected a role"), "{error}");
        let error = serde_json::from_str::<Role>("\"owner\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("reader"), "{error}");
        let error = serde_json::from_str::<Access>("\"execute\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("delete"), "{error}");
        let error = serde_json::from_str::<ResourceName>("\"a b\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("byte 1"), "{error}");
    }
}
